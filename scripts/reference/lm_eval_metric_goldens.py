"""Metric and aggregation goldens from lm-eval 0.4.8 itself, with a fake model.

A fake `LM` scores every request (context, continuation) with a hash of its text (FNV-1a-64 of
UTF-8 `context + "\\x01" + continuation`, ll = -(h % 20000000) / 1e6 - 0.001, the formula of
FakeLanguageModel in Tests/EvaluationTests/TestSupport.swift). lm-eval's own `evaluate` then
computes acc, acc_norm, MC2 and their means and stderrs on the first documents of the real tasks
(offline, via lm_eval_local_tasks.py); group values come from lm-eval's aggregate_subtask_metrics
and pooled_sample_stderr over the leaf tasks, as consolidate_group_results does. Floats are
written with repr so the Swift test can compare them bit for bit.

Usage: /work/venv-ref/bin/python scripts/reference/lm_eval_metric_goldens.py [out.json]
Reference tooling only, never in the product.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_eval_local_tasks import MMLU_SUBJECTS, LocalTasks  # noqa: E402

from lm_eval.api.model import LM  # noqa: E402
from lm_eval.api.metrics import aggregate_subtask_metrics, pooled_sample_stderr  # noqa: E402
from lm_eval.evaluator import evaluate  # noqa: E402
from lm_eval.tasks import get_task_dict  # noqa: E402

MASK = (1 << 64) - 1
LIMIT = 6
MMLU_LIMIT = 3
CATEGORIES = {
    "stem": "abstract_algebra anatomy astronomy college_biology college_chemistry college_computer_science college_mathematics college_physics computer_security conceptual_physics electrical_engineering elementary_mathematics high_school_biology high_school_chemistry high_school_computer_science high_school_mathematics high_school_physics high_school_statistics machine_learning",
    "other": "business_ethics clinical_knowledge college_medicine global_facts human_aging management marketing medical_genetics miscellaneous nutrition professional_accounting professional_medicine virology",
    "social_sciences": "econometrics high_school_geography high_school_government_and_politics high_school_macroeconomics high_school_microeconomics high_school_psychology human_sexuality professional_psychology public_relations security_studies sociology us_foreign_policy",
    "humanities": "formal_logic high_school_european_history high_school_us_history high_school_world_history international_law jurisprudence logical_fallacies moral_disputes moral_scenarios philosophy prehistory professional_law world_religions",
}


def score(ctx, cont):
    h = 0xcbf29ce484222325
    for b in (ctx + "\x01" + cont).encode("utf-8"):
        h ^= b
        h = (h * 0x100000001b3) & MASK
    return -(h % 20000000) / 1000000.0 - 0.001


class HashLM(LM):
    def loglikelihood(self, requests, disable_tqdm=False):
        return [(score(*r.args), False) for r in requests]

    def loglikelihood_rolling(self, requests, disable_tqdm=False):
        raise NotImplementedError

    def generate_until(self, requests, disable_tqdm=False):
        raise NotImplementedError


def run(tasks, limit):
    out = evaluate(HashLM(), get_task_dict(tasks), limit=limit, log_samples=True, bootstrap_iters=100000,
                   verbosity="WARNING")
    res = {}
    for name, r in out["results"].items():
        key = name.replace("sftgo_", "", 1)
        m = {k: (repr(float(v)) if isinstance(v, float) else v) for k, v in r.items() if "," in k}
        m["samples"] = len(out["samples"][name])
        if key.startswith("truthfulqa_mc2"):
            m["per_doc"] = [repr(float(s["acc"])) for s in sorted(out["samples"][name], key=lambda s: s["doc_id"])]
        res[key] = m
    return res, out


def group(results, leaves, suffix):
    vals = [float(results[f"mmlu_{s}{suffix}"]["acc,none"]) for s in leaves]
    errs = [float(results[f"mmlu_{s}{suffix}"]["acc_stderr,none"]) for s in leaves]
    sizes = [results[f"mmlu_{s}{suffix}"]["samples"] for s in leaves]
    return {"acc,none": repr(aggregate_subtask_metrics(vals, sizes, True)),
            "acc_stderr,none": repr(float(pooled_sample_stderr(errs, sizes))), "samples": sum(sizes)}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/evaluation/tasks/metric_goldens.json"
    lt = LocalTasks()
    results = {}
    r, _ = run([lt.arc_challenge(), lt.openbookqa(), lt.hellaswag(), lt.mathqa(),
                lt.truthfulqa("mc1"), lt.truthfulqa("mc2")], LIMIT)
    results.update(r)
    for shots in (0, 5):
        r, _ = run([lt.mmlu(s, shots) for s in MMLU_SUBJECTS], MMLU_LIMIT)
        # LocalTasks names MMLU subtasks sftgo_mmlu_<subject>_<k>shot
        results.update(r)
        suffix = f"_{shots}shot"
        all_leaves = []
        for cat, subs in CATEGORIES.items():
            leaves = subs.split()
            all_leaves += leaves
            results[f"mmlu_{cat}{suffix}"] = group(results, leaves, suffix)
        results[f"mmlu{suffix}"] = group(results, all_leaves, suffix)
    with open(out_path, "w") as f:
        json.dump({"generator": "lm-eval 0.4.8 evaluate() with a hash-scored fake LM "
                                "(scripts/reference/lm_eval_metric_goldens.py)",
                   "limit": LIMIT, "mmlu_limit": MMLU_LIMIT, "results": results}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
