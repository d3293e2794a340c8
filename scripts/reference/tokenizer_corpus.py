"""Deterministic varied text corpus and benchmark-text extraction shared by the tokenizer goldens.

The Swift tests re-extract the benchmark texts with the same rules (all JSON string values, all
CSV cells, de-duplicated per file), so keep both sides in step when changing anything here.
"""
import csv
import json
import os
import random

BASE = [
    "Hello world!", "Hello, world.", " leading space", "  two leading spaces", "trailing space ",
    "trailing spaces   ", "tabs\tand\ttabs", "\t\tleading tabs", "line\nbreak", "windows\r\nline\r\nbreaks",
    "\r\n\r\n", "\n\n\n", "   \n   \n", "a \n b", "x  \t  y", "mixed \u00a0nbsp\u00a0 and\u3000ideographic\u3000space",
    "It's here. I'm there. They're, we've, you'll, he'd.", "IT'S LOUD. I'M HERE. THEY'RE. WE'VE. YOU'LL. HE'D.",
    "It'S mIxEd 'Re 'vE 'Ll", "don't won't can't shan't", "'s 't 're 've 'm 'll 'd", "''s '''t", "the ſ long s: 'ſ",
    "Curly quotes: it’s ‘single’ “double”", "1", "12", "123", "1234", "12345", "123456789012345", "3.14159", "1,000,000",
    "-42", "+7", "1e10", "0x1F", "v2.0.1", "٣٤٥ arabic-indic digits", "१२३ devanagari digits", "Ⅻ roman numeral ½ ¾ ²",
    "def f(x):\n    return x ** 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }", "{\"key\": [1, 2, {\"n\": null}]}",
    "    indented code\n        more\n", "<html><body class=\"x\">Hi</body></html>", "SELECT * FROM t WHERE a >= 10;",
    "https://example.com/path?q=1&r=2#frag", "user@example.com", "C:\\Windows\\System32", "$HOME/.bashrc && ls -la",
    "café naïve résumé", "cafe\u0301 with combining acute", "e\u0301\u0302\u0303 stacked marks", "Ångström Ω µ",
    "日本語のテキストです。", "中文文本，包含标点。", "한국어 텍스트입니다.", "ไทยภาษา", "Привет, мир!", "Γειά σου κόσμε",
    "مرحبا بالعالم", "שלום עולם", "हिन्दी पाठ", "ትግርኛ", "Tiếng Việt có dấu", "Zürich Straße",
    "😀 😃 😄", "👩‍👩‍👧‍👦 family", "👍🏽 skin tone", "🇫🇷🇩🇪 flags", "❤️ heart", "🧑‍💻coder", "∑∫∂√∞≈≠≤≥",
    "<|im_start|>user\nHi<|im_end|>\n", "<|im_start|>assistant\n", "text<|endoftext|>more", "<|im_start|><|im_end|>",
    "<|im_st", "|im_start|>", "< |im_start|>", "<<|im_start|>>", "<|endoftext|><|endoftext|>", "<s>[INST] hi [/INST]",
    "</s><unk><s>", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", "<0x41><0xE2>",
    "▁already▁metaspace", "▁", "▁▁", " ▁ ", "ĠĊ byte chars", "\u200b zero width \u200d joiner \ufeff bom",
    "\x00 nul \x07 bell \x1b[31m ansi", "\u2028line sep\u2029para sep", "\u0085next line", "\x0b vt \x0c ff",
    "...", "!!!???", "--- *** ___", "a--b", "(parens) [brackets] {braces}", "@#$%^&*", "a'b\"c`d",
    "", " ", "  ", "a", "A", "é", "日", "😀", "\n", "\r", "\t",
    "mask <mask> here", "left   <mask>   right", "sep[SEP]  next", "hello hellos shello hello_ hello.",
]

WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "tokenizer", "model", "Swift",
         "BLAS", "gradient", "naïve", "façade", "Straße", "東京", "数据", "서울", "Москва", "αβγ", "שלום",
         "emoji😀", "x", "I", "a", "ok", "DNA", "iPhone", "McDonald's", "rock'n'roll", "e-mail", "re-do"]
PUNCT = [".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "-", "--", "...", "/", "\\", "#", "@", "$", "%",
         "&", "*", "+", "=", "<", ">", "[", "]", "{", "}", "|", "~", "`", "^", "_", "’", "“", "”", "«", "»",
         "—", "–", "•", "…", "¿", "¡", "§", "©", "®", "™", "°", "€", "£", "¥"]
