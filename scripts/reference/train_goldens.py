"""Gradient goldens for the training engine, made with transformers' LlamaForCausalLM in float64.

Run: /work/.venv-ref/bin/python scripts/reference/train_goldens.py   (torch 2.13 CPU, transformers 4.51.3; seconds)
For tiny-gqa-tied (GQA, tied head), tiny-llama3-rope (llama3 RoPE, 4 query heads on 1 KV head, untied)
and tiny-bf16 (bf16 storage, tied) writes into Tests/Fixtures/models/<name>/:
  train_golden.json: sequences (tokens, targets; target -1 = no loss; targets[t] is predicted from
    position t), weights (one per loss token, in sequence-then-position order), losses (per loss token,
    -log softmax(logits[t])[targets[t]]), loss = sum(weights * losses).
  train_golden.safetensors: float64 d loss / d parameter under Hugging Face names (a tied head's
    gradient is the embedding's: one tensor).
Each sequence runs alone (batch of 1, no padding): exactly what packing with restarted positions means.
"""
import json, os
import torch
from safetensors.torch import save_file
from transformers import LlamaForCausalLM

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "models")
NAMES = ["tiny-gqa-tied", "tiny-llama3-rope", "tiny-bf16"]
LENGTHS = [13, 9]


def main():
    for i, name in enumerate(NAMES):
        folder = os.path.join(ROOT, name)
        model = LlamaForCausalLM.from_pretrained(folder, torch_dtype=torch.float64, attn_implementation="eager")
        model.train(False)
        vocab = model.config.vocab_size
        g = torch.Generator().manual_seed(500 + i)
        seqs = []
        for s, n in enumerate(LENGTHS):
            tokens = torch.randint(0, vocab, (n,), generator=g).tolist()
            targets = [tokens[t + 1] if t + 1 < n else -1 for t in range(n)]
            for t in range(min(2 + s, n)):
                targets[t] = -1          # prompt positions carry no loss
            if s == 1:
                targets[n - 1] = int(torch.randint(0, vocab, (1,), generator=g))
            seqs.append({"tokens": tokens, "targets": targets})
        n_loss = sum(sum(1 for t in s["targets"] if t >= 0) for s in seqs)
        weights = (0.05 + 0.1 * torch.rand(n_loss, generator=g, dtype=torch.float64)).tolist()
        model.zero_grad()
        losses, total, k = [], torch.zeros((), dtype=torch.float64), 0
        for s in seqs:
            logits = model(torch.tensor([s["tokens"]])).logits[0]
            logp = torch.log_softmax(logits, dim=-1)
            for t, target in enumerate(s["targets"]):
                if target < 0:
                    continue
                ce = -logp[t, target]
                losses.append(float(ce))
                total = total + weights[k] * ce
                k += 1
        total.backward()
        grads = {}
        for pname, p in model.named_parameters():
            grads[pname] = p.grad.detach().clone().contiguous()
        if model.config.tie_word_embeddings:
            grads.pop("lm_head.weight", None)   # same tensor as the embedding
        with open(os.path.join(folder, "train_golden.json"), "w") as f:
            json.dump({"sequences": seqs, "weights": weights, "losses": losses, "loss": float(total)}, f)
        save_file(grads, os.path.join(folder, "train_golden.safetensors"))
        print(name, "loss", float(total), "tensors", len(grads))


if __name__ == "__main__":
    main()
