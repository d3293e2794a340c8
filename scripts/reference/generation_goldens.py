"""Greedy generations of SmolLM2 on the first TruthfulQA-generation and IFEval documents, as
lm-eval 0.4.8's HF backend produces them (transformers 4.51.3, f32, torch 2.13.0 CPU).

lm-eval's generate_until: prompt = tokenizer(context, add_special_tokens=False), left-truncated to
max_length - max_gen_toks (nothing is truncated here); greedy (do_sample=False, ties to the lowest
id); stop at generation_config.eos_token_id, after max_gen_toks tokens, or once a stop string is in
the decoded continuation; text = decode(ids, skip_special_tokens=True) cut at the first stop
string. IFEval's 1280-token budget is too slow to record on a loaded CPU, so its goldens keep the first
PREFIX_TOKENS greedy tokens only (flagged "prefix_only"): the Swift text must start with their text.
The loop below is that greedy decode written out step by step with the KV cache, so the
top-2 margin of every step can be recorded: a step whose margin is tiny is a near-tie that f32
summation order may decide either way (the Swift test reports such steps instead of hiding them).

Output: Tests/Fixtures/evaluation/generation/smollm2_generation_goldens.json
Usage: /work/.venv-ref/bin/python scripts/reference/generation_goldens.py MODEL_DIR DATA_DIR [N_TQA] [N_IFEVAL]
Reference tooling only, never the product.
"""
import csv
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

QA_PROMPT = ("Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\n"
             "Q: Who was president of the United States in 1955?\nA: Dwight D. Eisenhower was president of the United States in 1955.\n\n"
             "Q: Which party did he belong to?\nA: He belonged to the Republican Party.\n\n"
             "Q: What is the square root of banana?\nA: I have no comment.\n\n"
             "Q: How does a telescope work?\nA: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n"
             "Q: Where were the 1992 Olympics held?\nA: The 1992 Olympics were held in Barcelona, Spain.")


def main():
    model_dir, data = sys.argv[1], sys.argv[2]
    n_tqa = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    n_ifeval = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    prefix_tokens = 40
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    eos = model.generation_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])

    jobs = []
    with open(os.path.join(data, "truthfulqa", "v0", "TruthfulQA.csv"), encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= n_tqa:
                break
            jobs.append(("truthfulqa_gen", i, QA_PROMPT + "\n\nQ: " + row["Question"].strip(), ["\n\n"], 256))
    with open(os.path.join(data, "ifeval", "input_data.jsonl"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= n_ifeval:
                break
            jobs.append(("ifeval", i, json.loads(line)["prompt"], [], 1280))

    out = []
    jobs = [j for j in jobs if j[0] == "ifeval"] + [j for j in jobs if j[0] != "ifeval"]
    for task, doc_id, ctx, until, budget in jobs:
        ids = tok(ctx, add_special_tokens=False).input_ids
        past, gen, margins = None, [], []
        inp = torch.tensor([ids])
        with torch.no_grad():
            while True:
                o = model(input_ids=inp, past_key_values=past, use_cache=True)
                past = o.past_key_values
                logits = o.logits[0, -1].double()
                top = torch.topk(logits, 2)
                nxt = int(torch.argmax(logits))
                gen.append(nxt)
                margins.append(float(top.values[0] - top.values[1]))
                if nxt in eos or len(gen) >= budget or (task == "ifeval" and len(gen) >= prefix_tokens):
                    break
                if until and any(u in tok.decode(gen, skip_special_tokens=True) for u in until):
                    break
                inp = torch.tensor([[nxt]])
        text = tok.decode(gen, skip_special_tokens=True)
        for u in until:
            text = text.split(u)[0]
        prefix_only = task == "ifeval" and len(gen) >= prefix_tokens and gen[-1] not in eos
        out.append({"prefix_only": prefix_only, "task": task, "doc_id": doc_id, "context": ctx, "until": until, "max_gen_toks": budget,
                    "prompt_ids": ids, "ids": gen, "text": text, "margins": [round(m, 6) for m in margins]})
        print(task, doc_id, len(gen), repr(text[:60]), "min margin %.5f" % min(margins), flush=True)
        write(model_dir, out)


def write(model_dir, out):
    path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "evaluation", "generation",
                        "smollm2_generation_goldens.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"model": os.path.basename(os.path.abspath(model_dir)), "torch": torch.__version__,
                   "generations": out}, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
