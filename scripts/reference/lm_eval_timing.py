"""Throughput of lm-eval 0.4.8 on the benchmark workloads, for the side-by-side with sftgo-bench.

Workloads (same documents as the Swift run): `mmlu5`, MMLU 5-shot, first document of each of the
57 subjects; `mmlu5_<S>x<N>`, the first N documents of the first S subjects (alphabetical), where
the subject's few-shot prefix repeats; `hellaswag`, the first 100 documents. HF backend, CPU, float32, 2 threads. Each measurement
runs in its own process; the reported time covers the whole evaluate() call (request building,
tokenisation, forward passes, metrics) and, separately, the whole process including model load.
Not part of CI.

    /work/venv-ref/bin/python scripts/reference/lm_eval_timing.py \
        --model /work/models/SmolLM2-135M-Instruct --workloads mmlu5,hellaswag --batch-sizes 1,8
"""
import argparse
import json
import os
import subprocess
import sys
import time


def measure(model, workload, batch_size, threads):
    t_process = time.time()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from lm_eval_local_tasks import MMLU_SUBJECTS, LocalTasks
    import torch
    from lm_eval.evaluator import evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import get_task_dict
    torch.set_num_threads(threads)
    lm = HFLM(pretrained=model, dtype="float32", batch_size=batch_size, device="cpu")
    local = LocalTasks()
    if workload == "mmlu5":
        tasks, limit = [local.mmlu(s, 5) for s in MMLU_SUBJECTS], 1
    elif workload.startswith("mmlu5_"):
        # mmlu5_<subjects>x<docs>: several questions per subject, where the few-shot prefix repeats.
        n_subjects, n_docs = (int(x) for x in workload[len("mmlu5_"):].split("x"))
        tasks, limit = [local.mmlu(s, 5) for s in MMLU_SUBJECTS[:n_subjects]], n_docs
    elif workload == "hellaswag":
        tasks, limit = [local.hellaswag()], 100
    else:
        raise SystemExit(f"unknown workload {workload}")
    task_dict = get_task_dict(tasks)
    t0 = time.time()
    out = evaluate(lm, task_dict, limit=limit, log_samples=True, bootstrap_iters=0, verbosity="WARNING")
    seconds = time.time() - t0
    items = sum(len(s) for s in out["samples"].values())
    requests = sum(len(x["resps"]) for s in out["samples"].values() for x in s)
    return {"workload": workload, "batch_size": batch_size, "threads": threads, "items": items,
            "requests": requests, "seconds": round(seconds, 2),
            "items_per_s": round(items / seconds, 3),
            "process_seconds": round(time.time() - t_process, 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/work/models/SmolLM2-135M-Instruct")
    ap.add_argument("--workloads", default="mmlu5,hellaswag")
    ap.add_argument("--batch-sizes", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--one", nargs=2, metavar=("WORKLOAD", "BATCH"), help=argparse.SUPPRESS)
    ap.add_argument("--output", default="")
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.one:
        print(json.dumps(measure(args.model, args.one[0], int(args.one[1]), args.threads)), flush=True)
        return
    rows = []
    for w in args.workloads.split(","):
        for b in args.batch_sizes.split(","):
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), HF_HUB_OFFLINE="1",
                       HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
            p = subprocess.run([sys.executable, __file__, "--model", args.model, "--threads",
                                str(args.threads), "--one", w, b], env=env, capture_output=True, text=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr[-4000:])
                raise SystemExit(p.returncode)
            row = json.loads(p.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.output:
        with open(args.output, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
