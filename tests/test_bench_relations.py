"""The issue-12 relation sets (bench/make_relation_sets.py): deterministic, labels consistent,
non-English articles one paragraph. The Apertium parts are checked only where it is installed.

No timing or quality assertions: these check the generator's bookkeeping only.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402
import make_relation_sets as rel  # noqa: E402

NO_MT_KINDS = ("contain_whole", "contain_borrowed", "syndication", "wire_edit", "noisy_replica",
               "truncate35", "reorder", "same_template_nonen")


def _build(out: Path) -> None:
    rel.generate(["dev", "test"], per_kind=2, seed=3, syndication=(2, 3), data_dir=out,
                 use_mt=False, limit=400)


def _load(out: Path, split: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    a_path, l_path, _ = rel.paths(split, out)
    return list(_common.read_jsonl(a_path)), list(_common.read_jsonl(l_path))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _common.CORPUS.exists():
        pytest.skip(f"corpus not found at {_common.CORPUS}")
    out = tmp_path_factory.mktemp("relations")
    _build(out)
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_generator_is_deterministic(tiny: Path, tmp_path: Path) -> None:
    _build(tmp_path)
    for split in ("dev", "test"):
        for a, b in zip(rel.paths(split, tiny), rel.paths(split, tmp_path), strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name


def test_labels_consistent(tiny: Path) -> None:
    corpus = {a["id"]: a for a in _common.read_jsonl(_common.CORPUS)}
    ids_by_split = {}
    for split in ("dev", "test"):
        arts, labels = _load(tiny, split)
        by_id = {a["id"]: a for a in arts}
        ids_by_split[split] = set(by_id)
        gold = rel.check_labels(arts, labels)  # unique ids, known ids, negatives apart
        kinds = Counter(r["kind"] for r in labels)
        for kind in NO_MT_KINDS:
            assert kinds[kind] >= 2, (split, kind)
        for r in labels:
            assert r["relation"] in {"copy", *rel.NEGATIVE_RELATIONS}, r
            made = [x for x in (r["a"], r["b"]) if x not in corpus]
            assert all(not x.startswith(_common.CORPUS_PREFIX) for x in made)
            if r["relation"] == "copy":
                assert gold[r["a"]] == gold[r["b"]]
                assert r["original"] == r["b"] or r["kind"] == "corpus_dup", r
                if r["kind"] in rel.COPY_KINDS:
                    assert r["b"] in corpus and r["a"] not in corpus, r
            if r["relation"] in ("contains", "partial") and r["kind"].startswith("contain_"):
                assert r["host"] not in by_id, "hosts are taken out of the set"
                assert r["b"] in corpus and r["a"] not in corpus
                first_host = _norm(rel.gen.paragraphs(corpus[r["host"]]["text"])[0][0])
                assert first_host in _norm(by_id[r["a"]]["text"]), "host news around it"
            if r["kind"] == "contain_whole" and r["sub"] == "verbatim":
                src = rel.gen.paragraphs(by_id[r["b"]]["text"])
                assert _norm(rel.join_paras(src)) in _norm(by_id[r["a"]]["text"])
                text = by_id[r["a"]]["text"]
                start = text.index(src[0][0])
                if r["placement"] == "middle":
                    assert start > 0 and not text.endswith(src[-1][-1]), "host before and after"
                else:
                    assert start == 0
        for r in labels:
            if r["kind"] == "syndication":
                src = rel.gen.paragraphs(by_id[r["b"]]["text"])
                copy = by_id[r["a"]]["text"]
                assert re.match(r"^[A-Z ]+(, \w+\. \d+)? \([\w ]+\) (-|--|—) ", copy)
                kept = sum(_norm(" ".join(p)) in _norm(copy) for p in src[1:])
                assert kept <= len(src) - 2, "one paragraph (not the first) dropped"
                assert "All rights reserved." in copy
        # made ids sort before and after the originals (no id tie-break signal)
        made_ids = [i for i in by_id if i not in corpus]
        assert {i[0] for i in made_ids} == {"a", "c"}
    assert not ids_by_split["dev"] & ids_by_split["test"], "splits are disjoint"


def test_non_english_one_paragraph(tiny: Path) -> None:
    for split in ("dev", "test"):
        arts, labels = _load(tiny, split)
        non_en = [a for a in arts if a.get("lang")]
        assert {a["lang"] for a in non_en} == {"zh", "ru", "ar"}
        for a in non_en:
            assert "\n" not in a["text"], a["id"]
        by_id = {a["id"]: a for a in arts}
        rows = [r for r in labels if r["kind"] == "same_template_nonen"]
        assert {r["relation"] for r in rows} == {"none", "copy"}
        for r in rows:
            if r["relation"] == "none" and not r.get("derived"):
                a, b = by_id[r["a"]]["text"], by_id[r["b"]]["text"]
                assert a != b and by_id[r["a"]]["lang"] == by_id[r["b"]]["lang"] == r["sub"]


def test_text_helpers() -> None:
    import random

    paras = [["One fine day.", "The firm said so."], ["Shares rose today.", "Analysts said no."],
             ["Last one here."]]
    before, after = rel.split_at_sentence(paras, 3)
    assert before == [["One fine day.", "The firm said so."], ["Shares rose today."]]
    assert after == [["Analysts said no."], ["Last one here."]]
    assert rel.first_sentences(paras, 1) == [["One fine day."]]
    edited, n = rel.word_edits(paras, random.Random(1), 2)
    assert n == 2 and edited != paras and [len(p) for p in edited] == [2, 2, 1]
    noisy = rel.noisy_words(paras, random.Random(1), ["zebra"], share=0.5)
    assert sum(s.lower().count("zebra") for p in noisy for s in p) >= 5
    out, meta = rel.wire_edit(paras, random.Random(2), "Another headline")
    assert meta["dropped_paragraph"] in (1, 2)
    assert "All rights reserved." in rel.join_paras(out)


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_apertium_round_trips_are_cached(tmp_path: Path) -> None:
    mt = rel.Apertium.available(tmp_path)
    if mt is None:
        pytest.skip("no apertium pivot with both directions installed")
    segs = ["The government said profits rose.", "Shares fell sharply on Monday."]
    chain = tuple(mt.pivots[:2])
    first = mt.chains([(segs, chain), (segs[:1], chain[:1])])
    assert len(first[0]) == 2 and len(first[1]) == 1 and all(first[0])
    assert mt.translated > 0
    fresh = rel.Apertium(tmp_path, mt.pivots)
    again = fresh.chains([(segs, chain), (segs[:1], chain[:1])])
    assert again == first and fresh.translated == 0, "served from the on-disk cache"
    paras, title = rel.mt_articles(mt, [([segs, segs[:1]], "A title", chain[:1])])[0]
    assert [len(p) for p in paras] == [2, 1] and title
