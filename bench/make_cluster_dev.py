"""Build the labelled near-duplicate benchmark for issue 2 (``dedupe-news cluster``).

From the BBC corpus (../shared/corpus/bbc-news-2004-2005.jsonl) write, per split,
``bench/data/cluster_<split>.jsonl`` (articles: id, text, title, published),
``cluster_<split>.labels.jsonl`` (pairs: a, b, relation, variant, ...) and
``cluster_<split>.meta.json`` (rules, seed, counts). Deterministic for a given ``--seed``;
runs in a few seconds, so the eval regenerates it when missing.

Split: the corpus articles are split 50/50 into dev and test by a hash of their *story
group* (articles related by shared text stay together), so no source, copy or hard negative
crosses the split. The lead tunes on dev only and reports on test.

Per split, ``--n-sources`` sampled articles each get two noisy copies; variants are dealt
round-robin so each kind has the same count:

* ``mt``: an MT-like round trip (tables below); 1/3 of them at the ``heavy`` level.
* ``drop_merge``: 10-25% of sentences dropped, some neighbours merged, some split.
* ``truncate``: the first ~40-60% of characters, cut at a sentence boundary.
* ``glued``: paragraphs glued into one block (half of them also MT'd at the normal level).
* ``boilerplate``: calls to action, a " date ..." line, a photo caption printed twice,
  copyright lines and a "See also: <another headline>" line around the text.
* ``combo``: MT (normal) + truncation + glued + boilerplate.

Corpus relations (exact rules in :func:`corpus_relations`): duplicates (``copy`` /
``corpus_dup``), contained updates (``partial``, excluded from scoring), same-story updates
(``same_story``, hard negatives); plus same-topic pairs (``same_topic``, TF-IDF neighbours that
share no passage). All the split's other articles stay in as distractors.

    .venv/bin/python bench/make_cluster_dev.py [--split dev|test|both] [--n-sources 300]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _common import (
    CORPUS,
    DATA_DIR,
    UnionFind,
    log,
    read_jsonl,
    sentences,
    stable_hash,
    word_ngrams,
    write_jsonl,
)

# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

# word -> near-synonyms an MT round trip tends to produce (lowercase; case is restored).
SYNONYMS: dict[str, tuple[str, ...]] = {
    # reporting verbs
    "said": ("stated", "declared", "indicated", "noted"),
    "says": ("states", "declares", "indicates", "notes"),
    "say": ("state", "declare", "indicate"),
    "told": ("informed", "said to"),
    "added": ("further stated", "also said"),
    "claimed": ("asserted", "alleged"),
    "claims": ("assertions", "allegations"),
    "warned": ("cautioned", "alerted"),
    "announced": ("declared", "reported", "unveiled"),
    "revealed": ("disclosed", "showed"),
    "believes": ("thinks", "considers"),
    "believe": ("think", "consider"),
    "expected": ("anticipated", "predicted"),
    "insisted": ("maintained", "affirmed"),
    "suggested": ("proposed", "indicated"),
    "confirmed": ("verified", "affirmed"),
    "denied": ("rejected", "refuted"),
    "urged": ("called on", "pressed"),
    "admitted": ("acknowledged", "conceded"),
    # business
    "buy": ("purchase", "acquire"),
    "bought": ("purchased", "acquired"),
    "sell": ("market", "offload"),
    "sold": ("marketed", "offloaded"),
    "firm": ("company", "business", "enterprise"),
    "firms": ("companies", "businesses", "enterprises"),
    "company": ("firm", "enterprise", "corporation"),
    "companies": ("firms", "enterprises", "corporations"),
    "shares": ("stocks", "securities"),
    "share": ("stock", "portion"),
    "profits": ("earnings", "gains"),
    "profit": ("earnings", "gain"),
    "rise": ("increase", "growth"),
    "rises": ("increases", "grows"),
    "rose": ("increased", "grew", "climbed"),
    "risen": ("increased", "grown"),
    "fall": ("decline", "drop", "decrease"),
    "fell": ("declined", "dropped", "decreased"),
    "falling": ("declining", "dropping"),
    "jumped": ("surged", "soared"),
    "boost": ("increase", "strengthen"),
    "cut": ("reduce", "lower"),
    "cuts": ("reductions", "decreases"),
    "deal": ("agreement", "accord", "transaction"),
    "deals": ("agreements", "transactions"),
    "bid": ("offer", "attempt"),
    "chief": ("head", "leader"),
    "boss": ("head", "director", "chief"),
    "bosses": ("heads", "directors", "executives"),
    "staff": ("employees", "personnel", "workers"),
    "workers": ("employees", "staff", "laborers"),
    "jobs": ("positions", "posts", "employment"),
    "job": ("position", "post", "employment"),
    "market": ("marketplace", "sector"),
    "markets": ("marketplaces", "exchanges"),
    "economy": ("economic system", "economic activity"),
    "growth": ("expansion", "increase"),
    "sales": ("sales figures", "turnover", "revenues"),
    "price": ("cost", "rate"),
    "prices": ("costs", "rates"),
    "costs": ("expenses", "charges"),
    "cost": ("expense", "price"),
    "money": ("funds", "cash"),
    "spending": ("expenditure", "outlays"),
    "plans": ("projects", "intentions", "proposals"),
    "plan": ("project", "proposal", "scheme"),
    "analysts": ("experts", "observers", "specialists"),
    "investors": ("shareholders", "backers"),
    "figures": ("data", "numbers", "statistics"),
    "results": ("outcomes", "figures"),
    "rate": ("level", "ratio"),
    "rates": ("levels", "ratios"),
    "quarter": ("trimester", "three-month period"),
    # politics / society
    "government": ("administration", "executive", "authorities"),
    "minister": ("secretary", "official"),
    "ministers": ("secretaries", "officials"),
    "mps": ("lawmakers", "deputies", "parliamentarians"),
    "mp": ("lawmaker", "deputy", "parliamentarian"),
    "party": ("formation", "political party"),
    "election": ("vote", "poll", "ballot"),
    "vote": ("ballot", "poll"),
    "voters": ("electors", "the electorate"),
    "leader": ("head", "chief"),
    "tory": ("conservative",),
    "tories": ("conservatives",),
    "labour": ("the labor party",),
    "campaign": ("campaigning", "drive"),
    "policy": ("policies", "strategy"),
    "law": ("legislation", "statute"),
    "laws": ("legislation", "rules"),
    "bill": ("draft law", "legislation"),
    "rules": ("regulations", "norms"),
    "proposals": ("suggestions", "plans"),
    "crisis": ("emergency", "turmoil"),
    "talks": ("negotiations", "discussions"),
    "row": ("dispute", "quarrel", "controversy"),
    "police": ("law enforcement", "the authorities"),
    "court": ("tribunal",),
    "war": ("conflict", "warfare"),
    "attack": ("assault", "offensive"),
    "attacks": ("assaults", "offensives"),
    "killed": ("slain", "murdered"),
    "country": ("nation", "state"),
    "countries": ("nations", "states"),
    "public": ("population", "citizens"),
    "people": ("persons", "individuals", "citizens"),
    "children": ("kids", "minors"),
    "report": ("study", "document"),
    "claim": ("assertion", "allegation"),
    "issue": ("matter", "question", "problem"),
    "issues": ("matters", "questions", "problems"),
    "problem": ("issue", "difficulty"),
    "problems": ("issues", "difficulties"),
    "support": ("backing", "assistance"),
    "help": ("assist", "aid"),
    "helped": ("assisted", "aided"),
    "need": ("requirement", "necessity"),
    "needs": ("requires", "necessitates"),
    "needed": ("required", "necessary"),
    "ban": ("prohibition", "interdiction"),
    "move": ("step", "measure", "decision"),
    "chance": ("opportunity", "possibility"),
    "decision": ("ruling", "choice"),
    "pressure": ("pressures", "strain"),
    "reforms": ("changes", "overhauls"),
    "trial": ("proceedings", "process"),
    # sport / entertainment
    "match": ("game", "encounter", "fixture"),
    "game": ("match", "contest"),
    "games": ("matches", "contests"),
    "win": ("victory", "triumph"),
    "won": ("gained", "obtained", "secured"),
    "beat": ("defeated", "overcame"),
    "side": ("team", "squad"),
    "team": ("squad", "side", "selection"),
    "coach": ("trainer", "manager"),
    "manager": ("coach", "head coach", "director"),
    "player": ("athlete", "footballer"),
    "players": ("athletes", "footballers"),
    "season": ("campaign", "year"),
    "title": ("championship", "crown"),
    "film": ("movie", "picture"),
    "films": ("movies", "pictures"),
    "star": ("celebrity", "actor"),
    "stars": ("celebrities", "actors"),
    "album": ("record", "disc"),
    "show": ("program", "broadcast", "programme"),
    "award": ("prize", "distinction"),
    "awards": ("prizes", "distinctions"),
    "festival": ("festivities", "event"),
    "hit": ("success", "smash"),
    "fans": ("supporters", "enthusiasts"),
    "injury": ("wound", "trauma"),
    # tech
    "mobile": ("cell", "cellular"),
    "phone": ("telephone", "handset"),
    "phones": ("telephones", "handsets"),
    "net": ("internet", "web"),
    "users": ("consumers", "customers", "clients"),
    "technology": ("technologies", "tech"),
    "software": ("programs", "applications"),
    "computer": ("PC", "machine"),
    "computers": ("PCs", "machines"),
    "website": ("site", "web portal"),
    "online": ("on the internet", "on-line"),
    "gadget": ("device", "gizmo"),
    "gadgets": ("devices", "gizmos"),
    "system": ("mechanism", "framework"),
    "systems": ("mechanisms", "frameworks"),
    "network": ("grid", "web"),
    "service": ("provision", "offering"),
    "services": ("provisions", "offerings"),
    # general verbs / adjectives / adverbs
    "make": ("produce", "create"),
    "made": ("produced", "created", "carried out"),
    "take": ("assume", "adopt"),
    "took": ("assumed", "adopted"),
    "give": ("provide", "grant"),
    "gave": ("provided", "granted"),
    "get": ("obtain", "receive"),
    "got": ("obtained", "received"),
    "shows": ("demonstrates", "indicates"),
    "showed": ("demonstrated", "indicated"),
    "start": ("beginning", "launch"),
    "started": ("began", "launched"),
    "began": ("started", "commenced"),
    "set": ("established", "fixed"),
    "keep": ("maintain", "retain"),
    "kept": ("maintained", "retained"),
    "looking": ("seeking", "aiming"),
    "seen": ("observed", "witnessed"),
    "used": ("utilized", "employed"),
    "use": ("utilize", "employ"),
    "tried": ("attempted",),
    "try": ("attempt",),
    "hopes": ("wishes", "expects"),
    "hope": ("wish", "expectation"),
    "face": ("confront", "encounter"),
    "faces": ("confronts", "encounters"),
    "called": ("named", "requested"),
    "allowed": ("permitted", "authorized"),
    "allow": ("permit", "authorize"),
    "lead": ("guide", "head"),
    "led": ("guided", "headed"),
    "big": ("large", "major", "important"),
    "biggest": ("largest", "greatest"),
    "large": ("big", "considerable"),
    "huge": ("enormous", "immense"),
    "major": ("significant", "important", "main"),
    "new": ("novel", "fresh", "recent"),
    "latest": ("most recent", "newest"),
    "key": ("essential", "crucial"),
    "main": ("principal", "primary"),
    "important": ("significant", "essential"),
    "strong": ("robust", "solid"),
    "good": ("fine", "positive"),
    "bad": ("poor", "negative"),
    "high": ("elevated",),
    "low": ("reduced", "weak"),
    "top": ("leading", "highest"),
    "former": ("ex-", "previous"),
    "recent": ("latest", "last"),
    "current": ("present", "existing"),
    "total": ("overall", "entire"),
    "likely": ("probable", "expected"),
    "early": ("initial", "premature"),
    "last": ("past", "previous"),
    "next": ("following", "coming"),
    "also": ("likewise", "as well"),
    "however": ("nevertheless", "nonetheless", "but"),
    "but": ("however", "yet"),
    "while": ("whereas", "although"),
    "because": ("since", "as"),
    "around": ("approximately", "about", "roughly"),
    "about": ("approximately", "regarding", "concerning"),
    "nearly": ("almost", "practically"),
    "almost": ("nearly", "virtually"),
    "only": ("solely", "merely"),
    "still": ("yet", "nevertheless"),
    "already": ("previously", "by now"),
    "now": ("currently", "at present"),
    "very": ("extremely", "highly"),
    "really": ("truly", "genuinely"),
    "many": ("numerous", "a lot of", "lots of"),
    "some": ("certain", "several"),
    "more": ("additional", "further"),
    "most": ("majority of", "largest part of"),
    "number": ("quantity", "amount"),
    "year": ("twelve months",),
    "week": ("seven days",),
    "time": ("period", "moment"),
    "way": ("manner", "method"),
    "part": ("portion", "section"),
    "world": ("globe", "planet"),
    "home": ("house", "residence"),
    "city": ("town", "municipality"),
    "group": ("collective", "body"),
    "body": ("organization", "organ"),
    "firmly": ("strongly", "resolutely"),
    "despite": ("in spite of", "notwithstanding"),
    "following": ("after", "in the wake of"),
    "after": ("following", "subsequent to"),
    "before": ("prior to", "ahead of"),
    "between": ("among",),
    "including": ("among them", "such as"),
    "against": ("versus", "opposed to"),
    "than": ("compared to", "compared with"),
    "if": ("whether", "in case"),
    "whether": ("if",),
    "which": ("that", "what"),
    "who": ("that", "which"),
    "could": ("might", "may"),
    "would": ("will", "should"),
    "will": ("is going to", "shall"),
    "should": ("ought to", "must"),
    "can": ("is able to", "may"),
    "must": ("has to", "need to"),
    "mr": ("Mister", "Mr."),
    "mrs": ("Madam", "Mrs."),
    "uk": ("United Kingdom", "Britain"),
    "us": ("United States", "U.S.", "USA"),
    "bbc": ("British broadcaster BBC",),
}

# Multi-word rewrites, applied as regexes before the word pass: (pattern, replacements).
PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bper cent\b", ("percent", "%")),
    (r"\baccording to\b", ("as stated by", "in the words of", "as per")),
    (r"\bas well as\b", ("and also", "in addition to")),
    (r"\bin order to\b", ("to", "so as to")),
    (r"\bat least\b", ("no less than", "a minimum of")),
    (r"\bmore than\b", ("over", "in excess of")),
    (r"\bless than\b", ("under", "below")),
    (r"\bon Monday\b", ("Monday", "this Monday")),
    (r"\bon Tuesday\b", ("Tuesday", "this Tuesday")),
    (r"\bon Wednesday\b", ("Wednesday", "this Wednesday")),
    (r"\bon Thursday\b", ("Thursday", "this Thursday")),
    (r"\bon Friday\b", ("Friday", "this Friday")),
    (r"\bon Saturday\b", ("Saturday", "this Saturday")),
    (r"\bon Sunday\b", ("Sunday", "this Sunday")),
    (r"\blast year\b", ("the previous year", "the past year")),
    (r"\bthis year\b", ("the current year", "this current year")),
    (r"\bnext year\b", ("the following year", "the coming year")),
    (r"\ba number of\b", ("several", "various")),
    (r"\bthe end of\b", ("the close of", "the conclusion of")),
    (r"\bis set to\b", ("is going to", "will")),
    (r"\bare set to\b", ("are going to", "will")),
    (r"\bhas been\b", ("was", "had been")),
    (r"\bhave been\b", ("were", "had been")),
    (r"\bit is\b", ("it's", "this is")),
    (r"\bdo not\b", ("don't",)),
    (r"\bdoes not\b", ("doesn't",)),
    (r"\bdid not\b", ("didn't",)),
    (r"\bis not\b", ("isn't",)),
    (r"\bwas not\b", ("wasn't",)),
    (r"\bwill not\b", ("won't",)),
    (r"\bcan't\b", ("cannot", "can not")),
    (r"\bwon't\b", ("will not",)),
    (r"\bdon't\b", ("do not",)),
    (r"\bisn't\b", ("is not",)),
    (r"\bdidn't\b", ("did not",)),
    (r"\bmobile phone\b", ("cell phone", "cellphone")),
    (r"\bchief executive\b", ("CEO", "managing director")),
    (r"\bprime minister\b", ("premier", "head of government")),
    (r"\bhome secretary\b", ("interior minister",)),
    (r"\bfootball\b", ("soccer",)),
    (r"\bset up\b", ("established", "created")),
    (r"\blook at\b", ("examine", "consider")),
    (r"\bpoint out\b", ("indicate", "highlight")),
    (r"\bcarry out\b", ("conduct", "perform")),
    (r"\bcarried out\b", ("conducted", "performed")),
    (r"\bgo ahead\b", ("proceed", "move forward")),
    (r"\btake part\b", ("participate",)),
    (r"\bup to\b", ("as many as", "as much as")),
)

# British -> American spelling (MT into English mostly outputs US spelling).
SPELLING: dict[str, str] = {
    "organisation": "organization", "organisations": "organizations",
    "organised": "organized", "recognise": "recognize", "recognised": "recognized",
    "realise": "realize", "realised": "realized", "criticised": "criticized",
    "criticise": "criticize", "emphasised": "emphasized", "privatisation": "privatization",
    "apologised": "apologized", "authorised": "authorized", "characterised": "characterized",
    "centre": "center", "centres": "centers", "theatre": "theater", "metre": "meter",
    "colour": "color", "favour": "favor", "favourite": "favorite", "labour": "labor",
    "honour": "honor", "behaviour": "behavior", "neighbour": "neighbor", "rumour": "rumor",
    "programme": "program", "programmes": "programs", "defence": "defense",
    "offence": "offense", "licence": "license", "travelled": "traveled",
    "cancelled": "canceled", "modelling": "modeling", "catalogue": "catalog",
    "analyse": "analyze", "analysed": "analyzed", "cheque": "check", "tyre": "tire",
    "grey": "gray", "whilst": "while", "amongst": "among", "towards": "toward",
    "learnt": "learned", "spelt": "spelled", "fulfil": "fulfill", "enrol": "enroll",
    "judgement": "judgment", "ageing": "aging", "sceptical": "skeptical",
    "mum": "mom", "flat": "apartment", "lorry": "truck", "petrol": "gasoline",
    "film-maker": "filmmaker", "film-makers": "filmmakers",
}
_ISE = re.compile(r"\b(\w{3,})is(e|ed|es|ing|ation|ations)\b")

# Prepositions MT swaps in context-free ways.
PREPOSITIONS: dict[str, tuple[str, ...]] = {
    "in": ("at", "within", "on"),
    "on": ("in", "upon", "at"),
    "at": ("in", "on"),
    "for": ("to", "towards"),
    "to": ("towards", "for"),
    "of": ("from", "of the"),
    "with": ("alongside", "together with"),
    "from": ("of", "since"),
    "by": ("through", "via"),
    "over": ("above", "across"),
    "into": ("in", "inside"),
    "under": ("below", "beneath"),
}

ARTICLES = frozenset({"the", "a", "an"})

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

# Damage left by MT or by scrapers, as the seeds show.
DAMAGE_KINDS = ("sentence_break", "doubled_word", "lowercase_fragment")

# --------------------------------------------------------------------------------------------
# MT-like round trip
# --------------------------------------------------------------------------------------------

MT_LEVELS: dict[str, dict[str, float]] = {
    # p_*: probability that an eligible word/phrase/sentence is rewritten. Calibrated on the
    # BBC corpus so that "normal" breaks ~25-45% of the source's word 5-grams (what MT round
    # trips of news do) and "heavy" ~80-85% (seeds 002 vs 004 share ~8% of word 5-grams).
    "normal": {"syn": 0.22, "phrase": 0.4, "spell": 0.9, "prep": 0.06, "art": 0.08,
               "name": 0.06, "num": 0.5, "reorder": 0.12, "damage": 0.6},
    "heavy": {"syn": 0.95, "phrase": 1.0, "spell": 1.0, "prep": 0.5, "art": 0.6,
              "name": 0.35, "num": 1.0, "reorder": 0.7, "damage": 1.0},
}

_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _match_case(src: str, repl: str) -> str:
    if src.isupper() and len(src) > 1 and repl.islower():
        return repl.upper() if len(repl) <= 4 else repl.capitalize()
    if src[:1].isupper():
        return repl[:1].upper() + repl[1:]
    return repl


def _mangle_name(word: str, rng: random.Random) -> str:
    """Slightly misspell a proper name, as transliteration does ("Estevez" -> "Esteves")."""
    rules: list[Callable[[str], str]] = [
        lambda w: w[:-1] + "s" if w.endswith("z") else w.replace("z", "s", 1),
        lambda w: re.sub(r"(\w)\1", r"\1", w, count=1),  # "Bennett" -> "Benett"
        lambda w: w.replace("ph", "f", 1),
        lambda w: w.replace("c", "k", 1) if "c" in w[1:] else w + "e",
        lambda w: w.replace("y", "i", 1) if "y" in w else w.replace("ie", "y", 1),
        lambda w: w.replace("w", "v", 1) if "w" in w[1:] else w[:-1] + w[-1] * 2,
    ]
    for _ in range(3):
        out = rng.choice(rules)(word)
        if out != word:
            return out
    return word


_MONEY = re.compile(r"([£$€])(\d+(?:[.,]\d+)?)(bn|m|k)?\b")
_CURRENCY = {"£": "pounds", "$": "dollars", "€": "euros"}
_SCALE = {"bn": "billion", "m": "million", "k": "thousand"}
_PCT = re.compile(r"(\d+(?:\.\d+)?)%")
_THOUSANDS = re.compile(r"\b(\d{1,3}),(\d{3})\b")


def _numbers(text: str, rng: random.Random, p: float) -> str:
    def money(m: re.Match[str]) -> str:
        if rng.random() >= p:
            return m.group(0)
        cur, amount, scale = m.group(1), m.group(2), m.group(3)
        words_scale = f" {_SCALE[scale]}" if scale else ""
        if rng.random() < 0.5:
            return f"{amount}{words_scale} {_CURRENCY[cur]}"
        code = {"£": "GBP", "$": "USD", "€": "EUR"}[cur]
        return f"{code} {amount}{words_scale}"

    def pct(m: re.Match[str]) -> str:
        if rng.random() >= p:
            return m.group(0)
        return f"{m.group(1)} percent" if rng.random() < 0.6 else f"{m.group(1)} %"

    def thousands(m: re.Match[str]) -> str:
        if rng.random() >= p:
            return m.group(0)
        return f"{m.group(1)} {m.group(2)}" if rng.random() < 0.5 else m.group(1) + m.group(2)

    text = _MONEY.sub(money, text)
    text = _PCT.sub(pct, text)
    return _THOUSANDS.sub(thousands, text)


def _reorder(sentence: str, rng: random.Random) -> str:
    """Small clause reorderings: reported speech flipped, a time phrase fronted, comma swap."""
    s = sentence.rstrip()
    end = s[-1] if s and s[-1] in ".!?" else ""
    body = s[:-1] if end else s
    m = re.match(r"^(.{20,}), (said|says|according to) (.{3,60})$", body)
    if m:
        clause, verb, who = m.groups()
        clause = clause.strip("\"'“”")
        if verb == "according to":
            return f"According to {who}, {clause[:1].lower() + clause[1:]}{end}"
        return f"{who[:1].upper() + who[1:]} {verb} that {clause[:1].lower() + clause[1:]}{end}"
    m = re.match(r"^(.{20,}) (on|last|this|in) (Monday|Tuesday|Wednesday|Thursday|Friday|"
                 r"Saturday|Sunday|week|month|year|January|February|March|April|May|June|"
                 r"July|August|September|October|November|December)(.*)$", body)
    if m and not m.group(4).strip():
        head, prep, when, _ = m.groups()
        return f"{prep.capitalize()} {when}, {head[:1].lower() + head[1:]}{end}"
    parts = body.split(", ", 1)
    if len(parts) == 2 and len(parts[0].split()) >= 4 and len(parts[1].split()) >= 4:
        a, b = parts
        return f"{b[:1].upper() + b[1:]}, {a[:1].lower() + a[1:] if not _is_name(a) else a}{end}"
    return sentence


def _is_name(fragment: str) -> bool:
    first = fragment.split(" ", 1)[0]
    return first[:1].isupper() and first.lower() not in SYNONYMS and first.lower() not in {
        "the", "a", "an", "in", "on", "at", "but", "and", "he", "she", "it", "they", "we",
        "i", "this", "that", "there", "its", "his", "her", "their", "our", "for", "mr"}


def mt_sentence(sentence: str, rng: random.Random, p: dict[str, float]) -> str:
    """One MT-like round trip of one sentence."""
    s = sentence
    if rng.random() < p["reorder"]:
        s = _reorder(s, rng)
    for pattern, repls in PHRASES:
        if rng.random() < p["phrase"]:
            s = re.sub(pattern, lambda m, r=repls: _match_case(m.group(0), rng.choice(r)), s,
                       flags=re.IGNORECASE)
    s = _numbers(s, rng, p["num"])
    s = _ISE.sub(lambda m: m.group(1) + "iz" + m.group(2) if rng.random() < p["spell"]
                 else m.group(0), s)

    tokens = list(_TOKEN.finditer(s))
    out: list[str] = []
    pos = 0
    cap_next = False  # an article dropped at sentence start: capitalise the next word
    for i, m in enumerate(tokens):
        out.append(s[pos : m.start()])
        pos = m.end()
        w = m.group(0)
        lw = w.lower()
        new = w
        r = rng.random()
        if lw in SPELLING and r < p["spell"]:
            new = _match_case(w, SPELLING[lw])
        elif lw in ARTICLES and r < p["art"]:
            # MT drops or swaps articles: "the" <-> "a" <-> nothing
            choice = rng.choice(("", "", "the", "a"))
            if choice:
                new = _match_case(w, choice)
            else:
                new = ""
                if pos < len(s) and s[pos] == " ":
                    pos += 1  # and the space after it
                cap_next = cap_next or i == 0
        elif lw in PREPOSITIONS and r < p["prep"]:
            new = _match_case(w, rng.choice(PREPOSITIONS[lw]))
        elif lw in SYNONYMS and r < p["syn"] and (lw != "us" or w == "US"):
            new = _match_case(w, rng.choice(SYNONYMS[lw]))
        elif (w[:1].isupper() and i > 0 and len(w) >= 5 and lw not in SYNONYMS
              and w not in _MONTHS and r < p["name"]):
            new = _mangle_name(w, rng)
        if cap_next and new:
            new = new[:1].upper() + new[1:]
            cap_next = False
        out.append(new)
    out.append(s[pos:])
    return "".join(out)


def damage(text: str, rng: random.Random) -> tuple[str, str]:
    """Leave one piece of MT/scraper damage; returns (text, damage kind)."""
    kind = rng.choice(DAMAGE_KINDS)
    if kind == "sentence_break":
        # "war against Russia. Ukraine": a full stop before a capitalised word mid-sentence
        caps = [m for m in re.finditer(r"(?<=[a-z]) (?=[A-Z][a-z]{2,})", text)]
        if caps:
            m = rng.choice(caps)
            return text[: m.start()] + "." + text[m.start() :], kind
        kind = "doubled_word"
    if kind == "doubled_word":
        ws = [m for m in re.finditer(r"\b[a-z]{2,}\b", text)]
        if ws:
            m = rng.choice(ws)
            return text[: m.end()] + " " + m.group(0) + text[m.end() :], kind
        kind = "lowercase_fragment"
    # lowercase fragment: a sentence that starts in lower case
    starts = [m for m in re.finditer(r"(?<=[.!?] )[A-Z](?=[a-z])", text)]
    if starts:
        m = rng.choice(starts)
        return text[: m.start()] + m.group(0).lower() + text[m.end() :], "lowercase_fragment"
    return text, "none"


# --------------------------------------------------------------------------------------------
# Structure: sentences and paragraphs
# --------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+(?=[\"'“‘(]?[A-Z0-9])")


def split_paragraph(par: str) -> list[str]:
    return [s for s in _SPLIT.split(par.strip()) if s]


def paragraphs(text: str) -> list[list[str]]:
    return [split_paragraph(p) for p in text.split("\n") if p.strip()]


def join(pars: list[list[str]], sep: str = "\n") -> str:
    return sep.join(" ".join(p) for p in pars if p)


def mt_text(text: str, rng: random.Random, level: str) -> tuple[str, list[str]]:
    p = MT_LEVELS[level]
    pars = [[mt_sentence(s, rng, p) for s in par] for par in paragraphs(text)]
    out = join(pars)
    damages = []
    n_damage = 1 + (rng.random() < p["damage"]) + (level == "heavy")
    for _ in range(n_damage):
        if rng.random() < p["damage"]:
            out, kind = damage(out, rng)
            damages.append(kind)
    return out, damages


def drop_merge(text: str, rng: random.Random) -> tuple[str, dict[str, int]]:
    """Drop 10-25% of sentences, merge some neighbours, split some long sentences."""
    pars = paragraphs(text)
    n = sum(len(p) for p in pars)
    drop_p = rng.uniform(0.10, 0.25)
    stats = {"dropped": 0, "merged": 0, "split": 0}
    out: list[list[str]] = []
    for par in pars:
        kept = []
        for s in par:
            if n - stats["dropped"] > 3 and rng.random() < drop_p:
                stats["dropped"] += 1
                continue
            kept.append(s)
        merged: list[str] = []
        for s in kept:
            if merged and rng.random() < 0.2 and merged[-1].endswith("."):
                joiner = rng.choice((", and ", "; ", ", while ", " and "))
                merged[-1] = merged[-1][:-1] + joiner + s[:1].lower() + s[1:]
                stats["merged"] += 1
            elif rng.random() < 0.15 and ", " in s and len(s.split()) > 16:
                a, b = s.split(", ", 1)
                merged.extend([a + ".", b[:1].upper() + b[1:]])
                stats["split"] += 1
            else:
                merged.append(s)
        if merged:
            out.append(merged)
    return join(out), stats


def truncate_paragraphs(pars: list[list[str]], rng: random.Random
                        ) -> tuple[list[list[str]], int, float]:
    """The first ~40-60% of characters, cut at a sentence boundary: (paragraphs kept,
    sentences kept, share of characters kept)."""
    total = sum(len(s) + 1 for p in pars for s in p)
    target = total * rng.uniform(0.4, 0.6)
    out: list[list[str]] = []
    used = kept = 0
    for par in pars:
        cur: list[str] = []
        for s in par:
            if used >= target and (cur or out):
                break
            cur.append(s)
            used += len(s) + 1
            kept += 1
        if cur:
            out.append(cur)
        if used >= target:
            break
    return out, kept, used / total if total else 1.0


def truncate(text: str, rng: random.Random) -> tuple[str, float]:
    """Keep the first ~40-60% of characters, cut at a sentence boundary."""
    out, _, share = truncate_paragraphs(paragraphs(text), rng)
    return join(out), share


def glue(text: str) -> str:
    """Paragraphs glued into one block: newlines become single spaces."""
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


# --------------------------------------------------------------------------------------------
# Boilerplate
# --------------------------------------------------------------------------------------------

TOP_LINES = (
    "Subscribe", "Subscribe to our newsletter", "Sign in", "Follow us on Twitter",
    "Share this article", "Advertisement", "Listen to this article", "Menu",
    "Follow us on Facebook and Instagram", "Home | News | World | Business",
)
BOTTOM_LINES = (
    "© 2024 The Daily Courier. All rights reserved.",
    "Copyright 2024 Tribune Content Agency, LLC.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Sign up for our daily newsletter to get the latest headlines.",
    "Follow us on Twitter, Facebook and Telegram for the latest news.",
    "Share this: Facebook Twitter WhatsApp Email",
    "Distributed by Tribune Content Agency, LLC.",
    "Read more: Subscribe for full access",
    "Comments are closed.",
)
CAPTION_CREDITS = ("(Photo: Reuters)", "(AFP via Getty Images)", "(AP Photo/File)",
                   "(Getty Images)", "(PA Media)")


def boilerplate(text: str, rng: random.Random, title: str, other_title: str,
                published: str) -> tuple[str, list[str]]:
    """Wrap ``text`` in site furniture; returns the new text and the kinds added."""
    added: list[str] = []
    top = rng.sample(TOP_LINES, rng.randint(1, 2))
    added.append("top_cta")
    date = published[:10] if published else "2024-04-13"
    head = [*top]
    if rng.random() < 0.7:
        head.insert(0, f" date {date} ")
        added.append("date_meta")
    caption = f"{title}, pictured in a file photo."
    if rng.random() < 0.7:
        credit = rng.choice(CAPTION_CREDITS)
        head += ["", caption, "", f"{caption} {credit}", ""]
        added.append("caption_twice")
    tail = ["", *rng.sample(BOTTOM_LINES, rng.randint(1, 3))]
    added.append("bottom_legal")
    if rng.random() < 0.8:
        tail.insert(1, f"See also: {other_title}")
        added.append("see_also")
    return "\n".join([*head, text, *tail]), added


# --------------------------------------------------------------------------------------------
# Corpus relations: exact/near-exact duplicates, contained updates, same-story updates
# --------------------------------------------------------------------------------------------

# Label rules (documented in the meta file and the module docstring):
COPY_MIN_SENT_SHARE = 0.8  # corpus_dup: >= 80% of EACH article's sentences occur in the other
SAME_STORY_MIN_CONTAINMENT = 0.1  # same_story: share >= 10% of the shorter one's word 5-grams
TOPIC_MIN_COSINE = 0.35  # same_topic: TF-IDF cosine >= 0.35, same category ...
TOPIC_MAX_CONTAINMENT = 0.02  # ... and (almost) no shared word 5-grams
TOPIC_PAIRS_PER_SPLIT = 200


def corpus_relations(arts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs of corpus articles that share text, labelled by the sentence-share rule.

    Candidates: pairs sharing a word 5-gram that occurs in fewer than 20 articles (an
    inverted index, so no all-pairs loop). For each, ``share_a`` / ``share_b`` = fraction of
    A's / B's sentences (>= 4 words, lowercased tokens) that occur in the other verbatim or
    lightly edited (word-set Jaccard >= 0.7 with one of its sentences).

    * ``copy`` (variant ``corpus_dup``): min(share_a, share_b) >= 0.8.
    * ``partial`` (variant ``corpus_contained``): one side >= 0.8, the other < 0.8 - an
      article wholly reused inside a longer update. Ambiguous for "copy", so excluded from
      scoring (a merge counts neither as a hit nor as a false positive).
    * ``same_story`` (variant ``corpus_update``): both shares < 0.8 but the pair shares
      >= 10% of the shorter article's word 5-grams - an updated version of the story that
      reuses passages. A hard negative: it must not be called a copy.
    """
    sh = [word_ngrams(a["text"]) for a in arts]
    sents = [set(sentences(a["text"])) for a in arts]
    inv: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sh):
        for g in s:
            inv[g].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for posting in inv.values():
        if 1 < len(posting) < 20:
            for a, b in itertools.combinations(posting, 2):
                shared[(a, b)] += 1
    rows = []
    for (a, b), c in sorted(shared.items()):
        cont = c / max(1, min(len(sh[a]), len(sh[b])))
        if cont < SAME_STORY_MIN_CONTAINMENT:
            continue  # too little shared text for any label (a copy shares far more)
        jac = c / max(1, len(sh[a] | sh[b]))
        sa = _sentence_share(sents[a], sents[b])
        sb = _sentence_share(sents[b], sents[a])
        base = {"a": arts[a]["id"], "b": arts[b]["id"], "jaccard5": round(jac, 3),
                "containment5": round(cont, 3), "sent_share_a": round(sa, 3),
                "sent_share_b": round(sb, 3)}
        if min(sa, sb) >= COPY_MIN_SENT_SHARE:
            rows.append({**base, "relation": "copy", "variant": "corpus_dup"})
        elif max(sa, sb) >= COPY_MIN_SENT_SHARE:
            rows.append({**base, "relation": "partial", "variant": "corpus_contained"})
        elif cont >= SAME_STORY_MIN_CONTAINMENT:
            rows.append({**base, "relation": "same_story", "variant": "corpus_update"})
    return rows


