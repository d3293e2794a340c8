"""End-to-end goldens for SmolLM2-135M-Instruct: transformers loads the GGUF itself
(`gguf_file=`), and we record what our Swift import, tokenizer and Llama must reproduce.

    /work/venv-ref/bin/python scripts/reference/smollm2_goldens.py [GGUF] [IMPORTED_DIR]

GGUF defaults to /work/downloads/SmolLM2-135M-Instruct.Q4_1.gguf; IMPORTED_DIR (our
`sftgo model import` output, default /work/models/SmolLM2-135M-Instruct) provides tokenizer.json,
which the reference `tokenizers` library encodes with.
Writes Tests/Fixtures/smollm2/goldens.json (small: top-k and sampled logits, not full rows).

Facts recorded on the way (see "notes" in the output):
- transformers' GGUF tokenizer prepends BOS (<|im_start|>, id 1) although the file says
  tokenizer.ggml.add_bos_token = false; we follow the file, so model inputs have no BOS.
- transformers names eos <|im_start|> in its tokenizer; the file's eos id is 2 (<|im_end|>).
- transformers' converter ignores tokenizer.ggml.pre ("smollm" = digits split individually before
  the GPT-2 regex); texts where that matters are flagged per prompt.
"""
import hashlib
import json
import os
import sys
import zlib

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoTokenizer

GGUF = sys.argv[1] if len(sys.argv) > 1 else "/work/downloads/SmolLM2-135M-Instruct.Q4_1.gguf"
OURS = sys.argv[2] if len(sys.argv) > 2 else "/work/models/SmolLM2-135M-Instruct"
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "smollm2")
os.makedirs(OUT, exist_ok=True)
torch.set_num_threads(2)

folder, name = os.path.split(os.path.abspath(GGUF))
model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32).eval()
hf_tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
ref_tok = Tokenizer.from_file(os.path.join(OURS, "tokenizer.json"))

CHAT_SYSTEM = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
               "<|im_end|>\n")
def chat(q):
    return CHAT_SYSTEM + f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n"

prompts = [
    "The capital of France is",
    "Once upon a time, there was a little",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    "In 1969, Neil Armstrong became the first person to",
    "Water boils at 100 degrees Celsius and freezes at",
    "| id | name |\n|  4 | Cologne |\n|  5 |",   # digits after a space run: pre-tokenizers differ
    "Les élèves étudient le français — et l’émoji 🎉 aussi.",
    chat("What is the capital of France?"),
    chat("Give me three tips for staying healthy."),
]

def logits_summary(ids, k=20, n_sample=64):
    with torch.no_grad():
        out = model(torch.tensor([ids])).logits[0].double()
    last = out[-1]
    top = torch.topk(last, k)
    rng = np.random.default_rng(len(ids))
    sample = sorted(rng.choice(last.shape[0], n_sample, replace=False).tolist())
    lse = torch.logsumexp(out, dim=-1)
    nxt = [float(out[i, ids[i + 1]]) for i in range(len(ids) - 1)]
    return {
        "last_top_ids": top.indices.tolist(), "last_top_logits": top.values.tolist(),
        "last_sample_ids": sample, "last_sample_logits": [float(last[i]) for i in sample],
        "max_logit": out.max(dim=-1).values.tolist(), "logsumexp": lse.tolist(),
        "next_token_logits": nxt,
        "last_row_sha256_f32": hashlib.sha256(out[-1].float().numpy().tobytes()).hexdigest(),
    }

cases = []
for p in prompts:
    ids = ref_tok.encode(p).ids
    hf_ids = hf_tok(p)["input_ids"]
    hf_no_bos = hf_ids[1:] if hf_ids[:1] == [1] else hf_ids
    with torch.no_grad():
        gen = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             do_sample=False, max_new_tokens=32, eos_token_id=2, pad_token_id=2,
                             output_scores=True, return_dict_in_generate=True)
    cont = gen.sequences[0, len(ids):].tolist()
    # top-1 minus top-2 logit at each step: how close a greedy choice was to a tie
    margins = [float(v[0] - v[1]) for v in (torch.topk(sc[0], 2).values for sc in gen.scores)]
    cases.append({
        "text": p, "ids": ids, "transformers_ids": hf_ids,
        "same_as_transformers_without_bos": ids == hf_no_bos,
        "logits": logits_summary(ids),
        "greedy32": cont, "greedy32_margins": margins, "greedy32_text": ref_tok.decode(cont, skip_special_tokens=False),
    })
    print(repr(p[:40]), len(ids), "ids; greedy:", repr(cases[-1]["greedy32_text"][:80]))

# Per-tensor checks of the imported weights: transformers' dequantised state dict.
sd = model.state_dict()
weights = {}
for k, v in sd.items():
    if k == "lm_head.weight":
        continue  # tied: the same tensor as embed_tokens
    flat = v.flatten().double()
    idx = np.random.default_rng(zlib.crc32(k.encode())).choice(flat.numel(), 8, replace=False)
    idx = sorted(int(i) for i in idx)
    weights[k] = {"shape": list(v.shape), "sum": float(flat.sum()), "sum_sq": float((flat * flat).sum()),
                  "sample_index": idx, "sample_values": [float(flat[i]) for i in idx],
                  "sha256_f32": hashlib.sha256(v.float().numpy().tobytes()).hexdigest()}

notes = {
    "gguf_add_bos_token": False,
    "transformers_tokenizer_bos_prepended": hf_tok("x")["input_ids"][:1] == [hf_tok.bos_token_id],
    "transformers_eos_token": hf_tok.eos_token, "transformers_eos_token_id": hf_tok.eos_token_id,
    "gguf_eos_token_id": 2, "transformers_model_config_eos_token_id": model.config.eos_token_id,
}
with open(os.path.join(OUT, "goldens.json"), "w") as f:
    json.dump({"source": {"gguf": os.path.basename(GGUF), "transformers": __import__("transformers").__version__,
                          "torch": torch.__version__},
               "notes": notes, "cases": cases, "weights": weights}, f)
print(json.dumps(notes))
print("wrote", os.path.join(OUT, "goldens.json"), os.path.getsize(os.path.join(OUT, "goldens.json")), "bytes")
