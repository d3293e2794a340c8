"""Offline lm-eval 0.4.8 tasks over /work/shared/data (eval-spec §6 "Running lm-eval offline").

Each raw file is converted to the Hugging Face schema (eval-spec §2) as JSON lines in a temporary
directory, then lm-eval's own task YAML is loaded with lm-eval's loader (so `include` and
`!function` resolve), pointed at the local files through the packaged `json` builder, renamed
`sftgo_<task>` (in 0.4.8 a stock task name wins over a local one) and built as a ConfigurableTask.
Shared by lm_eval_goldens.py and lm_eval_timing.py. Reference tooling only, never in the product.

IFEval's modules download nltk's punkt_tab at import time, which fails offline: NLTK_DATA is pointed
at the punkt_tab/english tables sftgo ships (Sources/Evaluation/IFEvalData) before lm-eval loads.
"""
import csv
import json
import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_NLTK_DIR = tempfile.mkdtemp(prefix="sftgo-nltk-")
os.makedirs(os.path.join(_NLTK_DIR, "tokenizers"))
os.symlink(os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources",
                                        "Evaluation", "IFEvalData", "punkt_tab")),
           os.path.join(_NLTK_DIR, "tokenizers", "punkt_tab"))
os.environ["NLTK_DATA"] = _NLTK_DIR + os.pathsep + os.environ.get("NLTK_DATA", "")

import lm_eval  # noqa: E402
from lm_eval.api.task import ConfigurableTask  # noqa: E402
from lm_eval.utils import load_yaml_config  # noqa: E402

TASKS_DIR = os.path.join(os.path.dirname(lm_eval.__file__), "tasks")
DATA = os.environ.get("SFTGO_DATA_DIR", "/work/shared/data")

MMLU_SUBJECTS = sorted(
    f[: -len("_test.csv")] for f in os.listdir(os.path.join(DATA, "mmlu/data/test"))
    if f.endswith("_test.csv"))


def _write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _mmlu_rows(subject, split):
    path = os.path.join(DATA, f"mmlu/data/{split}/{subject}_{split}.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return [{"question": r[0], "subject": subject, "choices": r[1:5],
                 "answer": "ABCD".index(r[5])} for r in csv.reader(f)]


def _arc_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append({"id": d["id"], "question": d["question"]["stem"],
                         "choices": {"text": [c["text"] for c in d["question"]["choices"]],
                                     "label": [c["label"] for c in d["question"]["choices"]]},
                         "answerKey": d["answerKey"]})
    return rows


def _obqa_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append({"id": d["id"], "question_stem": d["question"]["stem"],
                         "choices": {"text": [c["text"] for c in d["question"]["choices"]],
                                     "label": [c["label"] for c in d["question"]["choices"]]},
                         "answerKey": d["answerKey"]})
    return rows


def _hellaswag_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append({"ind": d["ind"], "activity_label": d["activity_label"],
                         "ctx_a": d["ctx_a"], "ctx_b": d.get("ctx_b") or "", "ctx": d["ctx"],
                         "endings": d["endings"], "source_id": d["source_id"],
                         "split": d["split"], "split_type": d["split_type"],
                         "label": str(d["label"])})
    return rows


