"""Request goldens over the FULL data: every document of every Evaluator I task rendered by
lm-eval 0.4.8's own task objects (offline, via lm_eval_local_tasks.py), reduced to FNV-1a-64
hashes per chunk of 100 documents so the committed file stays small.

Per document the hashed text is  context \0 cont_1 \1 cont_2 \1 ... \0 gold \2  (UTF-8), where
cont_i = target_delimiter + choice_i; a chunk hash covers its documents' texts concatenated.
Tests/EvaluationTests/RequestGoldenHashTests.swift recomputes the same from the Swift evaluator.

Usage: /work/venv-ref/bin/python scripts/reference/lm_eval_request_goldens.py [out.json]
Reference tooling only, never in the product.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lm_eval_local_tasks import LocalTasks, MMLU_SUBJECTS  # noqa: E402

CHUNK = 100
MASK = (1 << 64) - 1


def fnv1a(data, h=0xcbf29ce484222325):
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & MASK
    return h


def doc_text(task, doc, shots):
    ctx = task.fewshot_context(doc, shots)
    choices = task.doc_to_choice(doc)
    gold = task.doc_to_target(doc)
    if isinstance(gold, str):
        gold = choices.index(gold) if gold in choices else -100
    elif gold >= len(choices):
        gold = -100
    conts = [task.config.target_delimiter + c for c in choices]
    return ctx + "\0" + "\1".join(conts) + "\0" + str(gold) + "\2"


def task_hashes(task, shots):
    docs = list(task.test_docs() if task.has_test_docs() else task.validation_docs())
    chunks = []
    for start in range(0, len(docs), CHUNK):
        h = 0xcbf29ce484222325
        for d in docs[start:start + CHUNK]:
            h = fnv1a(doc_text(task, d, shots).encode("utf-8"), h)
        chunks.append(f"{h:016x}")
    return {"docs": len(docs), "num_fewshot": shots, "chunks": chunks}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/evaluation/tasks/request_goldens.json"
    lt = LocalTasks()
    res = {}
    for shots in (0, 5):
        for s in MMLU_SUBJECTS:
            res[f"mmlu_{s}@{shots}"] = task_hashes(lt.mmlu(s, shots), shots)
            print(s, shots, flush=True)
    res["arc_challenge@0"] = task_hashes(lt.arc_challenge(), 0)
    res["openbookqa@0"] = task_hashes(lt.openbookqa(), 0)
    res["mathqa@0"] = task_hashes(lt.mathqa(), 0)
    res["hellaswag@0"] = task_hashes(lt.hellaswag(), 0)
    res["truthfulqa_mc1@0"] = task_hashes(lt.truthfulqa("mc1"), 0)
    res["truthfulqa_mc2@0"] = task_hashes(lt.truthfulqa("mc2"), 0)
    with open(out, "w") as f:
        json.dump({"generator": "lm-eval 0.4.8 via scripts/reference/lm_eval_request_goldens.py",
                   "hash": "fnv1a64 per chunk of 100 docs", "tasks": res}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
