"""Independent check of `sftgo-bench grad` (issue 17's proof interface) against PyTorch + transformers.

Run (torch 2.13 CPU wheel, transformers, safetensors in a venv; after `swift build -c release --product sftgo-bench`):
  /work/venv-grad/bin/python scripts/reference/grad_check.py --model Tests/Fixtures/models/tiny-gqa-tied
  /work/venv-grad/bin/python scripts/reference/grad_check.py --model models/SmolLM2-135M-Instruct --rows 2 --length 64
  # CI goldens (Tests/Fixtures/training/grad-tiny-bf16, used by GradProofTests):
  /work/venv-grad/bin/python scripts/reference/grad_check.py --model Tests/Fixtures/models/tiny-bf16 \
      --golden Tests/Fixtures/training/grad-tiny-bf16

What it does, for one model folder:
 1. writes a batch file: B rows of random ids, right padding (rows shorter than T), a prompt of 2-5
    tokens per row (prompt_mask), loss_mask = 1 on every non-prompt, non-padding token (never column
    0), important_mask = Bernoulli(0.4) on real tokens; seeded (--seed).
 2. computes the same thing with transformers' LlamaForCausalLM (eager attention, the padded batch
    with its attention mask) in float64 (the reference) and float32 (to show PyTorch's own f32
    spread): per-token CE over the loss tokens (logits at t-1, target token t), ce_all, ce_imp,
    ce_unimp as token means, go_loss = (1-λ)·ce_all + λ·ce_k with k the group with the larger mean
    (a tie picks important, an empty group falls back to the other one — as sftgo's GroupLoss; the
    gradient flows through the chosen group only, as through torch.max's choice), its backward, then
    torch.optim.AdamW(model.parameters(), lr, weight_decay=wd) (betas 0.9/0.999, eps 1e-8; decay on
    every parameter) for 3 steps on the same batch, keeping the parameters after steps 1 and 3.
 3. runs `sftgo-bench grad` with --adamw-steps 1 and 3 and compares.

Norm: relative error = ||ours - ref||_2 / ||ref||_2 per tensor (flattened), reported as the worst
tensor; losses as |ours - ref| / |ref|. For parameters after AdamW, both the parameters themselves and
the update (p_N - p_0) are compared the same way; the update is the strict one (p_0 dominates p_N).
Target: ≤ 1e-5 against PyTorch float64.

Measured 2026-12-05 (torch 2.13.0 CPU, transformers see --version output), λ = 0.7, lr 1e-3, wd 0.01,
3 rows × 24 columns (lengths 24/16/8) on the fixtures, 2 × 64 on SmolLM2: see
scripts/reference/grad_check_results.md.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import LlamaForCausalLM

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def make_batch(vocab, rows, length, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(rows, length, dtype=torch.int64)
    att, prompt, imp, loss = (torch.zeros(rows, length, dtype=torch.int64) for _ in range(4))
    for b in range(rows):
        n = max(8, length - b * (length // 3))   # row 0 full, the others right-padded
        ids[b, :n] = torch.randint(0, vocab, (n,), generator=g)
        att[b, :n] = 1
        p = 2 + b % 4
        prompt[b, :p] = 1
        loss[b, p:n] = 1
        imp[b, :n] = (torch.rand(n, generator=g) < 0.4).long()
    return {"input_ids": ids, "attention_mask": att, "prompt_mask": prompt, "important_mask": imp, "loss_mask": loss}


def go_loss(model, batch, lam):
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    tgt = batch["input_ids"][:, 1:]
    sel = batch["loss_mask"][:, 1:].bool()
    ce = -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1)[sel]       # row-major: row, then position
    imp = batch["important_mask"][:, 1:].bool()[sel]
    ce_all = ce.mean()
    ce_imp = ce[imp].mean() if imp.any() else None
    ce_unimp = ce[~imp].mean() if (~imp).any() else None
    if ce_imp is None:
        k = ce_unimp
    elif ce_unimp is None or ce_imp >= ce_unimp:
        k = ce_imp
    else:
        k = ce_unimp
    loss = (1 - lam) * ce_all + lam * k
    f = lambda x: None if x is None else float(x.detach())
    return loss, {"ce_all": f(ce_all), "ce_imp": f(ce_imp), "ce_unimp": f(ce_unimp), "go_loss": float(loss.detach())}


def reference(model_dir, batch, lam, lr, wd, dtype, steps=3):
    model = LlamaForCausalLM.from_pretrained(model_dir, dtype=dtype, attn_implementation="eager")
    model.train(False)   # no dropout (all zero in Llama anyway)
    tied = model.config.tie_word_embeddings
    names = {id(p): n for n, p in model.named_parameters()}   # a tied head is listed once, as the embedding
    p0 = {n: p.detach().clone() for n, p in model.named_parameters()}
    loss, losses = go_loss(model, batch, lam)
    loss.backward()
    grads = {names[id(p)]: p.grad.detach().clone() for p in model.parameters()}
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    params = {}
    for s in range(1, steps + 1):
        if s > 1:
            opt.zero_grad()
            go_loss(model, batch, lam)[0].backward()
        opt.step()
        if s in (1, steps):
            params[s] = {n: p.detach().clone() for n, p in model.named_parameters()}
    assert not tied or "lm_head.weight" not in grads
    return losses, grads, p0, params


def rel(a, b):
    a, b = a.double().flatten(), b.double().flatten()
    nb = b.norm()
    return float((a - b).norm() / nb) if nb > 0 else float((a - b).norm())


def worst(ours, ref, base=None):
    """Worst per-tensor relative L2 error (and its tensor); with base, of the update x - base."""
    assert set(ours) == set(ref), (sorted(set(ours) ^ set(ref)))
    out = []
    for n in ref:
        if base is None:
            out.append((rel(ours[n], ref[n]), n))
        else:
            out.append((rel(ours[n].double() - base[n].double(), ref[n].double() - base[n].double()), n))
    return max(out)


def run_ours(bench, model_dir, batch_file, lam, lr, wd, steps, out):
    cmd = [bench, "grad", "--model", model_dir, "--batch", batch_file, "--lambda", str(lam), "--output", out,
           "--adamw-steps", str(steps), "--lr", str(lr), "--weight-decay", str(wd)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "losses.json")) as f:
        losses = json.load(f)
    return losses, load_file(os.path.join(out, "grads.safetensors")), load_file(os.path.join(out, "params.safetensors"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--bench", default=os.path.join(REPO, ".build", "release", "sftgo-bench"))
    ap.add_argument("--rows", type=int, default=3)
    ap.add_argument("--length", type=int, default=24)
    ap.add_argument("--lambda", dest="lam", type=float, default=0.7)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-f32", action="store_true", help="skip the PyTorch float32 run (large models)")
    ap.add_argument("--golden", help="also write the batch and the float64 reference here (CI goldens)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    transformers.utils.logging.disable_progress_bar()
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    batch = make_batch(cfg["vocab_size"], a.rows, a.length, a.seed)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}; {a.model}: batch {a.rows}x{a.length}, "
          f"{int(batch['loss_mask'].sum())} loss tokens, λ={a.lam}, lr={a.lr}, wd={a.wd}")
    work = tempfile.mkdtemp(prefix="grad_check_")
    try:
        batch_file = os.path.join(work, "batch.safetensors")
        save_file(batch, batch_file)
        ref = {torch.float64: reference(a.model, batch, a.lam, a.lr, a.wd, torch.float64)}
        if not a.no_f32:
            ref[torch.float32] = reference(a.model, batch, a.lam, a.lr, a.wd, torch.float32)
        l64, g64, p0, prm64 = ref[torch.float64]
        ours = {s: run_ours(a.bench, a.model, batch_file, a.lam, a.lr, a.wd, s, os.path.join(work, f"out{s}")) for s in (1, 3)}
        l_ours, g_ours, _ = ours[1]
        rows = [("sftgo f32", l_ours, g_ours, {1: ours[1][2], 3: ours[3][2]})]
        if torch.float32 in ref:
            l32, g32, _, prm32 = ref[torch.float32]
            rows.append(("torch f32", l32, g32, prm32))
            # Both AdamWs in f32: the parameters should agree to the gradients' own differences.
            print("  sftgo f32 vs torch f32: " + "; ".join(
                f"params@{s} {worst(rows[0][3][s], prm32[s])[0]:.2e} (update {worst(rows[0][3][s], prm32[s], base=p0)[0]:.2e})"
                for s in (1, 3)))
        print("  losses (f64 reference): " + ", ".join(f"{k} {l64[k]:.10g}" for k in ("ce_all", "ce_imp", "ce_unimp", "go_loss")))
        for label, l, g, p in rows:
            lw = max(abs(l[k] - l64[k]) / abs(l64[k]) for k in ("ce_all", "ce_imp", "ce_unimp", "go_loss") if l64[k] is not None)
            ge, gn = worst(g, g64)
            allg = rel(torch.cat([g[n].double().flatten() for n in g64]), torch.cat([g64[n].flatten() for n in g64]))
            line = f"  {label} vs torch f64: losses {lw:.2e}; gradient worst tensor {ge:.2e} ({gn}), all {allg:.2e}"
            for s in (1, 3):
                pe, _ = worst(p[s], prm64[s])
                ue, un = worst(p[s], prm64[s], base=p0)
                line += f"; params@{s} {pe:.2e} (update {ue:.2e}, {un})"
            print(line)
        if a.golden:
            os.makedirs(a.golden, exist_ok=True)
            shutil.copy(batch_file, os.path.join(a.golden, "batch.safetensors"))
            f32 = lambda d: {n: t.float().contiguous() for n, t in d.items()}
            save_file(f32(g64), os.path.join(a.golden, "grads.safetensors"))
            save_file(f32(prm64[1]), os.path.join(a.golden, "params_1.safetensors"))
            save_file(f32(prm64[3]), os.path.join(a.golden, "params_3.safetensors"))
            with open(os.path.join(a.golden, "golden.json"), "w") as f:
                json.dump({"model": os.path.relpath(a.model, REPO), "lambda": a.lam, "lr": a.lr, "weight_decay": a.wd,
                           "losses": l64, "torch": torch.__version__, "transformers": transformers.__version__,
                           "note": "float64 reference; tensors stored as float32"}, f, indent=1)
            for f in os.listdir(a.golden):
                os.chmod(os.path.join(a.golden, f), 0o644)   # the temp copy of the batch is 0600
            print("  goldens written to", a.golden)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
