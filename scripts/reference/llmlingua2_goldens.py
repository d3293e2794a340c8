"""Word keep-probabilities as llmlingua 0.2.2 computes them, for the Swift LLMLingua-2 grouping.

Run: /work/.venv-ref/bin/python scripts/reference/llmlingua2_goldens.py   (pip install llmlingua==0.2.2
with torch 2.13.0 CPU and transformers 4.51.3; run make_tiny_encoders.py first)
Uses llmlingua's own code paths: PromptCompressor.__chunk_context, utils.TokenClfDataset,
PromptCompressor.__merge_token_to_word and __token_prob_to_word_prob, the loop of
__get_context_prob. PromptCompressor.__init__ is bypassed because it fetches a tiktoken encoding
over the network; the attributes those methods read are set as __init__ sets them. llmlingua picks
its word rule from the model *name*, so each tiny classifier is reached through a symlink whose name
contains "bert-base-multilingual-cased" resp. "xlm-roberta-large" (run make_tiny_xlmr_lingua.py
first for the XLM-R one; `TokenClfDataset` still writes "[CLS]"/"[SEP]", i.e. <unk>, around its chunks).
Writes llmlingua2-goldens.json in Tests/Fixtures/models/tiny-bert-tokcls/ and tiny-xlmr-lingua/: for
chosen LIMA responses, the chunks, the words and their probabilities.
"""
import json
import os
import tempfile

import torch
import torch.nn.functional as F
from llmlingua import PromptCompressor
from llmlingua.utils import TokenClfDataset
from torch.utils.data import DataLoader
from transformers import AutoModelForTokenClassification, AutoTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = [("tiny-bert-tokcls", "bert-base-multilingual-cased-tiny"), ("tiny-xlmr-lingua", "xlm-roberta-large-tiny")]
LIMA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "lima", "lima_llamafactory_converted.json"))
# LIMA example indices: short, medium and long responses (several chunks, some chunks of 511 tokens).
PICK = list(range(0, 30)) + [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]


def compressor(path):
    pc = PromptCompressor.__new__(PromptCompressor)
    pc.model_name = path
    pc.tokenizer = AutoTokenizer.from_pretrained(path)
    pc.model = AutoModelForTokenClassification.from_pretrained(path).eval()
    pc.device = "cpu"
    pc.max_batch_size = 50
    pc.max_seq_len = 512
    pc.special_tokens = set(v for k, v in pc.tokenizer.special_tokens_map.items() if k != "additional_special_tokens")
    return pc


def word_probs(pc, text):
    chunks = pc._PromptCompressor__chunk_context(text, chunk_end_tokens={".", "\n"})
    ds = TokenClfDataset(chunks, tokenizer=pc.tokenizer, max_len=pc.max_seq_len)
    words, probs = [], []
    with torch.no_grad():
        for batch in DataLoader(ds, batch_size=pc.max_batch_size, shuffle=False, drop_last=False):
            ids = batch["ids"].to(dtype=torch.long)
            mask = batch["mask"].to(dtype=torch.long) == 1
            p = F.softmax(pc.model(input_ids=ids, attention_mask=mask).logits, dim=-1)
            for j in range(ids.shape[0]):
                ap = torch.masked_select(p[j, :, 1], mask[j])
                ai = torch.masked_select(ids[j], mask[j])
                tokens = pc.tokenizer.convert_ids_to_tokens(ai.squeeze().tolist())
                w, _, no_force = pc._PromptCompressor__merge_token_to_word(
                    tokens, [x for x in ap.cpu().numpy()], force_tokens=[], token_map={}, force_reserve_digit=False)
                words += w
                probs += [float(x) for x in pc._PromptCompressor__token_prob_to_word_prob(no_force, convert_mode="mean")]
    return chunks, words, probs


def main():
    tmp = tempfile.mkdtemp()
    with open(LIMA, encoding="utf-8") as f:
        data = json.load(f)
    for fixture, name in FIXTURES:
        fix = os.path.join(ROOT, "Tests", "Fixtures", "models", fixture)
        link = os.path.join(tmp, name)
        os.symlink(fix, link)
        pc = compressor(link)
        rows = []
        for i in PICK:
            text = data[i]["output"]
            chunks, words, probs = word_probs(pc, text)
            rows.append({"index": i, "chunks": len(chunks), "chunk_tokens": [len(pc.tokenizer.tokenize(c)) for c in chunks],
                         "words": words, "probs": probs})
        with open(os.path.join(fix, "llmlingua2-goldens.json"), "w", encoding="utf-8") as f:
            json.dump({"source": "lima/lima_llamafactory_converted.json output", "rows": rows}, f, ensure_ascii=False)
        print(fixture, len(rows), "texts;", sum(r["chunks"] for r in rows), "chunks; max chunk tokens",
              max(max(r["chunk_tokens"]) for r in rows), "; words", sum(len(r["words"]) for r in rows))


if __name__ == "__main__":
    main()
