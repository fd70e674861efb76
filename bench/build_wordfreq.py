"""Build ``src/dedupe_news/data/damage_wordfreq.tsv``: English word frequencies (Zipf scale).

Used by cross-version evidence (``dedupe_news.damage.versions``): MT output prefers common
words (Vanmassenhove et al. 2019, "Lost in Translation: Loss and Decay of Linguistic
Richness in MT"), so of two aligned wordings, the more common one is more likely the
machine's.  The list is wordfreq's ``small_en`` (Robyn Speer; data CC BY-SA 4.0; built from
Wikipedia, subtitles, news crawl, books, web text: not from this project's BBC corpus).

    pip download --no-deps wordfreq==3.1.1 msgpack -d /tmp/wf
    cd /tmp/wf && unzip -o wordfreq-*.whl 'wordfreq/data/small_en*'
    unzip -o msgpack-*.whl -d mp && cd -
    PYTHONPATH=/tmp/wf/mp .venv/bin/python bench/build_wordfreq.py \
        /tmp/wf/wordfreq/data/small_en.msgpack.gz
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/dedupe_news/data/damage_wordfreq.tsv"
MAX_WORDS = 40_000


def main() -> None:
    import msgpack  # only needed to rebuild the shipped file

    with gzip.open(sys.argv[1], "rb") as fh:
        data = msgpack.load(fh, raw=False)
    header, bins = data[0], data[1:]
    assert header.get("format") == "cB", header
    lines = ["# English word frequencies, Zipf scale (log10 per billion words), from wordfreq",
             "# 3.1.1 small_en (Robyn Speer, data CC BY-SA 4.0); built by",
             "# bench/build_wordfreq.py.  One line per frequency bin: zipf<TAB>space-separated"
             " words."]
    n = 0
    for i, words in enumerate(bins):
        if not words or n >= MAX_WORDS:
            continue
        zipf = round(9 - i / 100, 2)  # bin i holds words at -i centibels: zipf = 9 - i/100
        keep = [w for w in words if w.isascii() and " " not in w and "\t" not in w]
        keep = keep[: MAX_WORDS - n]
        n += len(keep)
        if keep:
            lines.append(f"{zipf}\t{' '.join(keep)}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {n} words to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
