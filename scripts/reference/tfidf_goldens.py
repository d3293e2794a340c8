"""TF-IDF and percentile goldens for the Grouping module, made with scikit-learn and numpy.

Run: /work/.venv-ref/bin/python scripts/reference/tfidf_goldens.py [DATA_JSON] [MODEL_DIR]
(venv with scikit-learn, numpy, tokenizers; defaults: /work/main/data/lima/lima_llamafactory_converted.json
and /work/main/models/SmolLM2-135M-Instruct). Writes Tests/Fixtures/grouping/:
  percentile.json  numpy.percentile (linear) of small arrays, and the masks score >= t;
  tfidf_lima.json  documents = each LIMA example's loss tokens (response + "<|im_end|>" of every
                   turn; the ChatML text, rendered by hand with SmolLM2's default system prompt, encoded
                   once with HF `tokenizers`, as the trainer's SFTDataset does), TfidfVectorizer with
                   default settings; units "ids" (analyzer = the id list) and "words" (the default
                   analyser on the loss text, one segment per turn joined by "\n"). Stored: a sha256 of
                   all loss-token ids, IDF of selected terms, every document's score sum, and full
                   per-token scores and η = 0.9 masks of a few examples (word scores carried to tokens:
                   max over overlapping words, 0 when none).
"""
import hashlib, json, os, re, sys
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from tokenizers import Tokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "grouping")
DATA = sys.argv[1] if len(sys.argv) > 1 else "/work/main/data/lima/lima_llamafactory_converted.json"
MODEL = sys.argv[2] if len(sys.argv) > 2 else "/work/main/models/SmolLM2-135M-Instruct"
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
CHOSEN = [0, 1, 7, 100, 500, 1028]


def percentile_goldens():
    cases = [
        [3.0], [1.0, 2.0], [2.0, 2.0], [5.0, 1.0, 3.0], [1.0, 1.0, 2.0], [0.1, 0.2, 0.3, 0.4, 0.5],
        [4.0, 4.0, 4.0, 1.0, 9.0, 9.0, 2.5], [0.3, -1.25, 7.5, 7.5, 0.3, 2.0, 1e-9, 3.25, -0.5, 11.0, 0.7],
    ]
    rng = np.random.default_rng(7)
    cases.append([float(x) for x in rng.standard_normal(37)])
    cases.append([float(x) for x in rng.integers(0, 5, 23)])
    etas = [0.0, 0.1, 0.25, 0.5, 0.55, 0.7, 0.85, 0.9, 0.95, 1.0]
    out = []
    for c in cases:
        for eta in etas:
            t = float(np.percentile(np.array(c, dtype=np.float64), 100 * eta))
            out.append({"scores": c, "eta": eta, "threshold": t, "important": [int(s >= t) for s in c]})
    return out


def conversations(rows):
    for r in rows:
        turns = [tuple(h) for h in (r.get("history") or [])]
        q = r["instruction"] if not r.get("input") else r["instruction"] + "\n" + r["input"]
        turns.append((q, r["output"]))
        yield turns


def encode_example(tok, turns):
    """Loss-token ids and their char offsets (empty for special tokens) in the example text, by the
    trainer's rule (Training/ChatFormat, LossMask): the whole ChatML text is encoded once; a token
    carries loss iff its first character lies in a response or the "<|im_end|>" closing it."""
    text, targets = "<|im_start|>system\n" + SYSTEM + "<|im_end|>\n", []
    for user, assistant in turns:
        text += "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n"
        lo = len(text)
        text += assistant + "<|im_end|>"
        targets.append((lo, len(text)))
        text += "\n"
    enc = tok.encode(text, add_special_tokens=False)
    special = {t.content for t in tok.get_added_tokens_decoder().values() if t.special}
    ids, offsets = [], []
    for j, (i, (a, b)) in enumerate(zip(enc.ids, enc.offsets)):
        if j > 0 and b > a and any(lo <= a < hi for lo, hi in targets):
            ids.append(i)
            offsets.append((a, a) if tok.id_to_token(i) in special else (a, b))
    return text, ids, offsets


