"""Small safetensors files written by the reference `safetensors` package, plus the values they
hold, for the Swift reader/writer tests (Tests/Fixtures/checkpoints/).

    /work/venv-ref/bin/python scripts/reference/make_safetensors_fixtures.py
"""
import json
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "checkpoints")
os.makedirs(OUT, exist_ok=True)
g = torch.Generator().manual_seed(1234)

def rnd(*shape):
    return torch.randn(*shape, generator=g) * 3

tensors = {
    "a.weight": rnd(3, 5),
    "b.bias": rnd(7),
    "c.scalar": torch.tensor(1.5),
    "d.empty": torch.zeros(0, 4),
    # Values at the edges of half/bfloat16: rounding ties, subnormals, large, negative zero.
    "e.edges": torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, 1.0009765625,
                             1.00048828125, 3.3895314e38, 1e-40, 0.333333343]),
}
expected = {}
for dtype, tag in [(torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16")]:
    t = {k: v.to(dtype) for k, v in tensors.items()}
    if dtype == torch.float16:
        t["e.edges"] = tensors["e.edges"].clamp(-65504, 65504).to(dtype)
    save_file(t, os.path.join(OUT, f"small_{tag}.safetensors"), metadata={"format": "pt"})
    expected[tag] = {k: {"shape": list(v.shape), "values": v.float().flatten().tolist(),
                         # what writing the f32 source values in this dtype must produce, as floats
                         "source": tensors[k].flatten().tolist()}
                     for k, v in t.items()}
with open(os.path.join(OUT, "small_expected.json"), "w") as f:
    json.dump(expected, f, indent=1)

# A sharded folder, as transformers' save_pretrained(max_shard_size=...) lays it out.
shard_dir = os.path.join(OUT, "sharded")
os.makedirs(shard_dir, exist_ok=True)
s1 = {"model.embed_tokens.weight": rnd(4, 2)}
s2 = {"model.norm.weight": rnd(2), "lm_head.weight": rnd(4, 2)}
save_file(s1, os.path.join(shard_dir, "model-00001-of-00002.safetensors"), metadata={"format": "pt"})
save_file(s2, os.path.join(shard_dir, "model-00002-of-00002.safetensors"), metadata={"format": "pt"})
index = {"metadata": {"total_size": 4 * (8 + 2 + 8)},
         "weight_map": {**{k: "model-00001-of-00002.safetensors" for k in s1},
                        **{k: "model-00002-of-00002.safetensors" for k in s2}}}
with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
    json.dump(index, f, indent=2)
with open(os.path.join(shard_dir, "expected.json"), "w") as f:
    json.dump({k: {"shape": list(v.shape), "values": v.flatten().tolist()} for k, v in {**s1, **s2}.items()}, f)
print("wrote", OUT)
