// The Training module: the one trainer every method shares (baseline SFT is λ = 0, SFT-GO is
// Eq. 3–5 of the paper). Files are named after the paper's concepts: GroupLoss.swift (Eq. 3–4),
// LambdaSchedule.swift (Eq. 5), TokenWeights.swift (the per-token weight seam), AdamW.swift,
// CosineSchedule.swift, SFTData.swift, Packing.swift, Trainer.swift.
