"""Token ids of every golden request as lm-eval 0.4.8 encodes them (HFLM._encode_pair, tok_encode
with add_special_tokens=False), for checking the Swift pair encoding independently of the model.

Reads the goldens written by lm_eval_goldens.py and writes <tag>/tokens/<run>.json next to them:
per document the context tokens and, per continuation, the continuation tokens.

    /work/venv-ref/bin/python scripts/reference/lm_eval_tokens.py --model /work/models/SmolLM2-135M-Instruct

Use the folder the goldens were made from: our own import (see lm_eval_goldens.py).
"""
import argparse
import glob
import json
import os
import types

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import transformers  # noqa: E402
from lm_eval.models.huggingface import HFLM  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/work/models/SmolLM2-135M-Instruct")  # our import
    ap.add_argument("--tag", default="smollm2")
    args = ap.parse_args()
    # Just enough of an HFLM for lm-eval's own _encode_pair / tok_encode (no model weights).
    lm = types.SimpleNamespace(
        tokenizer=transformers.AutoTokenizer.from_pretrained(args.model),
        add_bos_token=False, backend="causal",
        AUTO_MODEL_CLASS=transformers.AutoModelForCausalLM)
    lm.tok_encode = lambda s, **kw: HFLM.tok_encode(lm, s, **kw)
    gdir = os.path.join(REPO, "Tests/Fixtures/evaluation/lmeval", args.tag)
    out_dir = os.path.join(gdir, "tokens")
    os.makedirs(out_dir, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(gdir, "*.json"))):
        golden = json.load(open(path, encoding="utf-8"))
        tasks = {}
        for name, docs in golden["tasks"].items():
            out = []
            for d in docs:
                pairs = [HFLM._encode_pair(lm, d["context"], c) for c in d["continuations"]]
                assert all(list(p[0]) == list(pairs[0][0]) for p in pairs)
                out.append({"doc_id": d["doc_id"],
                            # One context encoding per document (identical for all its choices).
                            "context_tokens": list(pairs[0][0]),
                            "continuation_tokens": [list(p[1]) for p in pairs]})
            tasks[name] = out
        dst = os.path.join(out_dir, os.path.basename(path))
        with open(dst, "w", encoding="utf-8") as f:
            json.dump({"key": golden["key"], "tasks": tasks}, f, separators=(",", ":"))
        print(dst)


if __name__ == "__main__":
    main()
