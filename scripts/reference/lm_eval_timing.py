"""Throughput of lm-eval 0.4.8 on the benchmark workloads, for the side-by-side with sftgo-bench.

Workloads (same documents as the Swift run): `mmlu5`, MMLU 5-shot, first document of each of the
57 subjects; `mmlu5_<S>x<N>`, the first N documents of the first S subjects (alphabetical), where
the subject's few-shot prefix repeats; `hellaswag`, the first 100 documents; `truthfulqa_gen:<N>` and
`ifeval:<N>`, greedy generation on the first N documents (sftgo-bench scoring's generation
workloads), reporting generated tokens too. HF backend, CPU, float32, 2 threads. Each measurement
runs in its own process; the reported time covers the whole evaluate() call (request building,
tokenisation, forward passes, metrics) and, separately, the whole process including model load.
Generated tokens are counted as sftgo counts them: per request, the tokens up to and including the
first EOS id, up to the first prefix whose decoded text holds a stop string, or max_gen_toks. A
batched HF generate computes more (rows run on until the whole batch stops): `decode_rows` is
that count (batch rows × steps). With --samples-dir, lm-eval's per-document samples are written
as <dir>/samples_<task>_<workload>_b<batch>.jsonl, lm-eval's own sample rows (doc, resps,
metrics), for the agreement check and as a --predictions input.
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


GENERATION = {"truthfulqa_gen": "truthfulqa_gen", "ifeval": "ifeval"}


def _useful_tokens(tok, ids, eos_ids, stops, budget):
    """Tokens a single-stream decode would produce for this row (see the module docstring)."""
    for n, t in enumerate(ids[:budget], start=1):
        if t in eos_ids:
            return n
        if stops and any(s in tok.decode(ids[:n]) for s in stops):
            return n
    return min(len(ids), budget)


def measure(model, workload, batch_size, threads, samples_dir=""):
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
    elif workload.split(":")[0] in GENERATION:
        name, n = workload.split(":")
        tasks, limit = [getattr(local, GENERATION[name])()], int(n)
        if name == "ifeval":
            # lm-eval leaves langdetect unseeded; seed 0 as sftgo's port (eval-spec §6.1).
            from langdetect import DetectorFactory
            DetectorFactory.seed = 0
    else:
        raise SystemExit(f"unknown workload {workload}")
    task_dict = get_task_dict(tasks)
    # Keep each generate call's output ids (cheap); tokens are counted after the clock stops.
    generated = []
    model_generate = lm._model_generate

    def recording_generate(context, max_length, stop, **kw):
        out = model_generate(context, max_length, stop, **kw)
        generated.append((out[:, context.shape[1]:].tolist(), list(stop), max_length - context.shape[1]))
        return out
    lm._model_generate = recording_generate
    t0, c0 = time.time(), time.process_time()
    out = evaluate(lm, task_dict, limit=limit, log_samples=True, bootstrap_iters=0, verbosity="WARNING")
    seconds, cpu_seconds = time.time() - t0, time.process_time() - c0
    items = sum(len(s) for s in out["samples"].values())
    requests = sum(len(x["resps"]) for s in out["samples"].values() for x in s)
    row = {"workload": workload, "batch_size": batch_size, "threads": threads, "items": items,
           "requests": requests, "seconds": round(seconds, 2),
           "items_per_s": round(items / seconds, 3), "cpu_seconds": round(cpu_seconds, 2),
           "load_avg_1m": os.getloadavg()[0],
           "process_seconds": round(time.time() - t_process, 2)}
    if generated:
        eos = lm.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos]) | {lm.tokenizer.eos_token_id}
        useful = sum(_useful_tokens(lm.tokenizer, ids, eos_ids, stops, budget)
                     for rows, stops, budget in generated for ids in rows)
        row.update({"generated_tokens": useful, "tokens_per_s": round(useful / seconds, 2),
                    "decode_rows": sum(len(rows) * len(rows[0]) for rows, _, _ in generated if rows)})
        row["results"] = {t: {k: v for k, v in r.items() if isinstance(v, (int, float))}
                          for t, r in out["results"].items()}
    if samples_dir:
        # lm-eval's own samples_*.jsonl rows (as its EvaluationTracker writes them), one file a task.
        from lm_eval.utils import handle_non_serializable
        os.makedirs(samples_dir, exist_ok=True)
        for task, samples in out["samples"].items():
            path = os.path.join(samples_dir, f"samples_{task}_{workload.replace(':', '_')}_b{batch_size}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for x in samples:
                    f.write(json.dumps(x, default=handle_non_serializable, ensure_ascii=False) + "\n")
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/work/models/SmolLM2-135M-Instruct")
    ap.add_argument("--workloads", default="mmlu5,hellaswag")
    ap.add_argument("--batch-sizes", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--one", nargs=2, metavar=("WORKLOAD", "BATCH"), help=argparse.SUPPRESS)
    ap.add_argument("--output", default="")
    ap.add_argument("--samples-dir", default="", help="write lm-eval's per-document samples here")
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.one:
        print(json.dumps(measure(args.model, args.one[0], int(args.one[1]), args.threads, args.samples_dir)),
              flush=True)
        return
    rows = []
    for w in args.workloads.split(","):
        for b in args.batch_sizes.split(","):
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), HF_HUB_OFFLINE="1",
                       HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
            p = subprocess.run([sys.executable, __file__, "--model", args.model, "--threads",
                                str(args.threads), "--samples-dir", args.samples_dir, "--one", w, b],
                               env=env, capture_output=True, text=True)
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
