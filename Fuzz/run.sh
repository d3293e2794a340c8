#!/usr/bin/env bash
# Runs each fuzz target for FUZZ_SECONDS (default 60) from a corpus seeded with real files; a
# crashing, leaking or timing-out input is kept as Tests/Fixtures/fuzz/<target>/<kind>-<sha1>, which
# the replay tests (FuzzRegressionTests in each module's tests) run in every normal `swift test`.
# Usage: Fuzz/run.sh [target …]   (default: every built target)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZ_BUILD:-$ROOT/.build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
DATA=${SFTGO_DATA_DIR:-$ROOT/data}
MODEL=${SFTGO_SMOLLM2_DIR:-$ROOT/models/SmolLM2-135M-Instruct}
FIX=$ROOT/Tests/Fixtures

# seed TARGET FILE… : copies the real files (those that exist, first SEED_BYTES of each, default
# 64 KB) into the corpus.
seed() {
  local t=$1; shift
  mkdir -p "$OUT/corpus/$t"
  for f in "$@"; do [ -f "$f" ] && head -c "${SEED_BYTES:-65536}" "$f" > "$OUT/corpus/$t/seed-$(echo "$f" | sha1sum | cut -c1-12)"; done
  # Earlier findings are seeds too.
  [ -d "$FIX/fuzz/$t" ] && cp "$FIX/fuzz/$t"/* "$OUT/corpus/$t/" 2>/dev/null
  return 0
}
seed safetensors "$FIX"/checkpoints/*.safetensors "$FIX"/checkpoints/sharded/*.safetensors
seed gguf "$FIX"/checkpoints/gguf/*.gguf
seed config "$FIX"/models/*/config.json "$MODEL"/config.json "$MODEL"/generation_config.json
seed json "$FIX"/models/*/config.json "$MODEL"/*.json "$FIX"/tokenizers/*/tokenizer_config.json "$FIX"/evaluation/tasks/data/tiny/*.jsonl
seed tokenizer-json "$FIX"/tokenizers/*/tokenizer.json
seed tokenizer-encode "$FIX"/evaluation/tasks/data/tiny/*.jsonl "$ROOT"/README.md
seed csv "$FIX"/evaluation/tasks/data/tiny/*.csv $(ls "$DATA"/mmlu/data/dev/*.csv 2>/dev/null | head -5)
# Data set files are large: their first 4 KB (whole rows, then a cut one) keep the target fast.
SEED_BYTES=4096 seed jsonl "$FIX"/evaluation/tasks/data/tiny/*.jsonl $(find "$DATA" -name '*.jsonl' 2>/dev/null | head -8) \
  $(find "$DATA"/truthfulqa -name '*.json' 2>/dev/null | head -2)
seed task-yaml "$FIX"/evaluation/tasks/yaml/*.yaml $(find "$ROOT/tasks" -name '*.yaml' | head -20)
# Archives: a small tree as tar, tar.gz and zip.
mkdir -p "$OUT/corpus/archive" "$OUT/seed-tree/data/test"
printf 'q,a,b,c,d,A\n' > "$OUT/seed-tree/data/test/x_test.csv"; printf '{"a": 1}\n' > "$OUT/seed-tree/train.jsonl"
(cd "$OUT/seed-tree" && tar -cf "$OUT/corpus/archive/seed.tar" data train.jsonl && tar -czf "$OUT/corpus/archive/seed.tgz" data train.jsonl \
  && { command -v zip >/dev/null && zip -qr "$OUT/corpus/archive/seed.zip" data train.jsonl || true; })
[ -d "$FIX/fuzz/archive" ] && cp "$FIX/fuzz/archive"/* "$OUT/corpus/archive/" 2>/dev/null

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=($(cd "$OUT" && ls fuzz-* | sed 's/^fuzz-//'))
status=0
for t in "${targets[@]}"; do
  mkdir -p "$FIX/fuzz/$t"
  echo "== fuzz-$t for ${SECONDS_EACH}s"
  (cd "$OUT" && ASAN_OPTIONS=detect_leaks=0 ./fuzz-$t -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$FIX/fuzz/$t/" "corpus/$t" > "log-$t.txt" 2>&1)
  rc=$?
  grep -E "^stat::number_of_executed_units|^stat::new_units_added|^stat::average_exec_per_sec|^#[0-9]+[[:space:]]+DONE" "$OUT/log-$t.txt" | tr '\n' ' '; echo
  if [ $rc -ne 0 ]; then status=1; echo "fuzz-$t FOUND A PROBLEM (exit $rc): see $OUT/log-$t.txt and $FIX/fuzz/$t/"; fi
done
exit $status
