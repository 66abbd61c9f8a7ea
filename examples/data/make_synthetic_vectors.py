#!/usr/bin/env python3
"""Writes examples/data/synthetic_vectors_8d.txt: a small, made-up word-vector file in the GloVe
text format ("word v1 ... v8" per line). It is synthetic: three clusters (finance, rivers,
function words) around fixed centres plus seeded noise, with "bank" halfway between finance and
rivers so that attention over a sentence visibly pulls it towards one sense or the other.
Not trained on any text; rerun to regenerate it byte for byte."""
import random

CENTRES = {
    "finance": [0.9, 0.1, 0.8, 0.0, 0.2, 0.7, 0.1, 0.0],
    "river": [0.0, 0.9, 0.1, 0.8, 0.7, 0.0, 0.2, 0.1],
    "function": [0.1, 0.1, 0.0, 0.1, 0.0, 0.1, 0.9, 0.9],
}
WORDS = {
    "finance": ["money", "cash", "loan", "interest", "account", "deposit", "invest", "grows", "savings",
                "credit", "profit", "pays"],
    "river": ["river", "water", "flows", "shore", "fish", "boat", "stream", "muddy", "flood", "banks",
              "current", "swims"],
    "function": ["the", "a", "is", "and", "of", "on", "by", "near", "at", "to", "its", "my"],
}


def main():
    rng = random.Random(2026)
    lines = []
    for cluster, words in WORDS.items():
        for word in words:
            vec = [c + rng.uniform(-0.15, 0.15) for c in CENTRES[cluster]]
            lines.append(word + " " + " ".join(f"{v:.4f}" for v in vec))
    bank = [(f + r) / 2 for f, r in zip(CENTRES["finance"], CENTRES["river"])]
    lines.append("bank " + " ".join(f"{v:.4f}" for v in bank))
    with open("examples/data/synthetic_vectors_8d.txt", "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
