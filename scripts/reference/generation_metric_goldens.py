"""BLEU and ROUGE goldens for TruthfulQA generation, from sacrebleu and rouge_score themselves.

lm-eval 0.4.8's tasks/truthfulqa/utils.py scores a completion against every reference with
  sacrebleu.corpus_bleu([pred], [[ref]], smooth_method="exp", smooth_value=0.0, force=False,
                        lowercase=False, tokenize="intl", use_effective_order=False).score
and rouge_score.RougeScorer(["rouge1", "rouge2", "rougeLsum"]) on `s.replace(" . ", ".\n")` of both
sides (BootstrapAggregator over one sample, mid.fmeasure * 100), then takes nanmax over the correct
and the incorrect references for *_max, *_diff, *_acc. When lm_eval is importable its own `bleu`,
`rouge` and `process_results_gen` are used; otherwise the library calls above (the same calls).

Completions are built from the real TruthfulQA answers (shared data v0 CSV, read as the Hugging Face
builder does, preprocessed as lm-eval's `preprocess_function`) and LIMA responses, transformed
deterministically (random.Random(0)): answers with "\nA: " prefixes, casing, punctuation, word
drops and shuffles, " . " joins, numbers and symbols, non-ASCII text, empty and short strings.

Output (Tests/Fixtures/evaluation/generation/truthfulqa_metric_goldens.json):
  texts: every distinct string; docs: [{t: [text ids of correct refs], f: [incorrect], c: completion id,
  bleu/rouge1/rouge2/rougeL: per-reference scores (t then f), m: the 12 metrics in lm-eval's order}].

Usage: /work/.venv-ref/bin/python scripts/reference/generation_metric_goldens.py DATA_DIR [out.json]
(venv: pip install sacrebleu==2.5.1 rouge_score==0.1.2). Reference tooling only, never the product.
"""
import csv
import json
import os
import random
import sys

import sacrebleu
from rouge_score import rouge_scorer, scoring

try:
    from lm_eval.tasks.truthfulqa import utils as lm_utils  # noqa: F401
except Exception:  # lm_eval not installed: the same library calls
    lm_utils = None

METRICS = ["bleu_max", "bleu_acc", "bleu_diff", "rouge1_max", "rouge1_acc", "rouge1_diff",
           "rouge2_max", "rouge2_acc", "rouge2_diff", "rougeL_max", "rougeL_acc", "rougeL_diff"]


def bleu(ref, pred):
    if lm_utils:
        return lm_utils.bleu([[ref]], [pred])
    return sacrebleu.corpus_bleu([pred], [[ref]], smooth_method="exp", smooth_value=0.0, force=False,
                                 lowercase=False, tokenize="intl", use_effective_order=False).score


SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"])


def rouge_bootstrap(ref, pred):
    """lm-eval's rouge(): a BootstrapAggregator over the one sample (1000 resamples, ~0.3 s)."""
    if lm_utils:
        return lm_utils.rouge([ref], [pred])
    agg = scoring.BootstrapAggregator()
    agg.add_scores(SCORER.score(ref.replace(" . ", ".\n"), pred.replace(" . ", ".\n")))
    r = agg.aggregate()
    return {k: r[k].mid.fmeasure * 100 for k in ["rouge1", "rouge2", "rougeLsum"]}


BOOTSTRAP_CHECKS = [0]


def rouge(ref, pred):
    """The same value without the bootstrap: resampling one sample always gives that sample, so
    mid.fmeasure is the score itself. Checked equal (==) against rouge_bootstrap on the first pairs."""
    s = SCORER.score(ref.replace(" . ", ".\n"), pred.replace(" . ", ".\n"))
    out = {k: s[k].fmeasure * 100 for k in ["rouge1", "rouge2", "rougeLsum"]}
    if BOOTSTRAP_CHECKS[0] < 150:
        BOOTSTRAP_CHECKS[0] += 1
        assert rouge_bootstrap(ref, pred) == out, (ref, pred)
    return out


def load_docs(data):
    path = os.path.join(data, "truthfulqa", "v0", "TruthfulQA.csv")
    docs = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            split = lambda s: [a.strip() for a in s.strip().split(";")]  # noqa: E731
            docs.append({"question": row["Question"], "correct_answers": split(row["Correct Answers"]),
                         "incorrect_answers": split(row["Incorrect Answers"])})
    out = []
    for d in docs:
        def fmt(answers):
            res = []
            for a in answers:
                a = a.strip()
                if len(a):
                    res.append(a if a[-1] == "." else a + ".")
            return res
        c, i = fmt(d["correct_answers"]), fmt(d["incorrect_answers"])
        if "I have no comment." not in c:
            c.append("I have no comment.")
        out.append((c, i))
    return out


