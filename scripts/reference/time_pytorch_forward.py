"""PyTorch f32 side of the forward speed comparison (not part of CI).

/work/venv-ref/bin/python scripts/reference/time_pytorch_forward.py --model DIR [--threads 2]
Times LlamaForCausalLM forward (all logits) on a 2×512 batch of random ids, median of --repeats,
the same measurement `sftgo-bench micro --model DIR` makes.
"""
import argparse, statistics, time
import torch
from transformers import AutoModelForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("--model", required=True)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=2)
ap.add_argument("--length", type=int, default=512)
ap.add_argument("--repeats", type=int, default=3)
a = ap.parse_args()
torch.set_num_threads(a.threads)
model = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype=torch.float32).eval()
ids = torch.randint(0, model.config.vocab_size, (a.batch, a.length), generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    model(ids[:, :64])
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        model(ids)
        times.append(time.perf_counter() - t0)
t = statistics.median(times)
print(f"pytorch {torch.__version__} threads={a.threads} attn={model.config._attn_implementation}: forward {a.batch}x{a.length} "
      f"{t:.3f} s median of {a.repeats} -> {a.batch * a.length / t:.1f} tokens/s")
