// The Experiments module: experiment specs as data (experiments/*.yaml), grid expansion into cells,
// the resumable result store, executors, aggregation (mean ± std, paired statistics) and the
// paper's Tables 1–8 and Figures 2–3.
//
//   Spec/      ExperimentSpec, Profile, Grid (cells with stable ids), Availability
//   Store/     ResultStore (a folder per cell, atomic writes), CellRecord (run.json)
//   Run/       CellRunner (the seam for the trainer and evaluator), SyntheticRunner, LocalExecutor,
//              Plan (--dry-run), ProgressDisplay
//   Stats/     Statistics (mean, std, Student t), PairedComparison, Bootstrap
//   Tables/    Columns (metric keys), Aggregation, TableModel (markdown/csv/json), Tables 1–8,
//              PaperNumbers, Report
//   Figures/   SVGPlot, Figure2, Figure3
