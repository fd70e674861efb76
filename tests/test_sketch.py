"""The MinHash parameters are datasketch's own (made without importing it), so signatures
exported as ``LeanMinHash`` compare with a datasketch user's."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from dedupe_news.sketch import SCHEME, Sketcher, _permutations


@pytest.mark.parametrize(("num_perm", "seed"), [(2, 0), (128, 1), (256, 1), (256, 7)])
def test_permutations_are_datasketchs(num_perm: int, seed: int) -> None:
    a, b = _permutations(num_perm, seed)
    da, db = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    assert a.dtype == b.dtype == np.uint32
    assert np.array_equal(a, np.asarray(da, dtype=np.uint32))
    assert np.array_equal(b, np.asarray(db, dtype=np.uint32))
    assert (a % 2 == 1).all()  # odd: a bijection of 32-bit values


def test_signature_equals_datasketch_update_batch() -> None:
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 1 << 32, size=500, dtype=np.uint64).astype(np.uint32)
    sk = Sketcher(num_perm=128, seed=1)
    ours = sk.signatures([hashes])[0]
    lean = sk.to_minhash(ours)
    theirs = MinHash(num_perm=128, seed=1, scheme=SCHEME,
                     hashfunc=lambda x: x)  # the values are hashes already
    theirs.update_batch(hashes.tolist())
    assert lean.jaccard(theirs) == 1.0
