"""Per-sample log-likelihood goldens from lm-eval 0.4.8 (HF backend, CPU, float32, batch size 1).

Runs fully offline on /work/shared/data (tasks built by lm_eval_local_tasks.py) on the first
documents of every log-likelihood task and writes one small JSON per task under
Tests/Fixtures/evaluation/lmeval/<model-tag>/: per document the context, the continuations, the
log-likelihoods and is_greedy flags, lm-eval's prediction (argmax, ties to the first) and target.

The committed smollm2 goldens come from our own GGUF import, /work/models/SmolLM2-135M-Instruct
(the folder `make model` / `sftgo import` writes; transformers loads it as a standard HF folder,
GPT2TokenizerFast over our tokenizer.json, which keeps SmolLM2's single-digit pre-tokenizer, so
lm-eval sees exactly the token ids the Swift evaluator sees). Earlier goldens used transformers'
own GGUF conversion (/work/models/smollm2-transformers), whose tokenizer drops that pre-tokenizer.

    HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 /work/venv-ref/bin/python \
        scripts/reference/lm_eval_goldens.py --model /work/models/SmolLM2-135M-Instruct --tag smollm2

Pins: lm_eval==0.4.8, transformers==4.51.3, torch==2.13.0 (CPU), datasets==3.6.0.
"""
import argparse
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_eval_local_tasks import MMLU_SUBJECTS, LocalTasks  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402
import lm_eval  # noqa: E402
from lm_eval.evaluator import evaluate  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402
from lm_eval.tasks import get_task_dict  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(lm, tasks, limit):
    task_dict = get_task_dict(tasks)
    out = evaluate(lm, task_dict, limit=limit, log_samples=True, bootstrap_iters=0,
                   verbosity="WARNING")
    return out["samples"]


def golden_docs(samples):
    docs = []
    for s in sorted(samples, key=lambda s: s["doc_id"]):
        args = s["arguments"]
        contexts = {a[0] for a in args}
        assert len(contexts) == 1, "multiple-choice requests share one context"
        lls = [float(r[0][0]) for r in s["resps"]]
        greedy = [bool(r[0][1]) for r in s["resps"]]
        pred = max(range(len(lls)), key=lambda i: (lls[i], -i))  # numpy argmax: first max
        ranked = sorted(lls, reverse=True)
        docs.append({
            "doc_id": s["doc_id"],
            "context": args[0][0],
            "continuations": [a[1] for a in args],
            "loglikelihoods": lls,
            "is_greedy": greedy,
            "target": s["target"],
            "prediction": pred,
            "top2_gap": ranked[0] - ranked[1] if len(ranked) > 1 else None,
            "metrics": {k: s[k] for k in ("acc", "acc_norm") if k in s},
        })
    return docs


def main():
    ap = argparse.ArgumentParser()
    # Our own import (see the module docstring), not transformers' GGUF conversion.
    ap.add_argument("--model", default="/work/models/SmolLM2-135M-Instruct")
    ap.add_argument("--tag", default="smollm2")
    ap.add_argument("--limit", type=int, default=10, help="documents per non-MMLU task")
    ap.add_argument("--mmlu-subjects", type=int, default=57)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated subset of task keys")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    out_dir = os.path.join(REPO, "Tests/Fixtures/evaluation/lmeval", args.tag)
    os.makedirs(out_dir, exist_ok=True)
    lm = HFLM(pretrained=args.model, dtype="float32", batch_size=1, device="cpu")
    local = LocalTasks()

    meta = {
        "lm_eval": lm_eval.__version__ if hasattr(lm_eval, "__version__") else "0.4.8",
        "transformers": transformers.__version__, "torch": torch.__version__,
        "backend": "hf", "device": "cpu", "dtype": "float32", "batch_size": 1,
        "add_bos_token": False,
        "tokenizer_class": type(lm.tokenizer).__name__,
        "bos_token_id": lm.tokenizer.bos_token_id, "eos_token_id": lm.tokenizer.eos_token_id,
        "model_dir": args.model,
        "model_safetensors_sha256": file_sha256(os.path.join(args.model, "model.safetensors")),
        "tokenizer_json_sha256": file_sha256(os.path.join(args.model, "tokenizer.json")),
    }

    plan = [
        ("arc_challenge", lambda: [local.arc_challenge()], args.limit),
        ("openbookqa", lambda: [local.openbookqa()], args.limit),
        ("hellaswag", lambda: [local.hellaswag()], args.limit),
        ("mathqa", lambda: [local.mathqa()], args.limit),
        ("truthfulqa_mc1", lambda: [local.truthfulqa("mc1")], args.limit),
        ("truthfulqa_mc2", lambda: [local.truthfulqa("mc2")], args.limit),
        ("mmlu_0shot", lambda: [local.mmlu(s, 0) for s in MMLU_SUBJECTS[:args.mmlu_subjects]], 1),
        ("mmlu_5shot", lambda: [local.mmlu(s, 5) for s in MMLU_SUBJECTS[:args.mmlu_subjects]], 1),
    ]
    only = set(filter(None, args.only.split(",")))
    for key, make, limit in plan:
        if only and key not in only:
            continue
        t0 = time.time()
        samples = run(lm, make(), limit)
        tasks = {}
        for name, s in sorted(samples.items()):
            tasks[name.replace("sftgo_", "", 1)] = golden_docs(s)
        golden = dict(meta, key=key, limit=limit, seconds=round(time.time() - t0, 1), tasks=tasks)
        path = os.path.join(out_dir, f"{key}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(golden, f, ensure_ascii=False, indent=1)
        n = sum(len(d["continuations"]) for docs in tasks.values() for d in docs)
        print(f"{key}: {n} requests in {golden['seconds']} s -> {path}", flush=True)


if __name__ == "__main__":
    main()
