// Greedy generation on the KV cache.

import Tensors

extension Llama {
    /// Greedy decoding with the KV cache; ties go to the lowest id. Stops after a stop id (which is
    /// included, as transformers' generate does), after maxNewTokens, or when shouldStop(generated).
    public func generate(prompt: [Int], maxNewTokens: Int, stopTokenIds: Set<Int>,
                         shouldStop: (([Int]) -> Bool)? = nil) -> [Int] {
        guard !prompt.isEmpty, maxNewTokens > 0 else { return [] }
        let cache = makeCache(capacity: prompt.count + maxNewTokens)
        var logits = forward(prompt, cache: cache, logitsFor: [prompt.count - 1])
        var out: [Int] = []
        while true {
            let next = logits.withUnsafeBufferPointer { Kernels.argmax($0.baseAddress!, $0.count) }
            out.append(next)
            if stopTokenIds.contains(next) || out.count >= maxNewTokens || (shouldStop?(out) ?? false) { break }
            logits = run([Segment([next], continuing: cache, append: true, logitRows: [0])], padded: false)[0]
        }
        return out
    }
}
