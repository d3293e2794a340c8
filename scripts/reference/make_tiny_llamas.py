"""Tiny random Llama checkpoints + golden logits and greedy continuations, made with transformers.

Run: /work/venv-ref/bin/python scripts/reference/make_tiny_llamas.py   (no hub; CPU; a few seconds)
Writes Tests/Fixtures/models/<name>/ (HF folder) and <name>/golden.json with:
  prompts: token id lists; logits: f32 logits for every position of each prompt (rounded to 7
  significant digits); greedy: 12 greedy new ids per prompt (transformers generate, do_sample=False).
"""
import json, os, sys
import torch
from transformers import LlamaConfig, LlamaForCausalLM

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "models")

CONFIGS = {
    # name: (config kwargs, save dtype, transformers-5 style config.json)
    "tiny-gqa-tied": (dict(vocab_size=384, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                           rope_theta=10000.0, tie_word_embeddings=True), torch.float32, False),
    "tiny-mha-untied": (dict(vocab_size=320, hidden_size=48, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=3, num_key_value_heads=3, rms_norm_eps=1e-6,
                             rope_theta=500.0, tie_word_embeddings=False), torch.float32, False),
    "tiny-llama3-rope": (dict(vocab_size=512, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                              num_attention_heads=4, num_key_value_heads=1, head_dim=16, rms_norm_eps=1e-5,
                              rope_theta=50000.0, max_position_embeddings=256, tie_word_embeddings=False,
                              rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                                high_freq_factor=4.0, original_max_position_embeddings=32)),
                         torch.float32, False),
    "tiny-bf16": (dict(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=2, num_key_value_heads=1, rms_norm_eps=1e-5,
                       tie_word_embeddings=True), torch.bfloat16, False),
    "tiny-tf5-config": (dict(vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                             rope_theta=20000.0, tie_word_embeddings=False), torch.float32, True),
}


def r7(x):
    return [float(f"{v:.7g}") for v in x]


def main():
    torch.manual_seed(0)
    for i, (name, (kw, dtype, tf5)) in enumerate(CONFIGS.items()):
        torch.manual_seed(1000 + i)
        cfg = LlamaConfig(bos_token_id=1, eos_token_id=2, **kw)
        model = LlamaForCausalLM(cfg).eval()
        # Larger weights than the 0.02 default so that logits are far from uniform.
        with torch.no_grad():
            for p in model.parameters():
                if p.dim() == 2:
                    p.normal_(0, 0.15)
                else:
                    p.uniform_(0.5, 1.5)
        out = os.path.join(ROOT, name)
        os.makedirs(out, exist_ok=True)
        model = model.to(dtype)
        model.save_pretrained(out, safe_serialization=True)
        for extra in ("generation_config.json",):
            p = os.path.join(out, extra)
            if os.path.exists(p):
                os.remove(p)
        # Reference: reloaded in f32 from the folder, i.e. on the stored (possibly bf16-rounded)
        # weights; reloading also recomputes RoPE's inv_freq buffer, which .to(bf16) would round.
        model = LlamaForCausalLM.from_pretrained(out, torch_dtype=torch.float32).eval()
        if tf5:
            # transformers-5 style: rope_parameters and dtype instead of rope_theta/rope_scaling/torch_dtype.
            with open(os.path.join(out, "config.json")) as f:
                c = json.load(f)
            c["rope_parameters"] = {"rope_type": "default", "rope_theta": c.pop("rope_theta")}
            c.pop("rope_scaling", None)
            c["dtype"] = c.pop("torch_dtype")
            c["transformers_version"] = "5.0.0"
            with open(os.path.join(out, "config.json"), "w") as f:
                json.dump(c, f, indent=2)
        g = torch.Generator().manual_seed(7 + i)
        V = kw["vocab_size"]
        prompts = [torch.randint(3, V, (n,), generator=g).tolist() for n in (1, 7, 30, 61)]
        logits, greedy = [], []
        with torch.no_grad():
            for p in prompts:
                ids = torch.tensor([p])
                logits.append([r7(row) for row in model(ids).logits[0].tolist()])
                gen = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False,
                                     eos_token_id=None, pad_token_id=0)
                greedy.append(gen[0, len(p):].tolist())
        with open(os.path.join(out, "golden.json"), "w") as f:
            json.dump({"transformers": __import__("transformers").__version__, "torch": torch.__version__,
                       "prompts": prompts, "logits": logits, "greedy": greedy}, f, separators=(",", ":"))
        print(name, os.path.getsize(os.path.join(out, "model.safetensors")),
              os.path.getsize(os.path.join(out, "golden.json")))


if __name__ == "__main__":
    sys.exit(main())
