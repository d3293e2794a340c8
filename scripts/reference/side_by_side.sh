#!/usr/bin/env bash
# Side-by-side speed comparison with the Python reference stack, in one run on one machine (not CI):
# forward 2×512 (PyTorch f32 vs sftgo-bench micro) and scoring throughput (lm-eval 0.4.8 vs
# sftgo-bench scoring) on the same documents and the same model folder.
#   scripts/reference/side_by_side.sh [MODEL_DIR] [WORKLOADS] [GEN_WORKLOADS]
# GEN_WORKLOADS (default truthfulqa_gen:40,ifeval:24; "none" skips): greedy generation, lm-eval at
# GEN_BATCH (default 8) against sftgo-bench on the same documents, then the agreement of the two
# runs' generations and metrics (compare_generations.py). The load average is printed with each.
# Needs a venv with torch==2.13.0, transformers==4.51.3, tokenizers==0.21.4, lm_eval==0.4.8,
# datasets==3.6.0, sacrebleu==2.5.1, rouge-score==0.1.2, nltk==3.9.1, langdetect, immutabledict (PYTHON, default
# /work/venv-ref/bin/python) and a release build (swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-models/SmolLM2-135M-Instruct}
WORKLOADS=${2:-mmlu5_10x10,hellaswag}
GEN_WORKLOADS=${3:-truthfulqa_gen:40,ifeval:24}
GEN_BATCH=${GEN_BATCH:-8}
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
if [ "$GEN_WORKLOADS" != none ]; then
    echo "== generation: lm-eval 0.4.8 (batch $GEN_BATCH), then sftgo" | tee "$OUT/generation.txt"
    for w in ${GEN_WORKLOADS//,/ }; do
        task=${w%%:*}; n=${w##*:}
        echo "load: $(cat /proc/loadavg)" | tee -a "$OUT/generation.txt"
        "$PYTHON" scripts/reference/lm_eval_timing.py --model "$MODEL" --workloads "$w" --batch-sizes "$GEN_BATCH" \
            --threads "$THREADS" --samples-dir "$OUT/lm_eval_samples" --output "$OUT/lm_eval_$task.json" | tee -a "$OUT/generation.txt"
        echo "load: $(cat /proc/loadavg)" | tee -a "$OUT/generation.txt"
        # The evaluation itself (its generation line: items/s, tokens/s), keeping the samples.
        SFTGO_THREADS=$THREADS "$BENCH" --tasks "$task" --limit "$n" --model "$MODEL" --log_samples \
            --output_path "$OUT/sftgo_$task" --cache-dir none | grep -E "^(generation|wrote)" | tee -a "$OUT/generation.txt"
        "$PYTHON" scripts/reference/compare_generations.py "$OUT"/lm_eval_samples/samples_sftgo_"$task"_*.jsonl \
            "$OUT"/sftgo_"$task"/samples_"$task"_*.jsonl | tee -a "$OUT/generation.txt"
    done
fi
echo "written to $OUT"
