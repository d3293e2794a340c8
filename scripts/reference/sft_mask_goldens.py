"""Goldens for sftgo's SFT loss masks on the real LIMA copy with SmolLM2's tokenizer: for a few
single- and multi-turn examples, the ids of transformers' apply_chat_template text (tokenizers
0.21, add_special_tokens=False) and the loss mask built from character offsets: a token is a target
iff its first character lies in an assistant response span, the span being what the template adds
after the generation prompt, through the last <|im_end|> of that turn.

Usage: /work/.venv-ref/bin/python scripts/reference/sft_mask_goldens.py MODEL_DIR LIMA_JSON \
           > Tests/Fixtures/training/lima_smollm2_masks.json
"""
import json
import sys

from transformers import AutoTokenizer

model_dir, lima = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(model_dir)
rows = json.load(open(lima))

def messages(row):
    m = []
    for q, a in row.get("history") or []:
        m += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    user = row["instruction"] + ("\n" + row["input"] if row.get("input") else "")
    return m + [{"role": "user", "content": user}, {"role": "assistant", "content": row["output"]}]

single = [i for i, r in enumerate(rows) if not r.get("history")][:6]
multi = [i for i, r in enumerate(rows) if r.get("history")][:3]
out = []
for i in single + multi:
    msgs = messages(rows[i])
    full = tok.apply_chat_template(msgs, tokenize=False)
    spans = []
    for k, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        prompt = tok.apply_chat_template(msgs[:k], tokenize=False, add_generation_prompt=True) if k else ""
        through = tok.apply_chat_template(msgs[:k + 1], tokenize=False)
        assert through.startswith(prompt) and full.startswith(through)
        end = through.rindex("<|im_end|>") + len("<|im_end|>")
        spans.append((len(prompt), end))
    enc = tok(full, add_special_tokens=False, return_offsets_mapping=True)
    mask = [int(e > s and any(a <= s < b for a, b in spans)) for s, e in enc["offset_mapping"]]
    mask[0] = 0
    out.append({"row": i, "ids": enc["input_ids"], "loss_mask": mask})
json.dump({"tokenizer": model_dir.rstrip("/").split("/")[-1], "examples": out}, sys.stdout)
