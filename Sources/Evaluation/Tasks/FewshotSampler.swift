import Foundation

/// lm-eval 0.4.8's few-shot samplers (`lm_eval/api/samplers.py`, YAML `fewshot_sampler`).
public enum FewshotSamplerKind: String, Sendable, CaseIterable {
    /// `ContextSampler`, lm-eval's default: `rnd.sample(fewshot_docs, n)`.
    case random = "default"
    /// `FirstNSampler`: the first n few-shot documents in file order (MMLU).
    case firstN = "first_n"
}

/// Which few-shot documents each evaluated document gets.
///
/// lm-eval gives a task one `random.Random`, seeded by `simple_evaluate` with
/// `fewshot_random_seed` (default 1234) and shared by the sampler across all the task's
/// documents: `build_all_requests` builds contexts in doc order, so document i gets the (i+1)-th
/// `sample` of that generator. Each draw's consumption of the generator depends on the draw (the
/// rejection loops), so document i's examples are found by replaying the draws of documents
/// 0…i from the seed; they are kept, so the replay happens once per task and draw size.
final class FewshotSampler {
    let kind: FewshotSamplerKind
    let seed: Int
    let populationSize: Int
    private var streams: [Int: (rng: PythonRandom, draws: [[Int]])] = [:]  // keyed by draw size
    private let lock = NSLock()

    init(kind: FewshotSamplerKind, seed: Int, populationSize: Int) {
        self.kind = kind
        self.seed = seed
        self.populationSize = populationSize
    }

    /// Indices into the few-shot documents drawn for the document at `docIndex`, `count` of them
    /// (nil when `count` exceeds the population, where lm-eval raises).
    func draw(docIndex: Int, count: Int) -> [Int]? {
        guard count >= 0 && count <= populationSize else { return nil }
        switch kind {
        case .firstN:
            return Array(0..<count)
        case .random:
            lock.lock(); defer { lock.unlock() }
            var s = streams[count] ?? (PythonRandom(seed: seed), [])
            while s.draws.count <= docIndex {
                s.draws.append(s.rng.sample(populationSize: populationSize, count: count)!)
            }
            streams[count] = s
            return s.draws[docIndex]
        }
    }
}
