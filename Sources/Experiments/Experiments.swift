// The Experiments module: experiment specs as data, grid expansion, the resumable result store,
// executors (local, Slurm), aggregation (mean ± std, paired statistics) and the paper's Tables 1–8
// and Figures 2–3.
