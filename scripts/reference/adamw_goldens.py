"""Goldens for sftgo's AdamW and cosine schedule: torch.optim.AdamW (torch 2.13 CPU, default
single-tensor path) with two parameter groups (decay / no decay), optional clip_grad_norm_, and
transformers.get_cosine_schedule_with_warmup with the Trainer's warm-up ceil(T * ratio).

Usage: /work/.venv-ref/bin/python scripts/reference/adamw_goldens.py > Tests/Fixtures/training/adamw_goldens.json
"""
import json
import math

import torch
import transformers
from transformers import get_cosine_schedule_with_warmup

torch.manual_seed(0)
n_decay, n_nodecay, steps = 7, 5, 6
lr, wd, betas, eps, max_norm = 1e-2, 0.1, (0.9, 0.999), 1e-8, 0.5
p0 = torch.randn(n_decay + n_nodecay, dtype=torch.float32)
grads = [torch.randn(n_decay + n_nodecay, dtype=torch.float32) * (1 + s) for s in range(steps)]

def run(clip):
    pd = torch.nn.Parameter(p0[:n_decay].clone())
    pn = torch.nn.Parameter(p0[n_decay:].clone())
    opt = torch.optim.AdamW([{"params": [pd], "weight_decay": wd}, {"params": [pn], "weight_decay": 0.0}],
                            lr=lr, betas=betas, eps=eps)
    sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=math.ceil(steps * 0.3), num_training_steps=steps)
    out, lrs, norms = [], [], []
    for s in range(steps):
        pd.grad = grads[s][:n_decay].clone()
        pn.grad = grads[s][n_decay:].clone()
        if clip:
            norms.append(float(torch.nn.utils.clip_grad_norm_([pd, pn], max_norm)))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        out.append(torch.cat([pd.detach(), pn.detach()]).tolist())
    return out, lrs, norms

params, lrs, _ = run(False)
params_clip, _, norms = run(True)

# The schedule alone over a longer run with a fractional warm-up ratio.
T, ratio = 50, 0.03
opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=2e-5)
sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=math.ceil(T * ratio), num_training_steps=T)
cos_lrs = []
for _ in range(T):
    cos_lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()

json.dump({
    "torch": torch.__version__, "transformers": transformers.__version__,
    "n_decay": n_decay, "lr": lr, "weight_decay": wd, "betas": list(betas), "eps": eps, "max_norm": max_norm,
    "warmup_ratio": 0.3, "steps": steps,
    "p0": p0.tolist(), "grads": [g.tolist() for g in grads],
    "params": params, "lrs": lrs, "params_clipped": params_clip, "grad_norms": norms,
    "cosine": {"total_steps": T, "warmup_ratio": ratio, "peak": 2e-5, "lrs": cos_lrs},
}, __import__("sys").stdout)
