import Foundation

/// Data and task readers' entry points shared by the libFuzzer targets (Fuzz/) and the replay tests
/// of their regression inputs: arbitrary bytes must give documents, tasks or a typed error.
public enum EvaluationFuzz {
    static func scratchDirectory() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sftgo-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Bytes as an MMLU CSV file, read as the evaluator reads a split.
    public static func csv(_ data: Data) {
        let url = scratchDirectory().appendingPathComponent("fuzz_test.csv")
        try? data.write(to: url)
        _ = try? DocumentReader.read(url: url, displayPath: "fuzz_test.csv", format: .csv, schema: .mmlu, subject: "fuzz")
    }

    /// Bytes as a JSONL and as a JSON split, under every schema that reads those formats.
    public static func jsonl(_ data: Data) {
        let url = scratchDirectory().appendingPathComponent("fuzz.jsonl")
        try? data.write(to: url)
        for schema in [DataSchema.asIs, .ai2Arc, .openbookqa, .hellaswag] {
            _ = try? DocumentReader.read(url: url, displayPath: "fuzz.jsonl", format: .jsonl, schema: schema)
        }
        for schema in [DataSchema.asIs, .truthfulqaMC] {
            _ = try? DocumentReader.read(url: url, displayPath: "fuzz.json", format: .json, schema: schema)
        }
    }

    /// Bytes as a task YAML beside a fixed template it may `include`; every name the registry then
    /// knows is expanded to its leaf tasks.
    public static func taskYAML(_ data: Data) {
        let dir = scratchDirectory().appendingPathComponent("tasks")
        try? FileManager.default.removeItem(at: dir)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? Data("""
        dataset_path: fuzz
        output_type: multiple_choice
        test_split: test
        doc_to_text: "{{question}}"
        doc_to_target: answer
        doc_to_choice: ["A", "B"]
        metric_list:
          - metric: acc

        """.utf8).write(to: dir.appendingPathComponent("_template.yaml"))
        try? data.write(to: dir.appendingPathComponent("fuzz.yaml"))
        guard let r = try? TaskRegistry(directory: dir) else { return }
        for name in r.knownNames { _ = try? r.leafTasks(of: name) }
    }
}
