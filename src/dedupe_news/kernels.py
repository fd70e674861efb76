"""The compiled stages, by their old common name (a compatibility facade).

Each compiled kernel now lives beside the stage it serves - :mod:`shingle_jit` (the
tokeniser), :mod:`sketch_jit` (MinHash), :mod:`verify_jit` (the relation model),
:mod:`candidates_jit` (band table and leader loop), :mod:`align_jit` (the aligner's
programme), with the shared hash primitives in :mod:`_hashing`.  This module re-exports
their public names for code written against ``dedupe_news.kernels``; new code imports the
stage's own module.
"""

from __future__ import annotations

from dedupe_news._hashing import combine32 as combine32
from dedupe_news._hashing import poly64 as poly64
from dedupe_news.align_jit import align_fill as align_fill
from dedupe_news.candidates_jit import band_candidates as band_candidates
from dedupe_news.candidates_jit import band_key as band_key
from dedupe_news.candidates_jit import leader_loop as leader_loop
from dedupe_news.shingle_jit import tokenize_chunk as tokenize_chunk
from dedupe_news.sketch_jit import minhash_flat as minhash_flat
from dedupe_news.verify_jit import (
    CONTAIN_REST as CONTAIN_REST,
)
from dedupe_news.verify_jit import (
    CONTAINED_IN as CONTAINED_IN,
)
from dedupe_news.verify_jit import (
    CONTAINS as CONTAINS,
)
from dedupe_news.verify_jit import (
    CONTINUE_FWD as CONTINUE_FWD,
)
from dedupe_news.verify_jit import (
    CONTINUE_MIN_RARE as CONTINUE_MIN_RARE,
)
from dedupe_news.verify_jit import (
    CONTINUE_REV as CONTINUE_REV,
)
from dedupe_news.verify_jit import COPY as COPY
from dedupe_news.verify_jit import FACTS_MIN as FACTS_MIN
from dedupe_news.verify_jit import LEAD_FWD as LEAD_FWD
from dedupe_news.verify_jit import LEAD_SHARE as LEAD_SHARE
from dedupe_news.verify_jit import NONE as NONE
from dedupe_news.verify_jit import PARTIAL as PARTIAL
from dedupe_news.verify_jit import compare_docs as compare_docs
from dedupe_news.verify_jit import compare_many as compare_many
from dedupe_news.verify_jit import compare_units as compare_units