SENTENCE_MATCH_JACCARD = 0.7  # a sentence is "shared" if a sentence of the other article has
# word-set Jaccard >= 0.7 with it: verbatim or lightly edited ("fewer" -> "less" still counts).


def _sentence_share(mine: set[str], other: set[str]) -> float:
    """Share of ``mine`` (normalised sentences) that occur, verbatim or lightly edited, in
    ``other``."""
    if not mine:
        return 0.0
    other_sets = [set(t.split()) for t in other]
    hit = 0
    for sent in mine:
        if sent in other:
            hit += 1
            continue
        ws = set(sent.split())
        if any(len(ws & o) >= SENTENCE_MATCH_JACCARD * len(ws | o) for o in other_sets):
            hit += 1
    return hit / len(mine)


def split_of(arts: list[dict[str, Any]], relations: list[dict[str, Any]],
             dev_share: float = 0.5) -> dict[str, str]:
    """dev/test by a hash of each *story group* (related articles stay in one split).

    A group is a connected component of the corpus relations; its key is its smallest id, so
    an unrelated article is split by the hash of its own id.
    """
    uf = UnionFind()
    for a in arts:
        uf.find(a["id"])
    for r in relations:
        uf.union(r["a"], r["b"])
    out = {}
    for a in arts:
        h = stable_hash("split:" + uf.find(a["id"])) / 2**64
        out[a["id"]] = "dev" if h < dev_share else "test"
    return out