SPACES = [" ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", "\u00a0", "\u3000", "\u2009",
          " \t ", "\n\n\n  ", "    "]
SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>", "</s>", "<unk>", "<|begin_of_text|>",
            "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<mask>", "[SEP]", "hello"]
EMOJI = ["😀", "👍", "👍🏿", "🎉", "🚀", "❤️", "👨‍👩‍👧", "🇯🇵", "🤖", "🫠", "🦀", "☕"]
MARKS = ["\u0301", "\u0300", "\u0308", "\u0327", "\u0303", "\u20dd", "\u0651", "\u093f", "\u0e34"]


def random_token(rng):
    r = rng.random()
    if r < 0.40:
        w = rng.choice(WORDS)
        c = rng.random()
        return w.upper() if c < 0.1 else w.capitalize() if c < 0.25 else w
    if r < 0.52:
        return str(rng.randrange(0, 10 ** rng.randint(1, 9)))
    if r < 0.70:
        return rng.choice(PUNCT)
    if r < 0.75:
        return rng.choice(EMOJI)
    if r < 0.80:
        return rng.choice(SPECIALS)
    if r < 0.84:
        return rng.choice("aeiouxyz") + rng.choice(MARKS)
    if r < 0.88:
        return "'" + rng.choice(["s", "t", "re", "ve", "m", "ll", "d", "S", "T", "RE", "Ve", "LL", "D", "x"])
    if r < 0.92:
        return "".join(chr(rng.randint(0x20, 0x7e)) for _ in range(rng.randint(1, 6)))
    return "".join(chr(rng.choice([rng.randint(0xa1, 0x2ff), rng.randint(0x370, 0x52f), rng.randint(0x4e00, 0x4f00),
                                   rng.randint(0x3040, 0x30ff), rng.randint(0xac00, 0xac80), rng.randint(0x1f300, 0x1f64f)]))
                   for _ in range(rng.randint(1, 4)))


def varied_corpus(n_random=3000, seed=1234):
    rng = random.Random(seed)
    lines = list(BASE)
    for _ in range(n_random):
        parts = []
        for _ in range(rng.randint(1, 14)):
            parts.append(random_token(rng))
            if rng.random() < 0.8:
                parts.append(rng.choice(SPACES))
        if rng.random() < 0.2:
            parts.insert(0, rng.choice(SPACES))
        lines.append("".join(parts))
    return lines


# Benchmark and SFT files: (path relative to shared/data, kind)
DATA_SOURCES = [
    ("lima/lima_llamafactory_converted.json", "json"),
    ("arc_challenge/ARC-Challenge-Test.jsonl", "jsonl"),
    ("openbookqa/OpenBookQA-V1-Sep2018/Data/Main/test.jsonl", "jsonl"),
    ("hellaswag/hellaswag_val.jsonl", "jsonl"),
    ("mathqa/test.json", "json"),
    ("truthfulqa/mc_task.json", "json"),
    ("truthfulqa/TruthfulQA.csv", "csv"),
    ("ifeval/input_data.jsonl", "jsonl"),
    ("mmlu/data/test", "csvdir"),
    ("mmlu/data/dev", "csvdir"),
]


def _walk(v, out):
    if isinstance(v, str):
        out.append(v)
    elif isinstance(v, list):
        for x in v:
            _walk(x, out)
    elif isinstance(v, dict):
        for x in v.values():
            _walk(x, out)


def _csv_cells(path, out):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            out.extend(row)


def source_texts(data_root, rel, kind):
    """All strings of one source, de-duplicated, in first-seen order; None if the file is absent."""
    path = os.path.join(data_root, rel)
    if not os.path.exists(path):
        return None
    out = []
    if kind == "json":
        with open(path, encoding="utf-8") as f:
            _walk(json.load(f), out)
    elif kind == "jsonl":
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    _walk(json.loads(line), out)
    elif kind == "csv":
        _csv_cells(path, out)
    elif kind == "csvdir":
        for name in sorted(os.listdir(path)):
            if name.endswith(".csv"):
                _csv_cells(os.path.join(path, name), out)
    seen, uniq = set(), []
    for s in out:
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            continue  # lone surrogates cannot be Swift Strings
        if s not in seen:
            seen.add(s)
            uniq.append(s)
    return uniq
