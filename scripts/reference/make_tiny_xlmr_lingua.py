"""A tiny random XLM-RoBERTa token classifier with a small Unigram tokenizer built like XLM-R's,
for the Swift LLMLingua-2 XLM-R path (llmlingua2_goldens.py then computes its word probabilities).

Run: /work/venv-unigram/bin/python scripts/reference/make_tiny_xlmr_lingua.py   (torch 2.13.0 CPU,
transformers 4.51.3, tokenizers 0.21.4; needs XLM-R's tokenizer.json from `make xlmr-tokenizer`)
Writes Tests/Fixtures/models/tiny-xlmr-lingua/: tokenizer.json (Unigram of 1500 pieces trained here
on the varied corpus and LIMA, with XLM-R's own normaliser — its real Precompiled charsmap and the
` {2,}` Replace —, Metaspace, <s> $A </s>), tokenizer_config.json, config.json, model.safetensors
(hidden 32, 2 layers, 2 labels, random weights, seed 0).
"""
import json
import os
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import XLMRobertaConfig, XLMRobertaForTokenClassification

sys.path.insert(0, os.path.dirname(__file__))
import tokenizer_goldens as tg  # noqa: E402

ROOT = tg.ROOT
OUT = os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny-xlmr-lingua")
XLMR = os.environ.get("SFTGO_XLMR_TOKENIZER_DIR", os.path.join(ROOT, "models", "xlm-roberta-tokenizer"))
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def main():
    real = json.load(open(os.path.join(XLMR, "tokenizer.json"), encoding="utf-8"))
    t = Tokenizer(models.Unigram())
    t.normalizer = Tokenizer.from_str(json.dumps(real)).normalizer
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    t.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    t.train_from_iterator(tg.training_text(), trainers.UnigramTrainer(
        vocab_size=1500, special_tokens=SPECIALS, unk_token="<unk>", show_progress=False))
    t.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", t.token_to_id("<s>")), ("</s>", t.token_to_id("</s>"))])
    os.makedirs(OUT, exist_ok=True)
    t.save(os.path.join(OUT, "tokenizer.json"))
    with open(os.path.join(OUT, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "XLMRobertaTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "cls_token": "<s>", "sep_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                   "mask_token": "<mask>", "model_max_length": 512, "clean_up_tokenization_spaces": False}, f, indent=1)
    torch.manual_seed(0)
    cfg = XLMRobertaConfig(vocab_size=t.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=514, type_vocab_size=1, num_labels=2,
                           initializer_range=0.2, pad_token_id=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    XLMRobertaForTokenClassification(cfg).eval().save_pretrained(OUT, safe_serialization=True)
    print("tiny-xlmr-lingua: vocab", t.get_vocab_size(), "ids of specials", [t.token_to_id(s) for s in SPECIALS])


if __name__ == "__main__":
    main()