def same_topic_pairs(arts: list[dict[str, Any]], related: set[frozenset[str]],
                     limit: int) -> list[dict[str, Any]]:
    """Different articles on the same topic: high TF-IDF cosine, no shared passages."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(arts) < 2:
        return []
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2)
    x = vec.fit_transform([a["text"] for a in arts])
    sim = (x @ x.T).tocoo()
    sh = [word_ngrams(a["text"]) for a in arts]
    cands = []
    for i, j, v in zip(sim.row, sim.col, sim.data, strict=True):
        if i >= j or v < TOPIC_MIN_COSINE:
            continue
        a, b = arts[i], arts[j]
        if a.get("category") != b.get("category") or frozenset((a["id"], b["id"])) in related:
            continue
        cont = len(sh[i] & sh[j]) / max(1, min(len(sh[i]), len(sh[j])))
        if cont <= TOPIC_MAX_CONTAINMENT:
            cands.append((-float(v), a["id"], b["id"], cont))
    cands.sort()
    return [{"a": a, "b": b, "relation": "same_topic", "variant": "tfidf_topic",
             "cosine": round(-v, 3), "containment5": round(c, 3)}
            for v, a, b, c in cands[:limit]]


# --------------------------------------------------------------------------------------------
# Copies
# --------------------------------------------------------------------------------------------

VARIANTS = ("mt", "drop_merge", "truncate", "glued", "boilerplate", "combo")
HEAVY_MT_SHARE = 1 / 3  # share of `mt` copies at the heavy level


def make_copy(src: dict[str, Any], kind: str, rng: random.Random, other_title: str,
              published: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One noisy copy of ``src``: (article fields, label metadata)."""
    text = src["text"]
    title = src.get("title") or ""
    meta: dict[str, Any] = {}

    def do_mt(level: str) -> None:
        nonlocal text, title
        text, dmg = mt_text(text, rng, level)
        title = mt_sentence(title, rng, MT_LEVELS[level]) if title else title
        meta["mt_level"] = level
        meta["damage"] = dmg

    if kind == "mt":
        do_mt("heavy" if rng.random() < HEAVY_MT_SHARE else "normal")
    elif kind == "drop_merge":
        text, meta["edits"] = drop_merge(text, rng)
    elif kind == "truncate":
        text, meta["kept_chars"] = truncate(text, rng)
        meta["kept_chars"] = round(meta["kept_chars"], 3)
    elif kind == "glued":
        if rng.random() < 0.5:
            do_mt("normal")
        text = glue(text)
    elif kind == "boilerplate":
        text, meta["boilerplate"] = boilerplate(text, rng, title, other_title, published)
    elif kind == "combo":
        do_mt("normal")
        text, kept = truncate(text, rng)
        meta["kept_chars"] = round(kept, 3)
        text = glue(text)
        text, meta["boilerplate"] = boilerplate(text, rng, title, other_title, published)
    else:
        raise ValueError(f"unknown variant {kind!r}; choose from {', '.join(VARIANTS)}")
    src_sh = word_ngrams(src["text"])
    meta["kept_5grams"] = round(len(src_sh & word_ngrams(text)) / max(1, len(src_sh)), 3)
    return {"text": text, "title": title or None, "published": published}, meta


