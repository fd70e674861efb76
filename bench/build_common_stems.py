"""Build ``src/dedupe_news/data/common_stems.tsv``: the common stems of languages other than
English, for the relation model's rare-word tests.

The two-sided relation model tells a cut-off tail of the same story from another article by
the *rare* stems they share (names, the subject; :mod:`dedupe_news.verify`): a stem is
common when a word of Zipf >= ``words.COMMON_ZIPF`` has it.  With English frequencies
alone, every stem of a Spanish, Russian or Chinese text was "rare" - "de", "que", "的" - so
any two articles in one such language shared a fifth to a third of their "rare" stems, and
an article followed by another was a copy of the first in 60 of 60 pairs.

The lists are wordfreq 3.1.1's ``small_<lang>`` (Robyn Speer; data CC BY-SA 4.0).  Each word
is normalised and cut as the tokeniser cuts it (:func:`dedupe_news.shingle.content_stems`);
a stem's Zipf value is the highest of its words' (as for English).  Scripts written without
spaces (Chinese, Japanese, Korean) are tokenised one character a stem: a character's value
is the Zipf value of the summed frequency of the words it occurs in.  Stems from Zipf
``FLOOR`` up are written, so the thresholds in :mod:`dedupe_news.words` can be tuned without
a rebuild.

    pip download --no-deps wordfreq==3.1.1 msgpack -d /tmp/wf
    cd /tmp/wf && unzip -o wordfreq-*.whl 'wordfreq/data/small_*'
    unzip -o msgpack-*.whl -d mp && cd -
    PYTHONPATH=/tmp/wf/mp .venv/bin/python bench/build_common_stems.py /tmp/wf/wordfreq/data
"""

from __future__ import annotations

import gzip
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/dedupe_news/data/common_stems.tsv"
FLOOR = 4.5
#: wordfreq's languages written without spaces between words: one character a stem
PER_CHARACTER = ("zh", "ja", "ko")


def _bins(path: Path) -> list[list[str]]:
    import msgpack  # only needed to rebuild the shipped file

    with gzip.open(path, "rb") as fh:
        data = msgpack.load(fh, raw=False)
    assert data[0].get("format") == "cB", data[0]
    return data[1:]


def stems_of(lang: str, bins: list[list[str]]) -> dict[str, float]:
    """Stem (or character) -> Zipf value, for the stems of Zipf >= FLOOR."""
    from dedupe_news.normalize import normalize
    from dedupe_news.shingle import _NOSPACE_SCRIPT, content_stems

    out: dict[str, float] = {}
    if lang in PER_CHARACTER:
        freq: dict[str, float] = defaultdict(float)
        for i, words in enumerate(bins):
            f = 10 ** (9 - i / 100)  # bin i holds words at -i centibels: zipf = 9 - i/100
            for w in words:
                for ch in normalize(w):
                    if _NOSPACE_SCRIPT.match(ch):
                        freq[ch] += f
        for ch, f in freq.items():
            z = round(math.log10(f), 1)
            if z >= FLOOR:
                out[ch] = z
        return out
    for i, words in enumerate(bins):
        z = round(9 - i / 100, 1)
        if z < FLOOR:
            break
        for w in words:
            for st in content_stems(normalize(w)):
                if st.isdigit() or "\t" in st or " " in st:
                    continue
                out.setdefault(st, z)  # bins run from the most frequent: the first is the max
    return out


def main() -> None:
    src = Path(sys.argv[1])
    lines = ["# Common stems of languages other than English: lang<TAB>zipf<TAB>space-separated",
             "# stems (as dedupe_news.shingle cuts them; one character for zh, ja, ko), from",
             "# wordfreq 3.1.1 small_<lang> (Robyn Speer, data CC BY-SA 4.0); built by",
             "# bench/build_common_stems.py.  English is data/damage_wordfreq.tsv."]
    total = 0
    for path in sorted(src.glob("small_*.msgpack.gz")):
        lang = path.name[len("small_"):].split(".")[0]
        if lang == "en":
            continue
        table = stems_of(lang, _bins(path))
        by_z: dict[float, list[str]] = defaultdict(list)
        for st, z in table.items():
            by_z[z].append(st)
        for z in sorted(by_z, reverse=True):
            lines.append(f"{lang}\t{z:.1f}\t{' '.join(sorted(by_z[z]))}")
        total += len(table)
        print(f"{lang}: {len(table)} stems", file=sys.stderr)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {total} stems to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
