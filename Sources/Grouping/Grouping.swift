// The Grouping module: grouping functions g score each loss token; Selector.swift turns scores into
// the important mask with the η percentile (§3.3 of the paper). TF-IDF, frequency, random,
// self-information and Rho-1 (Eq. 9) live in their own files; MaskCache.swift stores masks.
