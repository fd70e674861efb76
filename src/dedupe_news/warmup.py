"""Compile the kernels once, at set-up (``python -m dedupe_news.warmup``).

numba compiles each kernel on its first call and caches the machine code beside the module
(``cache=True``); without this step the first ``dedupe-news cluster`` on a machine spends
~40 s compiling before it prints anything (the first ``filter`` ~25 s).
``scripts/bootstrap`` runs it, so the first real run on a small input takes about a second.
Safe to run again: cached kernels load in milliseconds.  It also byte-compiles the
package's modules where Python will not on its own (``PYTHONDONTWRITEBYTECODE`` set, as in
many containers: every start then compiled ~17,000 lines of source again, ~0.13 s), keeps
the boilerplate patterns' compiled form (:mod:`dedupe_news._regex_cache`) and compiles the
filter's kernels (a few decisions against a throw-away index).
"""

from __future__ import annotations

import compileall
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dedupe_news.model import Article

_TEXT = ("The finance minister said on Monday that the budget would cut taxes. "
         "Opposition leaders called the plan reckless. Markets rose 2% after the news.\n"
         "Analysts at the central bank expect growth of 3% next year. "
         "The plan goes to parliament in March.")


def main() -> int:
    t0 = time.perf_counter()
    print("dedupe-news: compiling the kernels (once per install, ~80 s) ...",
          file=sys.stderr, flush=True)
    from dedupe_news.cluster import cluster_articles
    from dedupe_news.model import Article
    from dedupe_news.verify import relate_texts

    arts = [Article("a", _TEXT, title="Budget cuts taxes"),
            Article("b", _TEXT.replace("Monday", "Tuesday"), title="Budget to cut taxes"),
            Article("c", _TEXT.split("\n")[0]), Article("d", "完全不同的文章。另一句话！"),
            Article("e", "Unrelated sports report. The team won 3-1 at home.")]
    cluster_articles(arts)
    import numpy as np

    from dedupe_news.canonical_jit import lede_shares

    # (read only for tied versions: the articles above may not reach it)
    lede_shares(np.array([3, 5, 5, 7], dtype=np.uint32), np.array([0, 2, 4], dtype=np.int64),
                np.array([5], dtype=np.uint32))
    relate_texts(arts[0].text, arts[2].text, None, arts[0].title, arts[1].title)
    _filter(arts)  # (the patterns compiled at import are stored at exit: _regex_cache)
    # the modules' bytecode beside them (read-only installs: left as they are)
    compileall.compile_dir(str(Path(__file__).resolve().parent), quiet=2)
    print(f"dedupe-news: kernels ready ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


def _filter(arts: list[Article]) -> None:
    """The filter's kernels (band keys, the bucket merge and look-up, the reader process's
    packing): a few decisions against a throw-away embedded index, merging as it goes."""
    import tempfile

    from dedupe_news.filter import Filter, index_looker, index_packer
    from dedupe_news.filter.core import prepare_articles
    from dedupe_news.filter.recent import BUCKETS
    from dedupe_news.sketch import Sketcher

    with tempfile.TemporaryDirectory(prefix="dedupe-news-warmup-") as tmp:
        path = str(Path(tmp) / "warmup.idx")
        with Filter(path) as flt:
            flt.index.recent_max, flt.index.merge_step = 2, BUCKETS  # type: ignore[attr-defined]
            lsh = flt.settings.cluster.lsh
            preps = prepare_articles(arts, flt.settings, Sketcher(lsh.num_perm, lsh.seed),
                                     index_packer(path, flt.settings))
            flt.decide_items([(p.article, "-", None) for p in preps[:3]], preps[:3])
            look = index_looker(path)
            ahead = look() if look is not None else None
            if ahead is not None:
                ahead.look(preps[3:])  # type: ignore[attr-defined]
                ahead.close()  # type: ignore[attr-defined]
            for p in preps[3:]:
                flt.decide_items([(p.article, "-", None)], [p])
            flt.index.merge_all()  # type: ignore[attr-defined]


if __name__ == "__main__":
    raise SystemExit(main())
