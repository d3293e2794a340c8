"""Tiny random BERT / XLM-RoBERTa token classifiers and their logits from transformers, plus
all-MiniLM-L6-v2 encoder outputs, for the Swift encoder tests.

Run: /work/.venv-ref/bin/python scripts/reference/make_tiny_encoders.py   (torch 2.13.0 CPU,
transformers 4.51.3, tokenizers 0.21.4; run wordpiece_goldens.py first for the mini tokenizer)
Writes Tests/Fixtures/models/tiny-bert-tokcls/ and tiny-xlmr-tokcls/ (config.json,
model.safetensors, goldens.json: input ids and logits, Float32 from an eval-mode forward) and
Tests/Fixtures/models/minilm-goldens.json (ids and last_hidden_state of a few texts) when
all-MiniLM-L6-v2 is at models/all-MiniLM-L6-v2 (`make minilm`) or SFTGO_MINILM_DIR.
"""
import json
import os
import shutil

import torch
from tokenizers import Tokenizer
from transformers import AutoModel, BertConfig, BertForTokenClassification, XLMRobertaConfig, \
    XLMRobertaForTokenClassification

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "models")
TOK = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers", "bert-uncased-mini")
MINILM = os.environ.get("SFTGO_MINILM_DIR", os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
LIMA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "lima", "lima_llamafactory_converted.json"))

TEXTS = ["Hello, world! Café au lait costs $3.50.", "The quick brown fox jumps over the lazy dog.\nSecond line.",
         "LLMLingua-2 keeps words; 东京 is a city.", "a"]


def texts():
    out = list(TEXTS)
    if os.path.isfile(LIMA):
        with open(LIMA, encoding="utf-8") as f:
            data = json.load(f)
        out += [data[i]["output"][:300] for i in (0, 7)]
    return out


def make(name, model, ids_list):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    model.eval()
    model.save_pretrained(d, safe_serialization=True)
    rows = []
    with torch.no_grad():
        for ids in ids_list:
            out = model(input_ids=torch.tensor([ids])).logits[0]
            rows.append({"ids": ids, "logits": [float(v) for v in out.reshape(-1)]})
        # A right-padded batch with an attention mask gives each sequence's own logits.
        n = max(len(x) for x in ids_list)
        pad = model.config.pad_token_id
        batch = torch.tensor([x + [pad] * (n - len(x)) for x in ids_list])
        mask = torch.tensor([[1] * len(x) + [0] * (n - len(x)) for x in ids_list])
        padded = model(input_ids=batch, attention_mask=mask).logits
    worst = max(float((padded[i, :len(x)] - torch.tensor(r["logits"]).reshape(len(x), -1)).abs().max())
                for i, (x, r) in enumerate(zip(ids_list, rows)))
    with open(os.path.join(d, "goldens.json"), "w") as f:
        json.dump({"rows": rows, "padded_batch_max_diff": worst}, f)
    print(name, "padded vs single max diff", worst)


def main():
    torch.manual_seed(0)
    tok = Tokenizer.from_file(os.path.join(TOK, "tokenizer.json"))
    v = tok.get_vocab_size()
    ids_list = [e.ids[:60] for e in tok.encode_batch(texts(), add_special_tokens=True)]
    bc = BertConfig(vocab_size=v, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                    max_position_embeddings=512, type_vocab_size=2, num_labels=2, initializer_range=0.2,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    make("tiny-bert-tokcls", BertForTokenClassification(bc), ids_list)
    shutil.copy(os.path.join(TOK, "tokenizer.json"), os.path.join(OUT, "tiny-bert-tokcls", "tokenizer.json"))
    shutil.copy(os.path.join(TOK, "tokenizer_config.json"), os.path.join(OUT, "tiny-bert-tokcls", "tokenizer_config.json"))
    xc = XLMRobertaConfig(vocab_size=v, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                          max_position_embeddings=66, type_vocab_size=1, num_labels=2, initializer_range=0.2,
                          pad_token_id=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    # ids avoid the padding id inside sequences (RoBERTa positions skip padding tokens).
    make("tiny-xlmr-tokcls", XLMRobertaForTokenClassification(xc), [[i if i != 1 else 5 for i in x] for x in ids_list])
    if os.path.isfile(os.path.join(MINILM, "model.safetensors")):
        m = AutoModel.from_pretrained(MINILM).eval()
        t = Tokenizer.from_file(os.path.join(MINILM, "tokenizer.json"))
        t.no_truncation()
        t.no_padding()
        rows = []
        with torch.no_grad():
            for s in TEXTS[:3]:
                ids = t.encode(s).ids
                h = m(input_ids=torch.tensor([ids])).last_hidden_state[0]
                rows.append({"text": s, "ids": ids, "hidden": [round(float(x), 7) for x in h.reshape(-1)]})
        with open(os.path.join(OUT, "minilm-goldens.json"), "w") as f:
            json.dump({"rows": rows}, f)
        print("minilm goldens", [len(r["ids"]) for r in rows])


if __name__ == "__main__":
    main()
