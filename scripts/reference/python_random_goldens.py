"""Goldens for the Swift PythonRandom (CPython's random.Random, as lm-eval's few-shot sampler uses it).

For several int seeds: the first raw 32-bit outputs, getrandbits(k) for k up to 64, _randbelow,
random(), and sample(range(n), k) over sizes that take both of sample's algorithms (the pool one
when n is at most the set size, else the set one), plus one generator drawing many samples in a
row as lm-eval's ContextSampler does for successive documents.

    /work/venv-ref/bin/python scripts/reference/python_random_goldens.py
writes Tests/Fixtures/evaluation/fewshot/python_random.json. Needs CPython 3.11 (the venv's).
"""
import json
import math
import os
import random
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "Tests/Fixtures/evaluation/fewshot/python_random.json")


def setsize(k):
    s = 21
    if k > 5:
        s += 4 ** math.ceil(math.log(k * 3, 4))
    return s


def main():
    seeds = [0, 1, 42, 1234, -1234, 2**31 - 1, 2**32, 2**32 + 5, 2**63 - 1]
    cases = []
    for seed in seeds:
        r = random.Random(seed)
        raw = [r.getrandbits(32) for _ in range(8)]
        r = random.Random(seed)
        # as decimal strings: 64-bit values do not survive every JSON reader
        bits = [[k, str(r.getrandbits(k))] for k in (0, 1, 5, 17, 31, 32, 33, 48, 63, 64)]
        r = random.Random(seed)
        below = [[n, r._randbelow(n)] for n in (1, 2, 3, 5, 7, 100, 4957, 2**31 + 11, 2**40 + 3)]
        r = random.Random(seed)
        floats = [r.random() for _ in range(4)]
        cases.append({"seed": seed, "raw32": raw, "getrandbits": bits, "randbelow": below,
                      "random": [f.hex() for f in floats]})
    samples = []
    # (n, k) on both sides of the set-size threshold, and k = 0 and k = n.
    for seed in (1234, 0, 7, 99):
        for n, k in [(1, 1), (5, 0), (5, 5), (10, 3), (21, 5), (22, 5), (26, 5), (27, 6), (60, 10),
                     (86, 10), (85, 10), (500, 4), (4957, 3), (4957, 4), (4957, 26), (1000, 100),
                     (300, 120), (100, 100)]:
            r = random.Random(seed)
            picks = [r.sample(range(n), k) for _ in range(3)]  # three in a row from one generator
            samples.append({"seed": seed, "n": n, "k": k, "pool_branch": n <= setsize(k),
                            "draws": picks})
    assert any(s["pool_branch"] for s in samples) and not all(s["pool_branch"] for s in samples)
    r = random.Random(1234)
    stream = [r.sample(range(4957), 3) for _ in range(500)]  # OpenBookQA train, 3 shots, 500 docs
    golden = {"python": sys.version.split()[0], "cases": cases, "samples": samples,
              "stream": {"seed": 1234, "n": 4957, "k": 3, "draws": stream}}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
