"""Build the shipped domain word vectors (proposal_nlp/data/models/wv-v1.npz and its card).

    python corpora/vectors/build_vectors.py            # about 5 minutes on 2 cores
    proposal-nlp train-vectors -o wv.npz               # the same recipe, to a file of your own

Reads the public texts of ../shared/data (or $PROPOSAL_NLP_DATA) that are free for training:
law articles, State Council documents, government work reports, Teddy 附件2 raw messages and
附件4 messages and replies, Jiangsu 2019 proposals without the three reserved ones. Never
Teddy 附件3, Jiangsu 2022 or the three reserved 2019 proposals (DATASETS.md). Nothing of
the texts is written, only the vectors of the 30,000 most frequent words (float16) and their
nearest neighbours. Needs gensim: pip install "proposal_nlp[vectors]".
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from proposal_nlp.vectors import DEFAULT_VECTORS, build_word_vectors, save_word_vectors  # noqa: E402

OUT = ROOT / "proposal_nlp" / "data" / "models" / f"{DEFAULT_VECTORS}.npz"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="the shared data folder (default ../shared/data)")
    ap.add_argument("-o", "--output", default=str(OUT))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    wv = build_word_vectors(args.data, workers=args.workers)
    card = {"name": Path(args.output).stem,
            "training_command": "python corpora/vectors/build_vectors.py (or proposal-nlp train-vectors -o FILE)"}
    path = save_word_vectors(wv, args.output, card=card)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): {len(wv)} words x {wv.dim}")
    for w in ("消火栓", "飞线充电", "群租房", "宣传日"):
        print(w, [x for x, _ in wv.most_similar(w, 8)])


if __name__ == "__main__":
    main()