def lima_texts(data):
    with open(os.path.join(data, "lima", "lima_llamafactory_converted.json"), encoding="utf-8") as f:
        rows = json.load(f)
    return [r["output"] for r in rows]


EXTRA = ["", " ", "\n", "Nothing happens.", " Nothing happens.", "\nA: Nothing happens.",
         "It costs $5,000.50 in 1992.", "50% of U.S.A. don't.", "Café “naïve” — déjà vu… ½ ² ③ Ⅻ",
         "A . B . C . D", "x,y;z:(w)[v]{u}", "The 1992 Olympics were held in Barcelona, Spain.",
         "I have no comment.", "\nA: I have no comment.\n\nQ: Next?", "Über straße İstanbul ΣΑΣ",
         "e.g. i.e. etc. Mr. Smith's 3.14 vs 3,14 and 1,000,000!", "a-b_c 'q' \"d\" #1 @2 ^3 ~4 `5` |6| +7 =8 <9>"]


def transform(rng, text, lima):
    words = text.split()
    k = rng.randrange(14)
    if k == 0:
        return "\nA: " + text
    if k == 1:
        return text.lower()
    if k == 2:
        return "\nA: " + " ".join(w.strip(".,;:!?") for w in words)
    if k == 3 and len(words) > 2:
        drop = rng.randrange(len(words))
        return " ".join(words[:drop] + words[drop + 1:])
    if k == 4:
        w = words[:]
        rng.shuffle(w)
        return " ".join(w)
    if k == 5:
        return text + " . " + rng.choice(lima)[:rng.randrange(20, 200)]
    if k == 6:
        return rng.choice(lima)[:rng.randrange(1, 400)]
    if k == 7:
        return "\nA: " + text.upper()
    if k == 8:
        return " " + " ".join(words[: rng.randrange(1, 5)])
    if k == 9:
        return rng.choice(EXTRA)
    if k == 10:
        return text.replace(" ", "  ").replace(".", " . ") + "\n\n"
    if k == 11:
        return "\nA: " + text + " " + text
    if k == 12:
        s = rng.choice(lima)
        i = rng.randrange(max(1, len(s) - 300))
        return s[i:i + 300]
    return text


def main():
    data = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else "Tests/Fixtures/evaluation/generation/truthfulqa_metric_goldens.json"
    rng = random.Random(0)
    docs = load_docs(data)
    lima = lima_texts(data)
    texts, ids = [], {}

    def tid(s):
        if s not in ids:
            ids[s] = len(texts)
            texts.append(s)
        return ids[s]

    rows = []
    for n, (c, i) in enumerate(docs):
        for rep in range(2):
            base = rng.choice(c + i)
            comp = transform(rng, base, lima)
            refs = c + i
            b = [bleu(r, comp) for r in refs]
            rg = [rouge(r, comp) for r in refs]
            if lm_utils and n < 40:
                m = lm_utils.process_results_gen({"correct_answers": c, "incorrect_answers": i}, [comp])
                vals = [float(m[k]) for k in METRICS]
            else:
                import numpy as np
                vals = []
                for scores in [b, [x["rouge1"] for x in rg], [x["rouge2"] for x in rg], [x["rougeLsum"] for x in rg]]:
                    corr, inc = np.nanmax(scores[:len(c)]), np.nanmax(scores[len(c):])
                    vals += [float(corr), float(int(corr > inc)), float(corr - inc)]
            rows.append({"t": [tid(x) for x in c], "f": [tid(x) for x in i], "c": tid(comp),
                         "bleu": [float("%.12g" % x) for x in b],
                         "rouge1": [float("%.12g" % x["rouge1"]) for x in rg],
                         "rouge2": [float("%.12g" % x["rouge2"]) for x in rg],
                         "rougeL": [float("%.12g" % x["rougeLsum"]) for x in rg],
                         "m": [float("%.12g" % x) for x in vals]})
    meta = {"sacrebleu": sacrebleu.__version__, "lm_eval_utils": bool(lm_utils), "bootstrap_checked_pairs": BOOTSTRAP_CHECKS[0],
            "pairs": sum(len(r["t"]) + len(r["f"]) for r in rows), "docs": len(rows)}
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "texts": texts, "docs": rows}, f, ensure_ascii=False, separators=(",", ":"))
    print(meta)


if __name__ == "__main__":
    main()
