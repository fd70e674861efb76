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
    # Threshold 0.08: the two short sentences share only "the" (character n-grams no longer
    # see the "d." that ended both), so WordNet alone lifts them to about 0.1.
    a = ["The beast perished.", "Grapes hung high on the vine."]
    b = ["The creature died.", "Grapes hung on a high vine."]
    plain = align_sentences(a, b, threshold=0.08, syn_weight=0.0)
    assert plain.links() == {(1, 1)}
    wn = align_sentences(a, b, threshold=0.08)
    assert wn.links() == {(0, 0), (1, 1)}
    assert wn.settings["syn_weight"] == align.SYN_WEIGHT > 0


def test_german_text_is_unaffected_by_missing_synsets() -> None:
    a = ["Der Hund bellt laut im Garten.", "Die Katze schläft auf dem Sofa."]
    b = ["Im Garten bellt der Hund.", "Auf dem Sofa schläft die Katze."]
    assert align_sentences(a, b).links() == {(0, 0), (1, 1)}


def test_char_vectors_equal_sklearn_char_wb() -> None:
    """sklearn's char_wb on the text with everything but letters and digits turned into
    spaces (punctuation and ``_italics_`` marks add no n-grams)."""
    import re

    import numpy as np
    from scipy import sparse

    docs = ["An Ass found a Lion's Skin, and dressed himself up in it.", "a\tb  c\n d", "Ab",
            "", "  x  ", "Übergrößen-Maßstäbe — straße.", "The Ass, the ass and THE ASS.",
            "_It is the water._ said he; \"water,\" said she"]
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=align.CHAR_NGRAMS, norm=None)
    x_ref = ref.fit_transform([" ".join(re.findall(r"[^\W_]+", d)) for d in docs])
    vec = align._CharTfidf(np, sparse)
    x = vec.fit_transform(docs)
    assert x.shape == x_ref.shape
    assert np.allclose((x @ x.T).toarray(), (x_ref @ x_ref.T).toarray())
    assert np.allclose(np.sort(vec.idf_), np.sort(ref.idf_))
    with pytest.raises(ValueError):
        align._CharTfidf(np, sparse).fit_transform(["", "  "])


def test_word_vectors_are_sklearns_bit_for_bit() -> None:
    """The word block is exactly sklearn's ``TfidfVectorizer`` matrix: same columns (sorted
    vocabulary), same values and the same order of entries in each row, so every product
    downstream sums the same floats (alignments unchanged by the faster counting)."""
    import numpy as np
    from scipy import sparse

    docs = ["An Ass found a Lion's Skin, and dressed himself up in it.", "the THE The the",
            "", "  ", "Übergrößen-Maßstäbe — straße 1,000 x_y", "Zebra apple zebra Apple 2 10",
            "_It is the water._ said he; \"water,\" said she", "ıİ ß ǅ ﬁ 𝔘"]
    ref = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", sublinear_tf=True, norm=None,
                          dtype=np.float64)
    x_ref = ref.fit_transform(docs)
    vec = align._WordTfidf(np, sparse)
    x = vec.fit_transform(docs)
    assert list(vec.get_feature_names_out()) == list(ref.get_feature_names_out())
    assert np.array_equal(x.indptr, x_ref.indptr)
    assert np.array_equal(x.indices, x_ref.indices)
    assert np.array_equal(x.data, x_ref.data)
    assert np.array_equal(vec.idf_, ref.idf_)
    with pytest.raises(ValueError):
        align._WordTfidf(np, sparse).fit_transform(["", " ,. "])


def test_run_together_words_are_split_for_english_pairs() -> None:
    """Words glued by a lost line break ("thewater") are read as their two words; real words,
    compounds WordNet knows and inflections with a doubled consonant stay whole; text that is
    not English is left alone (the frequency list is English)."""
    a = ["The Crow dropped pebbles into thepitcher until thewater rose.", "Then thewater, "
         "thewater!"]
    b = ["He dropped pebbles into the pitcher, and whichever way the water rose, it stayed."]
    ua, ub = align._unjoin_pair(a, b)
    assert ua == ["The Crow dropped pebbles into the pitcher until the water rose.",
                  "Then the water, the water!"]
    assert ub == b
    for word in ("water", "lapping", "quitted", "perished", "whichever"):
        assert align._split_joined(word) == word
    assert align._split_joined("whichlived") == "which lived"
    german = ["Die Bundesregierung beschließt dasKlimaschutzgesetz.", "Der Hund schläft."]
    assert align._unjoin_pair(german, german[:1]) == (german, german[:1])
    assert (0, 0) in align_sentences(a, b).links()
