"""Agreement of two generation runs on the same documents: lm-eval 0.4.8's samples_*.jsonl
(lm_eval_timing.py --samples-dir) against sftgo-bench's (--log_samples), paired by doc_id.

Prints the count of identical generations, for each differing one the length of the common
prefix (characters) and both texts' next characters, and for every metric the number of documents
whose values differ (> 1e-9) and the two runs' means (instruction-level lists are flattened, as
lm-eval aggregates them). Reference tooling only, never the product.

    python scripts/reference/compare_generations.py LM_EVAL_SAMPLES SFTGO_SAMPLES
"""
import json
import os
import sys


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {r["doc_id"]: r for r in rows}


def values(v):
    return [float(x) for x in v] if isinstance(v, list) else [float(v)]


def main(ref_path, ours_path):
    ref, ours = read(ref_path), read(ours_path)
    common = sorted(set(ref) & set(ours))
    print(f"{os.path.basename(ref_path)} vs {os.path.basename(ours_path)}: {len(common)} documents in both "
          f"({len(ref)} and {len(ours)} in the files)")
    same = 0
    for d in common:
        a, b = ref[d]["resps"][0][0], ours[d]["resps"][0][0]
        if a == b:
            same += 1
            continue
        k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        print(f"  doc {d}: differ after {k} of {len(a)}/{len(b)} chars: "
              f"lm-eval {a[k:k + 30]!r} / sftgo {b[k:k + 30]!r}")
    print(f"identical generations: {same}/{len(common)}")
    metrics = [m for m in ref[common[0]].get("metrics", []) if m in ours[common[0]]] if common else []
    for m in metrics:
        ra, rb, differ = [], [], 0
        for d in common:
            va, vb = values(ref[d][m]), values(ours[d][m])
            ra += va
            rb += vb
            if len(va) != len(vb) or any(abs(x - y) > 1e-9 for x, y in zip(va, vb)):
                differ += 1
        print(f"  {m}: lm-eval {sum(ra) / len(ra):.6f}  sftgo {sum(rb) / len(rb):.6f}  "
              f"documents differing {differ}/{len(common)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
