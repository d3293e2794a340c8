// CE averaged over a selected subset of the batch's loss tokens: the loss of Rho-1 proper
// (L_SLM = −(1/(N·k%)) Σ I_k%(x_i)·log P(x_i)) and of Token Cleaning. Its gradient is plain CE
// with weight 1/N_sel on each selected token and 0 elsewhere.

import Training

enum SelectedCE {
    static func weights(losses: [Float], selected: [Bool], log extra: [String: Double] = [:]) -> TokenWeights {
        precondition(losses.count == selected.count, "one selection flag per loss token")
        var sumAll = 0.0, sumSel = 0.0, nSel = 0
        for (l, s) in zip(losses, selected) {
            sumAll += Double(l)
            if s { sumSel += Double(l); nSel += 1 }
        }
        var log = extra
        log["ce_all"] = losses.isEmpty ? .nan : sumAll / Double(losses.count)
        log["n_all"] = Double(losses.count)
        log["n_sel"] = Double(nSel)
        // No selected token (possible only for an empty batch or a static mask): no gradient this step.
        guard nSel > 0 else { return TokenWeights(weights: [Float](repeating: 0, count: losses.count), loss: 0, log: log) }
        log["ce_sel"] = sumSel / Double(nSel)
        let w = Float(1 / Double(nSel))
        return TokenWeights(weights: selected.map { $0 ? w : 0 }, loss: sumSel / Double(nSel), log: log)
    }
}