def split_articles(split: str, corpus: list[dict[str, Any]], relations: list[dict[str, Any]],
                   splits: dict[str, str]
                   ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]],
                              list[dict[str, Any]], list[dict[str, Any]]]:
    """One split's articles (list and by id), its corpus relations and same-topic pairs."""
    arts = [a for a in corpus if splits[a["id"]] == split]
    by_id = {a["id"]: a for a in arts}
    rel = [r for r in relations if r["a"] in by_id]
    related = {frozenset((r["a"], r["b"])) for r in rel}
    return arts, by_id, rel, same_topic_pairs(arts, related, TOPIC_PAIRS_PER_SPLIT)


def build_split(split: str, corpus: list[dict[str, Any]], relations: list[dict[str, Any]],
                splits: dict[str, str], n_sources: int, seed: int,
                copies_per_source: int = 2) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                     dict[str, Any]]:
    """Articles, label rows and stats of one split."""
    rng = random.Random(f"{seed}:{split}")
    arts, by_id, rel, topic = split_articles(split, corpus, relations, splits)

    sources = sorted(rng.sample(sorted(by_id), min(n_sources, len(by_id))))
    kinds = [VARIANTS[i % len(VARIANTS)] for i in range(len(sources) * copies_per_source)]
    rng.shuffle(kinds)
    out_arts = [{"id": a["id"], "text": a["text"], "title": a.get("title"),
                 "published": a.get("published")} for a in arts]
    labels: list[dict[str, Any]] = []
    copies_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    titles = [a.get("title") or "" for a in arts]
    k = 0
    for src_id in sources:
        src = by_id[src_id]
        for n in range(copies_per_source):
            kind = kinds[k]
            k += 1
            cid = "x" + hashlib.sha1(f"{seed}:{src_id}:{n}:{kind}".encode()).hexdigest()[:12]
            day = rng.randint(1, 365)
            published = (date(2005, 1, 1) + timedelta(days=day)).isoformat()
            other = rng.choice(titles)
            fields, meta = make_copy(src, kind, rng, other, published)
            out_arts.append({"id": cid, **fields})
            labels.append({"a": cid, "b": src_id, "relation": "copy", "variant": kind, **meta})
            copies_of[src_id].append((cid, kind))
    labels.extend(relation_labels(rel, topic, copies_of))
    rng.shuffle(out_arts)
    gold = check_negatives(out_arts, labels)
    kept: dict[str, list[float]] = defaultdict(list)
    for r in labels:
        if r["relation"] == "copy" and "kept_5grams" in r:
            kept[r["variant"] + ("/" + r["mt_level"] if r.get("mt_level") else "")].append(
                r["kept_5grams"])
    stats = {
        "articles": len(out_arts),
        "corpus_articles": len(arts),
        "sources": len(sources),
        "copies": len(out_arts) - len(arts),
        "labels": dict(sorted(Counter(
            r["relation"] + ":" + r["variant"] + (":derived" if r.get("derived") else "")
            for r in labels).items())),
        "kept_5grams_mean": {k: round(sum(v) / len(v), 3) for k, v in sorted(kept.items())},
        "gold_clusters_gt1": sum(1 for c in Counter(gold.values()).values() if c > 1),
    }
    return out_arts, labels, stats


