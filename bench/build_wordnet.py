"""Build ``src/dedupe_news/data/wordnet_en.tsv.gz``: a compact WordNet 3.0 table for alignment.

The sentence aligner (``dedupe_news.align``) uses it to match synonyms and irregular word
forms that share no characters ("beast" / "creature", "perishing" / "died", "went" / "go").
Nothing is read from WordNet at run time: this script derives the shipped table from
Debian's ``wordnet-base`` package (``/usr/share/wordnet``; WordNet 3.0, Princeton University,
licence in ``src/dedupe_news/data/WORDNET_LICENSE``)::

    apt-get install wordnet-base
    .venv/bin/python bench/build_wordnet.py [/usr/share/wordnet]

Kept: single-word lemmas that are in the shipped English word-frequency list
(``data/damage_wordfreq.tsv``, 40,000 words) or are the lemma of an irregular form in that
list.  Lines (tab-separated, gzip):

- ``L  lemma  n:3,17,52;v:8`` - the lemma's synsets per part of speech (n, v, a, r), most
  frequent sense first (WordNet's own order), at most ``MAX_SENSES`` each; synsets are
  renumbered densely (small integers instead of byte offsets);
- ``X  pos  form  lemma [lemma...]`` - the morphological exception lists (``went`` -> ``go``)
  for forms in the frequency list.

Hypernyms, derivational and similar-to links were tried as extra features and did not help
(see the README's align section), so they are not shipped.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "src/dedupe_news/data/wordnet_en.tsv.gz"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
MAX_SENSES = 8


def main() -> None:
    from dedupe_news.words import word_zipf

    src = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet")
    common = set(word_zipf())
    exc: list[tuple[str, str, list[str]]] = []
    for name, p in POS.items():
        for line in (src / f"{name}.exc").read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and "_" not in line and parts[0].isalpha() \
                    and parts[0] in common:
                exc.append((p, parts[0], parts[1:]))
    wanted = common | {lemma for _p, _f, lemmas in exc for lemma in lemmas}

    ids: dict[tuple[str, int], int] = {}
    lemmas: dict[str, list[str]] = {}
    for name, p in POS.items():
        for line in (src / f"index.{name}").read_text(encoding="utf-8").splitlines():
            if line.startswith(" "):  # licence header
                continue
            parts = line.split()
            lemma = parts[0]
            if lemma not in wanted or not lemma.isalpha():
                continue
            offsets = [int(x) for x in parts[-int(parts[2]):]][:MAX_SENSES]
            sids = [ids.setdefault((p, off), len(ids)) for off in offsets]
            lemmas.setdefault(lemma, []).append(f"{p}:" + ",".join(map(str, sids)))
    lines = ["# WordNet 3.0 (c) 2006 Princeton University, see WORDNET_LICENSE; extract built by",
             "# bench/build_wordnet.py.  L lemma pos:synsets;...  /  X pos form lemmas"]
    lines += [f"L\t{w}\t{';'.join(v)}" for w, v in sorted(lemmas.items())]
    lines += [f"X\t{p}\t{f}\t{' '.join(ls)}" for p, f, ls in exc]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    OUT.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {len(lemmas)} lemmas, {len(ids)} synsets, {len(exc)} exceptions: "
          f"{OUT.stat().st_size:,} bytes ({len(data):,} raw) to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
