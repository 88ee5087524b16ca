#!/usr/bin/env python3
"""Golden vectors for sentence embeddings, made with the reference sentence-transformers.

Writes Tests/golden/all-minilm-l6-v2.json: for each case its text, the input ids the
reference tokenizer gives (after truncation to max_seq_length) and the 384-d embedding
(pooled and normalised as the model's modules.json says), plus the library versions.
Swift's EmbeddingTests check Continuum against it (ids equal, cosine >= 0.999).

Run it in a throwaway venv outside the repo (torch comes from PyPI):

    python3 -m venv /work/venv-embed && /work/venv-embed/bin/pip install sentence-transformers
    /work/venv-embed/bin/python scripts/make-embedding-golden.py [MODEL_DIR]

MODEL_DIR defaults to what `scripts/fetch-model.sh minilm` prints. Runs offline.
"""
import json
import os
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sentence_transformers  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LONG = (
    "Continuum answers each AI request on the smallest, closest, most private tier that can "
    "answer it well, and serves it efficiently there. "
) * 12

CASES = [
    ("plain", "The quick brown fox jumps over the lazy dog."),
    ("question", "How do I reset my password if I no longer have access to my email?"),
    ("mixed-case", "HeLLo WoRLD from SWIFT, PyTorch and the iPhone"),
    ("accents", "Café déjà vu: naïve façade in São Paulo, Zürich and Ångström; crème brûlée"),
    ("cjk", "我喜欢自然语言处理。東京は日本の首都です。"),
    ("korean", "안녕하세요 세계, 반갑습니다"),
    ("emoji", "I love pizza 🍕🍕 and cats 😺! 👍🏽 family: 👨‍👩‍👧 🫠"),
    ("punctuation", "Wait... what?!?! (yes) [no] {maybe} -- \"quoted\" 'single' — em–dash; #hash @at $100 & 50% ~tilde^caret|pipe"),
    ("numbers", "3.14159 2,718,281 1e-9 0x1F 2024-06-01 12:30:45 +44 20 7946 0000"),
    ("code", "func add(a: Int, b: Int) -> Int { return a + b } // sum\nfor i in range(10): print(i**2)"),
    ("whitespace-only", "   \t\n  "),
    ("empty", ""),
    ("long-truncated", LONG),
    ("long-word", "a" * 60 + "b" * 50 + " and a short one"),
    ("long-pieces", "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism"),
    ("special-tokens", "Use [MASK] and [CLS] literally, but not [unused1] or [mask]"),
    ("control-chars", "tab\there\x00nul\u200bzwsp\ufeffbom\u00adshy\x07bell\ufffdrepl"),
    ("greek-cyrillic", "Σίσυφος ΟΔΥΣΣΕΥΣ — Москва, привет мир"),
    ("rtl-indic", "مرحبا بالعالم · שלום עולם · नमस्ते दुनिया"),
    ("combining", "Tiếng Việt có dấu; cafe\u0301 vs café; Å vs \u212b; ñ"),
    ("turkish", "İstanbul ıI ǅ ß ẞ"),
    ("fullwidth", "ＡＢＣ ﬁne ½ x² ①"),
    ("newlines", "line one\n\nline two\r\n    indented\u3000ideographic space\u00a0nbsp"),
    ("url-email", "https://example.com/a?b=c&d=e mail john.doe@example.org"),
]


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else subprocess.check_output(
        [os.path.join(ROOT, "scripts/fetch-model.sh"), "minilm"], text=True).strip()
    torch.set_num_threads(1)
    model = SentenceTransformer(model_dir, device="cpu")
    modules = [type(m).__name__ for m in model]
    if modules != ["Transformer", "Pooling", "Normalize"]:
        sys.exit(f"unexpected modules {modules}")
    texts = [t for _, t in CASES]
    vectors = model.encode(texts, batch_size=8, convert_to_numpy=True)
    cases = []
    for (name, text), v in zip(CASES, vectors):
        tokenize = getattr(model, "preprocess", None) or model.tokenize
        ids = tokenize([text])["input_ids"][0].tolist()
        cases.append({
            "name": name,
            "text": text,
            "ids": ids,
            "vector": [float(f"{x:.8g}") for x in v.tolist()],
        })
    out = {
        "reference": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "torch": torch.__version__,
        },
        "model": os.path.basename(os.path.normpath(model_dir)),
        "max_seq_length": model.max_seq_length,
        "dimension": (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)(),
        "modules": modules,
        "cases": cases,
    }
    path = os.path.join(ROOT, "Tests/golden/all-minilm-l6-v2.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(cases)} cases, max_seq_length {model.max_seq_length}")


if __name__ == "__main__":
    main()
