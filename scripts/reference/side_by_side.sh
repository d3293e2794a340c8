#!/usr/bin/env bash
# Side-by-side speed comparison with the Python reference stack, in one run on one machine (not CI):
# forward 2×512 (PyTorch f32 vs sftgo-bench micro) and scoring throughput (lm-eval 0.4.8 vs
# sftgo-bench scoring) on the same documents and the same model folder.
#   scripts/reference/side_by_side.sh [MODEL_DIR] [WORKLOADS]
# Needs a venv with torch==2.13.0, transformers==4.51.3, lm_eval==0.4.8 (PYTHON, default
# /work/venv-ref/bin/python) and a release build (swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-models/SmolLM2-135M-Instruct}
WORKLOADS=${2:-mmlu5_10x10,hellaswag}
PYTHON=${PYTHON:-/work/venv-ref/bin/python}
THREADS=${SFTGO_THREADS:-2}
OUT=results/bench/$(date -u +%Y-%m-%dT%H-%M-%S)
mkdir -p "$OUT"
BENCH=.build/release/sftgo-bench
echo "== forward 2×512, $THREADS threads" | tee "$OUT/forward.txt"
for round in 1 2; do
    "$PYTHON" scripts/reference/time_pytorch_forward.py --model "$MODEL" --threads "$THREADS" --repeats 5 | tee -a "$OUT/forward.txt"
    SFTGO_THREADS=$THREADS "$BENCH" micro --model "$MODEL" --repeats 5 | tee -a "$OUT/forward.txt"
done
echo "== scoring: lm-eval 0.4.8 (batch 1 and 8), then sftgo" | tee "$OUT/scoring.txt"
"$PYTHON" scripts/reference/lm_eval_timing.py --model "$MODEL" --workloads "$WORKLOADS" \
    --batch-sizes 1,8 --threads "$THREADS" --output "$OUT/lm_eval_timing.json" | tee -a "$OUT/scoring.txt"
SFTGO_THREADS=$THREADS "$BENCH" scoring --model "$MODEL" --workloads "$WORKLOADS" \
    --lm-eval-json "$OUT/lm_eval_timing.json" | tee -a "$OUT/scoring.txt"
echo "written to $OUT"