def _truthfulqa_mc_rows(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return [{"question": d["question"],
             "mc1_targets": {"choices": list(d["mc1_targets"].keys()),
                             "labels": list(d["mc1_targets"].values())},
             "mc2_targets": {"choices": list(d["mc2_targets"].keys()),
                             "labels": list(d["mc2_targets"].values())}} for d in data]


def _truthfulqa_gen_rows(path):
    # HF truthful_qa "generation": utf-8-sig CSV, rows without references skipped, ';'-split lists.
    def split(cell):
        return [x.strip() for x in cell.strip().split(";")]
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [{"type": r["Type"], "category": r["Category"], "question": r["Question"],
                 "best_answer": r["Best Answer"], "correct_answers": split(r["Correct Answers"]),
                 "incorrect_answers": split(r["Incorrect Answers"]), "source": r["Source"]}
                for r in csv.DictReader(f) if r["Correct Answers"] and r["Incorrect Answers"]]


def _ifeval_rows(path):
    # google/IFEval stores kwargs as structs with every key (absent ones null); lm-eval drops falsy
    # values. Filling the nulls keeps the JSON builder's inferred schema the same in every block.
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    keys = sorted({k for r in rows for kw in r["kwargs"] for k in kw})
    for r in rows:
        r["kwargs"] = [{k: kw.get(k) for k in keys} for kw in r["kwargs"]]
    return rows


class LocalTasks:
    """Converted data in a temp dir and factories for renamed ConfigurableTasks."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="sftgo-lmeval-")
        self.dir = self._tmp.name
        self._files = {}

    def _file(self, key, rows_fn):
        if key not in self._files:
            path = os.path.join(self.dir, key.replace("/", "_") + ".jsonl")
            _write_jsonl(path, rows_fn())
            self._files[key] = path
        return self._files[key]

    def _task(self, yaml_rel, name, data_files, num_fewshot=None, extra=None):
        cfg = load_yaml_config(os.path.join(TASKS_DIR, yaml_rel), mode="full")
        cfg["task"] = name
        cfg.pop("tag", None)
        cfg.pop("group", None)
        cfg.pop("task_alias", None)
        cfg["dataset_path"] = "json"
        cfg["dataset_name"] = None
        cfg["dataset_kwargs"] = {"data_files": data_files}
        for key in ("training_split", "validation_split", "test_split", "fewshot_split"):
            if cfg.get(key) is not None and cfg[key] not in data_files:
                cfg[key] = None
        if num_fewshot is not None:
            cfg["num_fewshot"] = num_fewshot
        cfg.update(extra or {})
        return ConfigurableTask(config=cfg)

    def mmlu(self, subject, num_fewshot):
        test = self._file(f"mmlu_{subject}_test", lambda: _mmlu_rows(subject, "test"))
        dev = self._file(f"mmlu_{subject}_dev", lambda: _mmlu_rows(subject, "dev"))
        return self._task(f"mmlu/default/mmlu_{subject}.yaml",
                          f"sftgo_mmlu_{subject}_{num_fewshot}shot",
                          {"test": test, "dev": dev}, num_fewshot=num_fewshot)

    def arc_challenge(self):
        f = self._file("arc_challenge", lambda: _arc_rows(
            os.path.join(DATA, "arc_challenge/ARC-Challenge-Test.jsonl")))
        return self._task("arc/arc_challenge.yaml", "sftgo_arc_challenge", {"test": f}, 0)

    def openbookqa(self, with_train=False):
        """0-shot on test; `with_train` adds the train split, lm-eval's few-shot source, and leaves
        num_fewshot unset so that simple_evaluate's --num_fewshot applies."""
        main = os.path.join(DATA, "openbookqa/OpenBookQA-V1-Sep2018/Data/Main")
        f = self._file("openbookqa", lambda: _obqa_rows(os.path.join(main, "test.jsonl")))
        if not with_train:
            return self._task("openbookqa/openbookqa.yaml", "sftgo_openbookqa", {"test": f}, 0)
        t = self._file("openbookqa_train", lambda: _obqa_rows(os.path.join(main, "train.jsonl")))
        return self._task("openbookqa/openbookqa.yaml", "sftgo_openbookqa_fs", {"test": f, "train": t})

    def openbookqa_from(self, path, name, extra=None):
        """lm-eval's openbookqa over one raw jsonl file as its test split (few-shot tests)."""
        f = self._file(name, lambda: _obqa_rows(path))
        return self._task("openbookqa/openbookqa.yaml", name, {"test": f}, extra=extra)

    def hellaswag(self):
        f = self._file("hellaswag", lambda: _hellaswag_rows(
            os.path.join(DATA, "hellaswag/hellaswag_val.jsonl")))
        return self._task("hellaswag/hellaswag.yaml", "sftgo_hellaswag", {"validation": f}, 0)

    def mathqa(self):
        def rows():
            with open(os.path.join(DATA, "mathqa/test.json"), encoding="utf-8") as fh:
                return json.load(fh)
        f = self._file("mathqa", rows)
        return self._task("mathqa/mathqa.yaml", "sftgo_mathqa", {"test": f}, 0)

    def truthfulqa(self, which):
        f = self._file("truthfulqa_mc", lambda: _truthfulqa_mc_rows(
            os.path.join(DATA, "truthfulqa/v0/mc_task.json")))
        return self._task(f"truthfulqa/truthfulqa_{which}.yaml", f"sftgo_truthfulqa_{which}",
                          {"validation": f}, 0)

    def truthfulqa_gen(self):
        f = self._file("truthfulqa_gen", lambda: _truthfulqa_gen_rows(
            os.path.join(DATA, "truthfulqa/v0/TruthfulQA.csv")))
        return self._task("truthfulqa/truthfulqa_gen.yaml", "sftgo_truthfulqa_gen", {"validation": f}, 0)

    def ifeval(self):
        f = self._file("ifeval", lambda: _ifeval_rows(os.path.join(DATA, "ifeval/input_data.jsonl")))
        return self._task("ifeval/ifeval.yaml", "sftgo_ifeval", {"train": f}, 0)
