// swift-tools-version:6.0
// sftgo: SFT-GO (Supervised Fine-Tuning with Group Optimization) in Swift on OpenBLAS.
// Modules are layered bottom to top; arrows point down only:
//   CBLAS, CArchive → Tensors → Checkpoints, Tokenizers, Store → Models → Training → Grouping
//   → Evaluation → Experiments → SFTGOCLI
// Within the middle layer, Tokenizers uses Checkpoints' JSON parser (one parser for every model
// file); Checkpoints never imports Tokenizers. Models' ModelFolder is the one model-folder reader.
import PackageDescription

let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "sftgo",
    products: [
        .executable(name: "sftgo", targets: ["sftgo"]),
        .executable(name: "sftgo-bench", targets: ["sftgo-bench"]),
        .library(name: "SFTGO", targets: ["SFTGOCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    ],
    targets: [
        // System libraries (apt-get install libopenblas-dev libarchive-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),

        // Float32 storage, BLAS matmul, vectorised kernels, thread pool, counter-based RNG.
        .target(name: "Tensors", dependencies: ["CBLAS"], swiftSettings: swift5),
        // safetensors, config.json, GGUF; Hugging Face folder layout.
        .target(name: "Checkpoints", dependencies: ["Tensors"], swiftSettings: swift5),
        // tokenizer.json: byte-level BPE, SentencePiece-style BPE; chat templates. Its JSON goes
        // through Checkpoints' parser (the project's one); Checkpoints never imports Tokenizers.
        .target(name: "Tokenizers", dependencies: ["Checkpoints"], swiftSettings: swift5),
        // Data and model store: registry, sha256, downloads with resume, archives.
        .target(name: "Store", dependencies: ["CArchive", "Yams"],
                resources: [.copy("Registry")], swiftSettings: swift5),
        // Llama forward and backward, KV cache, generation; ModelFolder, the one model-folder reader
        // (it needs both Checkpoints and Tokenizers, so it cannot live lower).
        .target(name: "Models", dependencies: ["Tensors", "Checkpoints", "Tokenizers"],
                swiftSettings: swift5),
        // The GO trainer: SFT data and loss masks, packing, GroupLoss (Eq. 3–4), λ schedule (Eq. 5),
        // per-token weight functions, AdamW, cosine schedule, checkpoints and resume.
        .target(name: "Training", dependencies: ["Tensors", "Checkpoints", "Tokenizers", "Store", "Models", "Yams"],
                swiftSettings: swift5),
        // Grouping functions g: per-token importance scores, the η selector, mask cache.
        .target(name: "Grouping", dependencies: ["Tensors", "Checkpoints", "Tokenizers", "Store", "Models", "Training"],
                swiftSettings: swift5),
        // lm-eval-compatible tasks, requests, metrics, runner.
        .target(name: "Evaluation", dependencies: ["Tensors", "Checkpoints", "Models", "Tokenizers", "Store", "Yams"],
                resources: [.copy("IFEvalData")], swiftSettings: swift5),
        // Seed sweeps: specs, result store, executors, aggregation, the paper's tables and figures.
        .target(name: "Experiments", dependencies: ["Tensors", "Checkpoints", "Tokenizers", "Store", "Models", "Training", "Grouping",
                                                    "Evaluation", "Yams"],
                swiftSettings: swift5),
        // Command implementations shared by both executables.
        .target(name: "SFTGOCLI",
                dependencies: ["Tensors", "Checkpoints", "Tokenizers", "Store", "Models", "Training",
                               "Grouping", "Evaluation", "Experiments",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: swift5),
        .executableTarget(name: "sftgo", dependencies: ["SFTGOCLI"], swiftSettings: swift5),
        .executableTarget(name: "sftgo-bench", dependencies: ["SFTGOCLI"], swiftSettings: swift5),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors"], swiftSettings: swift5),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints"], swiftSettings: swift5),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "Models"], swiftSettings: swift5),
        .testTarget(name: "StoreTests", dependencies: ["Store"], swiftSettings: swift5),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Checkpoints", "Tokenizers"], swiftSettings: swift5),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Checkpoints", "Tokenizers"],
                    swiftSettings: swift5),
        .testTarget(name: "GroupingTests", dependencies: ["Grouping", "Training", "Models", "Tokenizers"],
                    swiftSettings: swift5),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Checkpoints"], swiftSettings: swift5),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Checkpoints", "Tokenizers", "Models"], swiftSettings: swift5),
        .testTarget(name: "CLITests", dependencies: ["SFTGOCLI", "Tensors", "Checkpoints", "Tokenizers", "Store", "Models", "Evaluation"], swiftSettings: swift5),
    ]
)
