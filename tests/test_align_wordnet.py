"""WordNet features of the aligner: the shipped table, morphy lemmas, synonym matching."""

from __future__ import annotations

import socket
from importlib import resources

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from dedupe_news import align
from dedupe_news.align import align_sentences, word_synsets, wordnet_lemmas, wordnet_table


def test_table_ships_with_its_licence_and_loads_without_network(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = resources.files("dedupe_news").joinpath("data")
    assert data.joinpath("wordnet_en.tsv.gz").is_file()
    licence = data.joinpath("WORDNET_LICENSE").read_text(encoding="utf-8")
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in licence

    def no_network(*_a: object, **_k: object) -> None:
        raise AssertionError("the WordNet table must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    wordnet_table.cache_clear()
    align._senses.cache_clear()
    word_synsets.cache_clear()
    lemmas, exc = wordnet_table()
    assert len(lemmas) > 15_000
    assert exc["v"]["went"] == ("go",)
    assert exc["n"]["mice"] == ("mouse",)


@pytest.mark.parametrize(("word", "lemma"), [
    ("went", ("go", "v")),         # exception list
    ("mice", ("mouse", "n")),      # exception list
    ("perishing", ("perish", "v")),  # -ing rule
    ("foxes", ("fox", "n")),       # -xes rule
    ("spied", ("spy", "v")),       # exception list (no rule gives "spy")
    ("beast", ("beast", "n")),     # the word itself
])
def test_morphy_lemmas(word: str, lemma: tuple[str, str]) -> None:
    assert lemma in wordnet_lemmas(word)


def test_unknown_and_function_words_have_no_synsets() -> None:
    assert word_synsets("the") == ()
    assert word_synsets("zzqx") == ()
    assert word_synsets("und") == ()


def test_synonyms_share_a_synset() -> None:
    assert set(word_synsets("beast")) & set(word_synsets("creature"))
    assert set(word_synsets("perished")) & set(word_synsets("died"))
    assert set(word_synsets("went")) & set(word_synsets("goes"))
    assert not set(word_synsets("beast")) & set(word_synsets("vine"))


def test_synonym_sentences_link_only_with_wordnet() -> None:
    a = ["The beast perished.", "Grapes hung high on the vine."]
    b = ["The creature died.", "Grapes hung on a high vine."]
    plain = align_sentences(a, b, threshold=0.1, syn_weight=0.0)
    assert plain.links() == {(1, 1)}
    wn = align_sentences(a, b, threshold=0.1)
    assert wn.links() == {(0, 0), (1, 1)}
    assert wn.settings["syn_weight"] == align.SYN_WEIGHT > 0


def test_german_text_is_unaffected_by_missing_synsets() -> None:
    a = ["Der Hund bellt laut im Garten.", "Die Katze schläft auf dem Sofa."]
    b = ["Im Garten bellt der Hund.", "Auf dem Sofa schläft die Katze."]
    assert align_sentences(a, b).links() == {(0, 0), (1, 1)}


def test_char_vectors_equal_sklearn_char_wb() -> None:
    import numpy as np
    from scipy import sparse

    docs = ["An Ass found a Lion's Skin, and dressed himself up in it.", "a\tb  c\n d", "Ab",
            "", "  x  ", "Übergrößen-Maßstäbe — straße.", "The Ass, the ass and THE ASS."]
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=align.CHAR_NGRAMS, norm=None)
    x_ref = ref.fit_transform(docs)
    vec = align._CharTfidf(np, sparse)
    x = vec.fit_transform(docs)
    assert x.shape == x_ref.shape
    assert np.allclose((x @ x.T).toarray(), (x_ref @ x_ref.T).toarray())
    assert np.allclose(np.sort(vec.idf_), np.sort(ref.idf_))
    with pytest.raises(ValueError):
        align._CharTfidf(np, sparse).fit_transform(["", "  "])
