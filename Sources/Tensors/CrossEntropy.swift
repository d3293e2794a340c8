// Cross-entropy of one logits row against a target id, and its gradient written over the row in
// place (the fused softmax-CE backward of llm.c: the logits' gradient needs no second buffer).
// loss = logΣexp(x) − x[target]; ∂(w·loss)/∂x = w·(softmax(x) − onehot(target)).

public enum CrossEntropy {
    /// −log softmax(x)[target] = logSum − (x[t] − m) and lse = m + logSum (log Σ exp(x), for the
    /// backward) of one row of n logits.
    @inline(__always)
    public static func forward<T: GemmScalar>(_ x: UnsafePointer<T>, _ n: Int, target: Int) -> (loss: T, lse: T) {
        let (m, logSum) = T.logSoftmaxParts(x, n)
        return (logSum - (x[target] - m), m + logSum)
    }

    /// log softmax(x)[target], defined as −forward(x, n, target).loss so that the scorer,
    /// `sftgo logprobs` and the training loss share every bit, and whether target is the row's
    /// argmax with ties to the lowest id (torch.argmax, hence lm-eval's is_greedy).
    @inline(__always)
    public static func logProb<T: GemmScalar>(_ x: UnsafePointer<T>, _ n: Int, target: Int) -> (logprob: T, isArgmax: Bool) {
        (-forward(x, n, target: target).loss, isArgmax(x, n, target: target))
    }

    /// True when no id below target reaches x[target] and none above exceeds it.
    public static func isArgmax<T: GemmScalar>(_ x: UnsafePointer<T>, _ n: Int, target: Int) -> Bool {
        let v = x[target]
        for i in 0..<target where x[i] >= v { return false }
        for i in (target + 1)..<n where x[i] > v { return false }
        return true
    }

    /// x ← weight·(softmax(x) − onehot(target)), given lse from forward.
    @inline(__always)
    public static func backward<T: GemmScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int, target: Int, lse: T, weight: T) {
        _ = T.expShifted(x, n, shift: lse)
        for i in 0..<n { x[i] *= weight }
        x[target] -= weight
    }

    /// Entropy of the k most probable tokens renormalised among themselves, divided by log k (so in
    /// [0, 1]); the top-k entropy EAFT weights tokens by. Ties at the k-th value: lowest ids first.
    public static func topKEntropy<T: GemmScalar>(_ x: UnsafePointer<T>, _ n: Int, lse: T, k requested: Int) -> T {
        let k = Swift.min(requested, n)
        guard k > 1 else { return 0 }
        // Keep the k largest in a small sorted array (k ≪ n).
        var top = [T](repeating: -.infinity, count: k)
        for i in 0..<n where x[i] > top[k - 1] {
            var j = k - 1
            while j > 0 && top[j - 1] < x[i] { top[j] = top[j - 1]; j -= 1 }
            top[j] = x[i]
        }
        var p = top.map { T.exp($0 - lse) }
        let z = p.reduce(0, +)
        var h: T = 0
        for i in 0..<k {
            p[i] /= z
            if p[i] > 0 { h -= p[i] * T.log(p[i]) }
        }
        return h / T.log(T(k))
    }
}
