// The `ifeval` task's per-document scorer in the generation-metric registry (lm-eval 0.4.8's
// `utils.process_results`): prompt-level verdicts as numbers, instruction-level verdicts as lists
// (flattened by agg_inst_level_acc), and lm-eval's per-sample fields for --log_samples.
import Foundation

extension IFEvalScorer {
    /// Punkt tables and langdetect profiles, loaded on first use (about a second), shared by all.
    private static let tools = Result { try IFEvalResources.builtIn() }

    public static func processResults(_ doc: JSONObject, _ response: String) throws -> GenerationScore {
        let tools = try tools.get()
        let v = score(try IFEvalDocument(row: .object(doc)), response: response, tools: tools)
        func flag(_ b: Bool) -> Double { b ? 1 : 0 }
        var extra: [(String, JSONValue)] = [("follow_instruction_list", .array(v.strict.map(JSONValue.bool)))]
        let unreproducible = v.reproducible.filter { !$0 }.count
        if unreproducible > 0 {
            // eval-spec §6.1: a letter-frequency instruction whose letter is not a letter is scored
            // with a fixed substitute; the sample says so rather than hiding it.
            extra.append(("unreproducible_instructions", .int(unreproducible)))
        }
        return GenerationScore(metrics: [
            ("prompt_level_strict_acc", .number(flag(v.promptStrict))),
            ("inst_level_strict_acc", .list(v.strict.map(flag))),
            ("prompt_level_loose_acc", .number(flag(v.promptLoose))),
            ("inst_level_loose_acc", .list(v.loose.map(flag))),
        ], extra: extra)
    }
}
