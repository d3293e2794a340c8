"""A bert-base-sized token classifier with random weights, for timing LLMLingua-2 mask building
(the real llmlingua-2-bert-base-multilingual-cased-meetingbank has this shape: 12 layers, hidden
768, 12 heads, intermediate 3072, 2 labels; only its vocabulary is larger, which costs a lookup).

Run: /work/venv-unigram/bin/python scripts/reference/make_base_classifier.py [OUT]
Writes OUT (default models/bert-base-random-tokcls, not committed: 420 MB) with config.json and
model.safetensors (seed 0) and all-MiniLM-L6-v2's WordPiece tokenizer (`make minilm`).
"""
import os
import shutil
import sys

import torch
from transformers import BertConfig, BertForTokenClassification

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MINILM = os.environ.get("SFTGO_MINILM_DIR", os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "models", "bert-base-random-tokcls")
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                     intermediate_size=3072, max_position_embeddings=512, type_vocab_size=2, num_labels=2)
    BertForTokenClassification(cfg).eval().save_pretrained(out, safe_serialization=True)
    for f in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(os.path.join(MINILM, f), os.path.join(out, f))
    print("wrote", out)


if __name__ == "__main__":
    main()