NEGATIVE_RELATIONS = ("same_story", "same_topic")


def relation_labels(rel: list[dict[str, Any]], topic: list[dict[str, Any]],
                    copies_of: dict[str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """Label rows from the corpus relations: its copies, then hard negatives and ambiguous
    pairs, each followed by the same relation between a copy of one side and the other side
    ("derived": the copy inherits its source's relation)."""
    out = [r for r in rel if r["relation"] == "copy"]
    for r in [*rel, *topic]:
        if r["relation"] == "copy":
            continue
        out.append(r)
        for x, y in ((r["a"], r["b"]), (r["b"], r["a"])):
            for cid, kind in copies_of.get(x, []):
                out.append({"a": cid, "b": y, "relation": r["relation"],
                            "variant": r["variant"], "derived": True, "copy_variant": kind})
    return out


def check_negatives(arts: list[dict[str, Any]], labels: list[dict[str, Any]]
                    ) -> dict[str, str]:
    """The gold partition; raises when a negative pair falls inside a gold cluster (the label
    rules contradict each other)."""
    gold = gold_partition(arts, labels)
    n_bad = sum(1 for r in labels if r["relation"] in NEGATIVE_RELATIONS
                and gold[r["a"]] == gold[r["b"]])
    if n_bad:
        raise RuntimeError(f"{n_bad} negative pairs fall inside a gold cluster; check the rules")
    return gold


def gold_partition(arts: list[dict[str, Any]], labels: list[dict[str, Any]]) -> dict[str, str]:
    """Gold clusters: connected components of the ``copy`` label rows (a source and its copies,
    corpus duplicates together); every other article is a singleton."""
    uf = UnionFind()
    for a in arts:
        uf.find(a["id"])
    for r in labels:
        if r["relation"] == "copy":
            uf.union(r["a"], r["b"])
    return uf.groups(a["id"] for a in arts)


def paths(split: str, data_dir: Path = DATA_DIR) -> tuple[Path, Path, Path]:
    return (data_dir / f"cluster_{split}.jsonl", data_dir / f"cluster_{split}.labels.jsonl",
            data_dir / f"cluster_{split}.meta.json")


def generate(splits_wanted: list[str], n_sources: int = 300, seed: int = 13,
             data_dir: Path = DATA_DIR, corpus_path: Path = CORPUS,
             limit: int | None = None) -> dict[str, Any]:
    """Write ``cluster_<split>.jsonl``, ``.labels.jsonl`` and ``.meta.json`` per split."""
    t0 = time.perf_counter()
    corpus = list(read_jsonl(corpus_path))
    if limit:
        corpus = corpus[:limit]
    relations = corpus_relations(corpus)
    splits = split_of(corpus, relations)
    log(f"corpus: {len(corpus)} articles, {Counter(r['variant'] for r in relations)}")
    summary: dict[str, Any] = {}
    for split in splits_wanted:
        arts, labels, stats = build_split(split, corpus, relations, splits, n_sources, seed)
        a_path, l_path, m_path = paths(split, data_dir)
        write_jsonl(a_path, arts)
        write_jsonl(l_path, labels)
        meta = {
            "split": split, "seed": seed, "n_sources": n_sources,
            "corpus": str(corpus_path), "corpus_sha1": _sha1(corpus_path),
            "generator_sha1": _sha1(Path(__file__)),
            "rules": {
                "split": "sha1('split:' + smallest id of the article's relation component)"
                         " < 0.5 * 2^64 -> dev, else test",
                "sentence share": "share of an article's sentences (>= 4 words) matching a sentence"
                                  f" of the other, word-set Jaccard >= {SENTENCE_MATCH_JACCARD}",
                "corpus_dup": f"min sentence share >= {COPY_MIN_SENT_SHARE}",
                "partial (ignored in scoring)": f"one side >= {COPY_MIN_SENT_SHARE}, other below",
                "same_story": f"both sentence shares < {COPY_MIN_SENT_SHARE} and word-5-gram "
                              f"containment >= {SAME_STORY_MIN_CONTAINMENT}",
                "same_topic": f"same category, TF-IDF cosine >= {TOPIC_MIN_COSINE}, word-5-gram"
                              f" containment <= {TOPIC_MAX_CONTAINMENT}; top "
                              f"{TOPIC_PAIRS_PER_SPLIT} by cosine",
                "gold": "clusters = connected components of copy rows; copy-copy pairs of one"
                        " source are positives too (not listed as rows)",
            },
            **stats,
        }
        m_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        summary[split] = stats
        log(f"{split}: {stats['articles']} articles ({stats['copies']} copies) -> {a_path}")
    log(f"generated in {time.perf_counter() - t0:.1f}s")
    return summary


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test", "both"), default="both")
    ap.add_argument("--n-sources", type=int, default=300, help="source articles per split")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    wanted = ["dev", "test"] if args.split == "both" else [args.split]
    summary = generate(wanted, args.n_sources, args.seed, args.out, args.corpus)
    for split, stats in summary.items():
        print(f"{split}: {stats['articles']} articles, {stats['copies']} copies of "
              f"{stats['sources']} sources")
        for key, n in stats["labels"].items():
            print(f"  {key:45s} {n:5d}")
        for key, v in stats["kept_5grams_mean"].items():
            print(f"  kept word 5-grams {key:27s} {v:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
