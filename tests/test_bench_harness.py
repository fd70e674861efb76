"""The issue-2 benchmark harness: labels are consistent and the scorer counts pairs right.

No timing assertions: these check the generator's bookkeeping and the metric arithmetic only.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402
import make_cluster_dev as gen  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _common.CORPUS.exists():
        pytest.skip(f"corpus not found at {_common.CORPUS}")
    out = tmp_path_factory.mktemp("bench")
    gen.generate(["dev", "test"], n_sources=6, seed=5, data_dir=out, limit=300)
    return out


def _load(out: Path, split: str) -> tuple[list[dict], list[dict]]:
    a_path, l_path, _ = gen.paths(split, out)
    return list(_common.read_jsonl(a_path)), list(_common.read_jsonl(l_path))


def test_labels_consistent(tiny: Path) -> None:
    ids_by_split = {}
    for split in ("dev", "test"):
        arts, labels = _load(tiny, split)
        ids = [a["id"] for a in arts]
        assert len(ids) == len(set(ids)), "article ids are unique"
        ids_by_split[split] = set(ids)
        for r in labels:
            assert r["a"] in ids_by_split[split] and r["b"] in ids_by_split[split], r
            assert r["relation"] in {"copy", "partial", "same_story", "same_topic"}
        copies = [r for r in labels if r["relation"] == "copy" and r["variant"] in gen.VARIANTS]
        assert {r["variant"] for r in copies} == set(gen.VARIANTS), "every variant kind present"
        assert len(copies) == 12
        sources = {r["b"] for r in copies}
        assert not sources & {r["a"] for r in copies}, "a source is never itself a copy"
        gold = gen.gold_partition(arts, labels)
        for r in labels:
            if r["relation"] in gen.NEGATIVE_RELATIONS:
                assert gold[r["a"]] != gold[r["b"]], r
        meta = json.loads(gen.paths(split, tiny)[2].read_text())
        assert meta["copies"] == 12 and meta["seed"] == 5
    assert not ids_by_split["dev"] & ids_by_split["test"], "splits are disjoint"


def test_generator_is_deterministic(tiny: Path, tmp_path: Path) -> None:
    gen.generate(["dev"], n_sources=6, seed=5, data_dir=tmp_path, limit=300)
    for i in (0, 1):
        assert gen.paths("dev", tmp_path)[i].read_bytes() == gen.paths("dev", tiny)[i].read_bytes()


def test_noise_functions_keep_text_recognisable() -> None:
    rng = random.Random(1)
    src = ("The firm said profits rose 5% to £3m in the UK.\n"
           "Analysts expected a fall, according to Mr Estevez of the Bank of England.")
    mt, _ = gen.mt_text(src, rng, "heavy")
    assert mt != src and "\n" in mt
    assert gen.glue(src).count("\n") == 0
    cut, kept = gen.truncate(src, rng)
    assert src.startswith(cut) and 0 < kept <= 1


def test_scorer_known_values() -> None:
    # gold: {a, b, c} and {d, e}; f singleton -> 3 + 1 = 4 gold pairs
    gold = {"a": "A", "b": "A", "c": "A", "d": "D", "e": "D", "f": "F"}
    # pred: {a, b}, {c}, {d, e, f} -> pairs ab (tp), de (tp), df (fp), ef (fp)
    pred = {"a": "1", "b": "1", "c": "2", "d": "3", "e": "3", "f": "3"}
    copy_rows = [{"a": "b", "b": "a", "variant": "mt"}, {"a": "c", "b": "a", "variant": "mt"},
                 {"a": "e", "b": "d", "variant": "truncate"}]
    negs = [{"a": "f", "b": "d", "relation": "same_story"},
            {"a": "a", "b": "f", "relation": "same_story"}]
    s = _common.score_clusters(pred, gold, copy_rows, negs)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 2)
    assert s["precision"] == pytest.approx(0.5)
    assert s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(0.5)
    assert s["variant_recall"]["mt"]["recall"] == pytest.approx(0.5)
    assert s["variant_recall"]["truncate"]["recall"] == pytest.approx(1.0)
    assert s["false_merge_rate"] == pytest.approx(0.5)
    # an ambiguous (ignored) pair is not a false positive
    s2 = _common.score_clusters(pred, gold, copy_rows, negs, ignore_pairs=[("d", "f")])
    assert (s2["tp"], s2["fp"]) == (2, 1)
    assert s2["precision"] == pytest.approx(2 / 3)
    perfect = _common.score_clusters(gold, gold, copy_rows, [])
    assert perfect["f1"] == 1.0 and perfect["ari"] == pytest.approx(1.0)


def test_baseline_groups_exact_copies() -> None:
    text = " ".join(f"word{i}" for i in range(60))
    other = " ".join(f"other{i}" for i in range(60))
    pred, _ = _common.baseline_cluster([("x", text), ("y", text), ("z", other)], 0.8)
    assert pred["x"] == pred["y"] != pred["z"]


def test_speed_ratio_where_the_plain_pipeline_was_skipped(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    import bench_cluster

    def row(size: int, tool: str, secs: float) -> dict:
        return {"size": size, "tool": tool, "seconds": secs, "docs_per_s": size / secs,
                "exit": 0, "peak_rss_mb": 1.0, "tree_rss_mb": 1.0}

    results = [row(10_000, "dedupe-news", 5.0), row(10_000, "datasketch@0.8", 8.0),
               row(100_000, "dedupe-news", 10.0), row(100_000, "datasketch@0.8", 80.0),
               row(1_000_000, "dedupe-news", 50.0)]
    bench_cluster.add_ratios(results)
    assert [r["speedup_vs_baseline"] for r in results] == [1.6, 1.0, 8.0, 1.0, None]
    assert results[4]["speedup_vs_baseline_rate"] == 16.0  # 20,000/s over 100k's 1,250/s
    assert results[4]["baseline_rate_from_size"] == 100_000
    assert all("speedup_vs_baseline_rate" not in r for r in results[:4])
    bench_cluster.print_table({"results": results})
    out = capsys.readouterr().out
    assert "16.00*" in out and "at 100,000 articles" in out
