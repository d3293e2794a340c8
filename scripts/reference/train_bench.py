"""PyTorch f32 side of the training speed comparison with `sftgo-bench train --json` (not part of CI).

/work/venv-grad/bin/python scripts/reference/train_bench.py --model models/SmolLM2-135M-Instruct [--threads 2]
The same measurement as `sftgo-bench train --model DIR --batch 2 --length 512 --steps 3`: random ids
(every position a loss token, mean CE), one warm-up step, then the median of --steps timed steps of
forward + backward; the AdamW step (torch.optim.AdamW over all parameters, the default single-tensor
path on CPU) is timed separately, since sftgo-bench train does not time its optimiser. Prints one JSON
object: train_tokens_per_s (forward + backward, the figure beside sftgo's), with_adamw_tokens_per_s,
forward_s, step_s, adamw_s, peak_rss_mib, load average before and after, torch version, threads and the
attention implementation (transformers' default, sdpa).
"""
import argparse, json, os, resource, statistics, time

import torch
import transformers
from transformers import AutoModelForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("--model", required=True)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=2)
ap.add_argument("--length", type=int, default=512)
ap.add_argument("--steps", type=int, default=3)
a = ap.parse_args()
torch.set_num_threads(a.threads)
load_before = os.getloadavg()
model = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype=torch.float32)
model.train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
g = torch.Generator().manual_seed(4321)
ids = torch.randint(0, model.config.vocab_size, (a.batch, a.length + 1), generator=g)
inputs, targets = ids[:, :-1], ids[:, 1:]

fwd, total, adam = [], [], []
for step in range(a.steps + 1):
    opt.zero_grad(set_to_none=False)
    t0 = time.perf_counter()
    logits = model(input_ids=inputs).logits
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    opt.step()
    t3 = time.perf_counter()
    if step > 0:
        fwd.append(t1 - t0); total.append(t2 - t0); adam.append(t3 - t2)
t, tf, ta = statistics.median(total), statistics.median(fwd), statistics.median(adam)
tokens = a.batch * a.length
print(json.dumps({
    "model": a.model, "batch": a.batch, "length": a.length, "threads": a.threads, "steps": a.steps,
    "torch": torch.__version__, "transformers": transformers.__version__,
    "attn_implementation": model.config._attn_implementation,
    "train_tokens_per_s": tokens / t, "with_adamw_tokens_per_s": tokens / (t + ta),
    "forward_s": tf, "step_s": t, "adamw_s": ta, "mean_loss": float(loss.detach()),
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
}, sort_keys=True))