def segments(offsets):
    segs = []
    for a, b in offsets:
        if a == b:
            continue
        if segs and a <= segs[-1][1]:
            segs[-1][1] = max(segs[-1][1], b)
        else:
            segs.append([a, b])
    return segs


def main():
    os.makedirs(ROOT, exist_ok=True)
    with open(os.path.join(ROOT, "percentile.json"), "w") as f:
        json.dump(percentile_goldens(), f)

    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    rows = json.load(open(DATA))
    examples = [encode_example(tok, t) for t in conversations(rows)]
    digest = hashlib.sha256("\n".join(" ".join(map(str, ids)) for _, ids, _ in examples).encode()).hexdigest()

    result = {"data": os.path.basename(DATA), "documents": len(examples), "loss_tokens": sum(len(e[1]) for e in examples),
              "ids_sha256": digest, "chosen": CHOSEN, "units": {}}

    # Units = token ids.
    docs = [[str(i) for i in ids] for _, ids, _ in examples]
    vec = TfidfVectorizer(analyzer=lambda d: d)
    X = vec.fit_transform(docs).tocsr()
    voc = vec.vocabulary_
    idf = vec.idf_
    keep = sorted(voc, key=lambda t: (idf[voc[t]], t))[:60] + sorted(voc, key=lambda t: (-idf[voc[t]], t))[:20]
    per_doc = []
    for d, doc in enumerate(docs):
        row = X.getrow(d)
        w = dict(zip(row.indices, row.data))
        per_doc.append([float(w[voc[t]]) for t in doc])
    result["units"]["ids"] = {
        "terms": len(voc), "idf": {t: float(idf[voc[t]]) for t in keep},
        "score_sums": [float(np.sum(s)) for s in per_doc],
        "examples": {str(i): {"scores": per_doc[i],
                              "important": [int(s >= np.percentile(per_doc[i], 90.0)) for s in per_doc[i]]}
                     for i in CHOSEN}}

    # Units = scikit-learn's default word analyser on the loss text, carried to tokens.
    texts, word_spans = [], []
    for text, ids, offsets in examples:
        segs = segments(offsets)
        texts.append("\n".join(text[a:b] for a, b in segs))
        spans = []
        for a, b in segs:
            low = text[a:b].lower()
            assert len(low) == b - a, "lower() changed the length; the golden's offset map assumes it does not"
            for m in re.finditer(r"(?u)\b\w\w+\b", low):
                spans.append((m.group(), a + m.start(), a + m.end()))
        word_spans.append(spans)
    vec = TfidfVectorizer()
    X = vec.fit_transform(texts).tocsr()
    voc = vec.vocabulary_
    idf = vec.idf_
    keep = sorted(voc, key=lambda t: (idf[voc[t]], t))[:60] + sorted(voc, key=lambda t: (-idf[voc[t]], t))[:20]
    per_doc = []
    for d, (text, ids, offsets) in enumerate(examples):
        row = X.getrow(d)
        w = dict(zip(row.indices, row.data))
        # Every word the analyser found must be a column of this row (same analyser, same text).
        scores = []
        for a, b in offsets:
            s = [w[voc[t]] for t, x, y in word_spans[d] if a < b and x < b and a < y]
            scores.append(float(max(s)) if s else 0.0)
        per_doc.append(scores)
    result["units"]["words"] = {
        "terms": len(voc), "idf": {t: float(idf[voc[t]]) for t in keep},
        "score_sums": [float(np.sum(s)) for s in per_doc],
        "examples": {str(i): {"scores": per_doc[i],
                              "important": [int(s >= np.percentile(per_doc[i], 90.0)) for s in per_doc[i]]}
                     for i in CHOSEN}}
    with open(os.path.join(ROOT, "tfidf_lima.json"), "w") as f:
        json.dump(result, f)
    print("documents", len(examples), "loss tokens", result["loss_tokens"], "ids terms", result["units"]["ids"]["terms"],
          "word terms", result["units"]["words"]["terms"])


if __name__ == "__main__":
    main()
