"""Small GGUF files written by the reference `gguf` package (gguf-py 0.17.1), with the values its
own dequantiser (the one transformers uses) returns, for the Swift GGUF reader tests.

    /work/venv-ref/bin/python scripts/reference/make_gguf_fixtures.py

Writes Tests/Fixtures/checkpoints/gguf/:
  types.gguf, types_expected.json   one tensor per supported type + metadata of every value type
  align64.gguf                      the same tensors with general.alignment = 64
  tiny_llama.gguf, tiny_llama_expected.json
                                    a 2-layer GQA Llama laid out as llama.cpp's convert writes it
                                    (q/k rows permuted for rope, GGUF tensor names, gpt2 tokenizer
                                    metadata); the expected file holds the Hugging Face tensors
"""
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf import quants

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "checkpoints", "gguf")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261123)


def add_quantised(w, name, data, qtype):
    """Adds `data` (float32, row-major) stored as `qtype`; returns what gguf-py dequantises."""
    if qtype == T.F32:
        w.add_tensor(name, data.astype(np.float32))
        return data.astype(np.float32)
    if qtype == T.F16:
        w.add_tensor(name, data.astype(np.float16))
        return data.astype(np.float16).astype(np.float32)
    raw = quants.quantize(data.astype(np.float32), qtype)
    w.add_tensor(name, raw, raw_shape=raw.shape, raw_dtype=qtype)
    return quants.dequantize(raw, qtype)


def types_file(path, alignment=None):
    rng = np.random.default_rng(7)  # both files hold the same values
    w = gguf.GGUFWriter(path, arch="test")
    if alignment:
        w.add_custom_alignment(alignment)  # sets general.alignment and lays the data out by it
    # Metadata of every scalar type and of arrays.
    w.add_uint8("t.u8", 200)
    w.add_int8("t.i8", -100)
    w.add_uint16("t.u16", 60000)
    w.add_int16("t.i16", -30000)
    w.add_uint32("t.u32", 4000000000)
    w.add_int32("t.i32", -2000000000)
    w.add_float32("t.f32", 0.1)
    w.add_uint64("t.u64", 18000000000000000000)
    w.add_int64("t.i64", -9000000000000000000)
    w.add_float64("t.f64", 0.1)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "héllo ✓")
    w.add_array("t.arr_i32", [1, -2, 3])
    w.add_array("t.arr_str", ["a", "", "ß c"])
    w.add_array("t.arr_f32", [0.5, -1.25])
    w.add_array("t.arr_bool", [True, False])
    expected = {}
    shapes = {"w_f32": ((3, 64), T.F32), "w_f16": ((2, 32), T.F16), "w_bf16": ((4, 32), T.BF16),
              "w_q8_0": ((3, 64), T.Q8_0), "w_q4_0": ((2, 96), T.Q4_0), "w_q4_1": ((5, 32), T.Q4_1),
              "w_vec": ((7,), T.F32)}
    for name, (shape, qt) in shapes.items():
        data = (rng.standard_normal(shape) * rng.uniform(0.01, 3)).astype(np.float32)
        if qt == T.Q4_1:
            data[0, :] = 1.0  # a block with zero range
        if qt == T.F16:
            data[0, :4] = [65504.0, -6.1e-5, 5.96e-8, 1.00048828125]
        deq = add_quantised(w, name, data, qt)
        expected[name] = {"type": qt.name, "shape": list(shape),
                          "values": [float(x) for x in np.asarray(deq, dtype=np.float32).flatten()]}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return expected


expected = types_file(os.path.join(OUT, "types.gguf"))
types_file(os.path.join(OUT, "align64.gguf"), alignment=64)
with open(os.path.join(OUT, "types_expected.json"), "w") as f:
    json.dump(expected, f)


# --- a tiny llama in llama.cpp's layout -------------------------------------------------------
def permute(w, n_head, n_head_kv):
    """llama.cpp convert_hf_to_gguf.LlamaModel.permute (q/k rows interleaved for rope)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


d, heads, kv, hd, ff, layers = 32, 4, 2, 8, 64, 2
tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [chr(c) for c in range(ord("a"), ord("a") + 26)] \
    + ["Ġ", "Ġa", "ab", "Ġab"]
vocab = len(tokens)
merges = ["Ġ a", "a b", "Ġa b"]
w = gguf.GGUFWriter(os.path.join(OUT, "tiny_llama.gguf"), arch="llama")
w.add_name("tiny")
w.add_context_length(128)
w.add_embedding_length(d)
w.add_block_count(layers)
w.add_feed_forward_length(ff)
w.add_head_count(heads)
w.add_head_count_kv(kv)
w.add_rope_dimension_count(hd)
w.add_rope_freq_base(10000.0)
w.add_layer_norm_rms_eps(1e-5)
w.add_vocab_size(vocab)
w.add_tokenizer_model("gpt2")
w.add_tokenizer_pre("smollm")
w.add_token_list(tokens)
w.add_token_types([3, 3, 3] + [1] * (vocab - 3))
w.add_token_merges(merges)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
w.add_pad_token_id(2)
w.add_add_bos_token(False)
w.add_chat_template("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}")
hf = {}
def r(*s):
    return (rng.standard_normal(s) * 0.1).astype(np.float32)
hf["model.embed_tokens.weight"] = r(vocab, d)
w.add_tensor("token_embd.weight", hf["model.embed_tokens.weight"])
for l in range(layers):
    p = f"model.layers.{l}."
    q, k, v, o = r(heads * hd, d), r(kv * hd, d), r(kv * hd, d), r(d, heads * hd)
    hf[p + "self_attn.q_proj.weight"], hf[p + "self_attn.k_proj.weight"] = q, k
    hf[p + "self_attn.v_proj.weight"], hf[p + "self_attn.o_proj.weight"] = v, o
    w.add_tensor(f"blk.{l}.attn_q.weight", permute(q, heads, heads))
    w.add_tensor(f"blk.{l}.attn_k.weight", permute(k, heads, kv))
    w.add_tensor(f"blk.{l}.attn_v.weight", v)
    w.add_tensor(f"blk.{l}.attn_output.weight", o)
    for hn, gn, shape in [("input_layernorm", "attn_norm", (d,)), ("post_attention_layernorm", "ffn_norm", (d,)),
                          ("mlp.gate_proj", "ffn_gate", (ff, d)), ("mlp.up_proj", "ffn_up", (ff, d)),
                          ("mlp.down_proj", "ffn_down", (d, ff))]:
        t = r(*shape) + (1.0 if len(shape) == 1 else 0.0)
        hf[p + hn + ".weight"] = t
        w.add_tensor(f"blk.{l}.{gn}.weight", t)
hf["model.norm.weight"] = r(d) + 1
w.add_tensor("output_norm.weight", hf["model.norm.weight"])
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
with open(os.path.join(OUT, "tiny_llama_expected.json"), "w") as f:
    json.dump({k: {"shape": list(v.shape), "values": [float(x) for x in v.flatten()]} for k, v in hf.items()}, f)
print("wrote", OUT)
