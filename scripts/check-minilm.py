#!/usr/bin/env python3
"""The model check: examples/minilm (C, on sattn) against onnxruntime running the same all-MiniLM-L6-v2.

    check-minilm.py MINILM_BINARY [THREADS]

One batch of sentences of different lengths (punctuation, accents, other scripts, unknown words, one
longer than the 256-token truncation) goes through the C program, which dumps its token ids, last
hidden states and embeddings. Fails unless:
  - every sentence's ids equal the tokenizers package's on the model's tokenizer.json (same truncation);
  - the hidden states agree with onnxruntime's (com.microsoft MultiHeadAttention with the key padding
    mask, on the same padded batch) to <= 1e-4 absolute, and onnxruntime's with a float64 numpy encoder;
  - the published sentence-transformers example gives similarities 0.6660, 0.1046, 0.1411 (+-5e-4).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import minilm_onnx  # noqa: E402

PUBLISHED = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
PUBLISHED_SIMILARITY = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
SENTENCES = PUBLISHED + [
    "money bank grows",
    "river bank flows",
    "the bank raised interest rates",
    "Café déjà vu: a naïve façade, Ångström & Øre; résumé!",
    "ÉCOLE Straße İstanbul ǅemal Ωmega (approx. 3.5%) -- \"quoted\", [brackets] {braces} <tags> a/b\\c",
    "xqzptlwv glorbfnk unkownable-wordz 🤖 emoji 👍🏽 and ☃",
    "北京欢迎你 東京 서울특별시 Москва κόσμος مرحبا שלום",
    "tabs\tnew\nlines\r\nand\u00a0non-breaking\u2003spaces, zero\u200bwidth, soft\u00adhyphen\x07bell",
    "a",
    " ".join(["supercalifragilisticexpialidocious antidisestablishmentarianism"] * 40),
]
MAX_TOKENS = 256
TOL = 1e-4


def main():
    binary = sys.argv[1]
    threads = sys.argv[2] if len(sys.argv) > 2 else "2"
    model = minilm_onnx.Model()
    failures = []

    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "minilm.json")
        run = subprocess.run([binary, "--threads", threads, "--max-tokens", str(MAX_TOKENS), "--dump", dump,
                              model.dir] + SENTENCES, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout, run.stderr)
            print("FAIL: minilm exited with %d" % run.returncode)
            return 1
        with open(dump) as f:
            c = json.load(f)["sentences"]

    tok = model.tokenizer(MAX_TOKENS)
    expected = [tok.encode(s).ids for s in SENTENCES]
    for i, (s, e) in enumerate(zip(SENTENCES, expected)):
        if c[i]["ids"] != e:
            failures.append("token ids of sentence %d %r: C %s, tokenizers %s" % (i + 1, s[:40], c[i]["ids"][:20], e[:20]))
    B, S, H = len(SENTENCES), max(len(e) for e in expected), model.hidden
    ids = np.zeros((B, S), np.int64)
    mask = np.zeros((B, S), np.int64)
    for i, e in enumerate(expected):
        ids[i, : len(e)] = e
        mask[i, : len(e)] = 1
    ort_hidden = model.session(int(threads)).run(None, {"input_ids": ids, "attention_mask": mask})[0]
    numpy_hidden = model.numpy_encode(ids, mask)
    worst_c = worst_np = 0.0
    for i, e in enumerate(expected):
        n = len(e)
        if len(c[i]["ids"]) != n:
            continue
        ch = np.array(c[i]["hidden"], np.float64).reshape(n, H)
        worst_c = max(worst_c, float(np.abs(ch - ort_hidden[i, :n]).max()))
        worst_np = max(worst_np, float(np.abs(numpy_hidden[i, :n] - ort_hidden[i, :n]).max()))
    print("hidden states, max |C - onnxruntime| = %.3g over %d sentences (%d tokens in the longest); "
          "max |numpy float64 - onnxruntime| = %.3g" % (worst_c, B, S, worst_np))
    if worst_c > TOL:
        failures.append("hidden states differ from onnxruntime's by %.3g > %g" % (worst_c, TOL))
    if worst_np > TOL:
        failures.append("onnxruntime's graph differs from the numpy encoder by %.3g" % worst_np)

    emb = np.array([s["embedding"] for s in c], np.float64)
    ort_emb = minilm_onnx.mean_pool(ort_hidden, mask)
    print("embeddings, max |C - onnxruntime| = %.3g" % float(np.abs(emb - ort_emb).max()))
    for (a, b), want in PUBLISHED_SIMILARITY.items():
        got = float(emb[a] @ emb[b])
        print("similarity %r / %r: %.4f (published %.4f)" % (PUBLISHED[a], PUBLISHED[b], got, want))
        if abs(got - want) > 5e-4:
            failures.append("similarity of sentences %d and %d is %.4f, published %.4f" % (a + 1, b + 1, got, want))

    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("minilm: %d sentences, token ids equal the tokenizers package's, hidden states within %g of "
              "onnxruntime's, the published similarities reproduced" % (B, TOL))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
