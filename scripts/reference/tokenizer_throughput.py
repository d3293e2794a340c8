"""Reference encode throughput of HF `tokenizers` on the LIMA texts (single thread), for comparison
with TokenizerThroughputTests. Run: RAYON_NUM_THREADS=1 /work/venv-ref/bin/python scripts/reference/tokenizer_throughput.py"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import tokenizer_corpus as corpus  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "models", "smollm2-transformers")
texts = corpus.source_texts(os.path.join(ROOT, "..", "shared", "data"), "lima/lima_llamafactory_converted.json", "json")
nbytes = sum(len(t.encode()) for t in texts)
tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
for label in ("cold", "warm"):
    t0 = time.thread_time()
    n = sum(len(tok.encode(t, add_special_tokens=False).ids) for t in texts)
    dt = time.thread_time() - t0
    print(f"tokenizers {label}: {len(texts)} texts {nbytes/1e6:.2f} MB {n} tokens {nbytes/1e6/dt:.2f} MB/s")
