"""lm-eval 0.4.8's few-shot contexts with its default (random) sampler, for the Swift FewshotSampler.

Goes through lm-eval's own CLI path, `simple_evaluate(num_fewshot=K, limit=N)` (which seeds each
task's sampler with fewshot_random_seed = 1234 and builds contexts in doc order), with a stand-in
LM that returns a constant log-likelihood: only the requests matter here, so no model is loaded.
Offline, local task YAMLs renamed as lm_eval_local_tasks.py does.

- openbookqa_3shot: OpenBookQA main, few-shot from train (lm-eval's training_split), first 10 test docs.
- obqa_first8_samesplit_{2,5}shot: the first 8 test rows (committed as obqa_test_first8.jsonl) with
  fewshot_split = test_split, so lm-eval draws K+1 and drops the evaluated doc when drawn (small
  population: sample's pool algorithm).

    HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 /work/venv-ref/bin/python scripts/reference/lm_eval_fewshot_contexts.py
writes Tests/Fixtures/evaluation/fewshot/lmeval_contexts.json.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_eval_local_tasks import LocalTasks  # noqa: E402

import lm_eval  # noqa: E402
from lm_eval.api.model import LM  # noqa: E402
from lm_eval.evaluator import simple_evaluate  # noqa: E402
from lm_eval.tasks import TaskManager  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(REPO, "Tests/Fixtures/evaluation/fewshot")


class ConstantLM(LM):
    """Scores every request -1 (not greedy); the contexts are what is read."""

    def loglikelihood(self, requests, disable_tqdm=False):
        return [(-1.0, False) for _ in requests]

    def loglikelihood_rolling(self, requests, disable_tqdm=False):
        raise NotImplementedError

    def generate_until(self, requests, disable_tqdm=False):
        raise NotImplementedError


# The tasks are passed as built objects, so lm-eval's index of its thousands of stock YAMLs is not
# needed: a TaskManager over an empty directory skips it.
_EMPTY = tempfile.mkdtemp(prefix="sftgo-no-tasks-")
TASK_MANAGER = TaskManager(include_path=_EMPTY, include_defaults=False)


def contexts(task, num_fewshot, limit):
    out = simple_evaluate(model=ConstantLM(), tasks=[task], num_fewshot=num_fewshot, limit=limit,
                          log_samples=True, bootstrap_iters=0, task_manager=TASK_MANAGER)
    assert out["config"]["fewshot_seed"] == 1234
    (name, samples), = out["samples"].items()
    docs = []
    for s in sorted(samples, key=lambda s: s["doc_id"]):
        ctxs = {a[0] for a in s["arguments"]}
        assert len(ctxs) == 1
        docs.append({"doc_id": s["doc_id"], "context": s["arguments"][0][0],
                     "continuations": [a[1] for a in s["arguments"]]})
    return docs


def main():
    local = LocalTasks()
    tiny = os.path.join(FIX, "obqa_test_first8.jsonl")
    runs = {
        "openbookqa_3shot": contexts(local.openbookqa(with_train=True), 3, 10),
    }
    for k in (2, 5):
        task = local.openbookqa_from(tiny, f"sftgo_obqa_first8_{k}", extra={"fewshot_split": "test"})
        runs[f"obqa_first8_samesplit_{k}shot"] = contexts(task, k, 8)
    golden = {"lm_eval": getattr(lm_eval, "__version__", "0.4.8"), "fewshot_random_seed": 1234,
              "runs": runs}
    path = os.path.join(FIX, "lmeval_contexts.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
    print(path, {k: len(v) for k, v in runs.items()})


if __name__ == "__main__":
    main()
