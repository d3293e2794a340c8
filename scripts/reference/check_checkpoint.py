#!/usr/bin/env python3
"""Checks that a folder written by `sftgo train` is a Hugging Face checkpoint transformers loads whole
(no missing, unexpected or mismatched tensors; tokenizer loads) and that its per-token log-probs
equal `sftgo logprobs` on the same folder within a tolerance.

Usage: python check_checkpoint.py CHECKPOINT_DIR [--sftgo .build/release/sftgo] [--text T ...]
Needs torch 2.13 (CPU) and transformers; not part of CI.
"""
import argparse
import json
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEXTS = [
    "The capital of France is Paris.",
    "Write a haiku about autumn leaves falling on a quiet river.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--sftgo", default=".build/release/sftgo")
    ap.add_argument("--text", action="append")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, info = AutoModelForCausalLM.from_pretrained(a.checkpoint, torch_dtype=torch.float32,
                                                       output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        sys.exit(f"transformers loading problems: {problems}")
    tok = AutoTokenizer.from_pretrained(a.checkpoint)
    model.eval()
    worst = 0.0
    for text in a.text or TEXTS:
        ids = tok(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
        ref = torch.log_softmax(logits, -1)
        ref_lp = [ref[t - 1, ids[t]].item() for t in range(1, len(ids))]
        out = subprocess.run([a.sftgo, "logprobs", "--model", a.checkpoint, "--text", text],
                             check=True, capture_output=True, text=True).stdout
        ours = json.loads(out.strip().splitlines()[-1])
        if ours["ids"] != ids:
            sys.exit(f"token ids differ for {text!r}: sftgo {ours['ids']} transformers {ids}")
        d = max(abs(x - y) for x, y in zip(ours["logprobs"][1:], ref_lp))
        worst = max(worst, d)
        print(f"{len(ids)} tokens, max |Δ logprob| {d:.2e}: {text[:50]!r}")
    print(f"loaded by transformers {__import__('transformers').__version__} with no missing/unexpected "
          f"tensors; worst |Δ logprob| vs sftgo {worst:.2e} (tolerance {a.tolerance})")
    sys.exit(0 if worst <= a.tolerance else 1)


if __name__ == "__main__":
    main()
