"""Benchmark sets for issue 12: the relation model (copy / contains / partial / none) and the
canonical choice.

Per split (the story-group dev/test split of ``make_cluster_dev.py``: no article, source or
host crosses it), writes ``bench/data/relations_<split>.jsonl`` (articles: id, text, title,
published; ``lang`` on non-English ones), ``relations_<split>.labels.jsonl`` and
``relations_<split>.meta.json``. Deterministic for a given ``--seed`` (and Apertium version).
Every other article of the split stays in as a distractor; the BBC articles used as *hosts*
of composed articles are taken out (a composed article reuses 5-7 of their sentences).

Kinds (``kind`` on every label row; ``--per-kind`` instances each, 30 by default):

* ``contain_whole``: a whole short BBC article (<= 10 sentences; round-tripped through a pivot
  in half of the cases, verbatim in the other half) inside 5-7 sentences of a *different* BBC
  article: host sentences before and after it (``placement: middle``), or the embedded text
  first and the host news after it (``first``, one case in three). Gold: host ``contains``
  source; not a copy.
* ``contain_borrowed``: 2-4 consecutive paragraphs of a source (>= 5 paragraphs, at least two
  left out; round-tripped in half of the cases) inside the first paragraphs of other news.
  Gold: ``partial`` (shared passages); not a copy.
* ``syndication``: ``--syndication-stories`` stories each republished
  ``--syndication-copies`` times: a dateline ("LONDON (Newswire) - "), one paragraph dropped
  (not the first), 2-3 boilerplate lines appended (copyright, follow us, "Read more: <another
  headline>") and 1-4 word edits. Gold: copies; the original is canonical.
* ``wire_edit``: one clean wire edit (dateline, one paragraph dropped, boilerplate) next to the
  original and 1-3 round trips of it through different pivots. Gold: copies; canonical =
  original.
* ``noisy_replica``: the original and 3-8 replicas with 10% of their words replaced by random
  words of the split's corpus. Gold: copies; canonical = original.
* ``mt_pivot``: one round trip through every pivot with both directions installed;
  ``mt_two_pass``: two round trips in a row through two different pivots (e.g.
  en>es>en>ca>en). Gold: copies; canonical = original.
* ``truncate35``: a round trip of the first 35% of the paragraphs only. Gold: copy (a cut-off
  of the same story), canonical = original.
* ``reorder``: paragraphs reordered by two swaps. Gold: copy.
* ``same_template_nonen``: pairs of *different* stories on one template, each article one
  paragraph (no line breaks): Chinese (template lead and closing with slot fillers around 2-4
  sentences of a real zh news story from the ``source`` field of
  ``mt/mqm-wmt23-zhen-news.jsonl``; every sentence used once), Russian and Arabic (hand-written
  templates, different names, numbers and places, 2-4 story-specific sentences each). Gold:
  ``none``. Half of the pairs also get a lightly edited copy of their first article (a word or
  two changed, sometimes a credit line appended): gold ``copy`` (recall on non-English text).
* ``hard_negative``: the split's corpus relations as in ``make_cluster_dev.py`` (same-story
  updates and same-topic pairs: ``same_story`` / ``same_topic``; corpus duplicates are
  ``copy`` rows of kind ``corpus_dup``, contained updates ``partial`` rows of kind
  ``corpus_partial``, ambiguous and not scored).

Label rows (the format of ``make_cluster_dev.py``, so ``_common.score_clusters`` works):
``a``, ``b``, ``relation``, ``variant`` (= ``kind`` for the rows made here), ``kind``,
``sub`` (pivot, language, placement ...). ``relation`` is ``copy`` (``a`` is a copy of ``b``;
``original`` = the gold canonical of the cluster, always ``b`` here), ``contains`` (``a``
contains the whole of ``b``: the host record should link ``b`` as ``contains`` and ``b``'s
record link ``a`` as ``contained_in``), ``partial`` (shared passages), ``none`` (not
related), ``same_story`` or ``same_topic``. Gold clusters are the connected components of the
``copy`` rows. Ids made here start with ``a`` or ``c`` at random (half sort before the
``bbc-...`` originals, half after), so an id tie-break cannot pick the original.

Real MT is Debian's Apertium (``apt-get install -y apertium apertium-eng-spa apertium-eng-cat
apertium-en-gl apertium-eo-en apertium-hbs-eng``); every pivot whose both directions are
installed is used. Translations are cached under ``bench/data/apertium_cache/`` by (mode,
package version, text hash), so regenerating is fast. Without Apertium the MT parts are left
out (``mt_pivot`` and ``mt_two_pass`` are empty, the other kinds keep their verbatim cases).

    .venv/bin/python bench/make_relation_sets.py [--split dev|test|both] [--per-kind 30]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import make_cluster_dev as gen
import make_roundtrip as rt
from _common import (
    CORPUS,
    DATA_DIR,
    log,
    read_jsonl,
    stable_hash,
    write_jsonl,
)

ZH_NEWS = CORPUS.parent.parent / "mt" / "mqm-wmt23-zhen-news.jsonl"
CACHE_DIR = DATA_DIR / "apertium_cache"

# pivot -> (there, back, Debian package)
PIVOTS: dict[str, tuple[str, str, str]] = {
    "spa": ("eng-spa", "spa-eng", "apertium-eng-spa"),
    "cat": ("eng-cat", "cat-eng", "apertium-eng-cat"),
    "glg": ("en-gl", "gl-en", "apertium-en-gl"),
    "epo": ("en-eo", "eo-en", "apertium-eo-en"),
    "hbs": ("eng-hbs", "hbs-eng", "apertium-hbs-eng"),
}
KINDS = ("contain_whole", "contain_borrowed", "syndication", "wire_edit", "noisy_replica",
         "mt_pivot", "mt_two_pass", "truncate35", "reorder", "same_template_nonen",
         "hard_negative")
COPY_KINDS = ("syndication", "wire_edit", "noisy_replica", "mt_pivot", "mt_two_pass",
              "truncate35", "reorder")
NEGATIVE_RELATIONS = ("contains", "partial", "none", "same_story", "same_topic")
PARA_SEP = "\n\n"
NOISE_SHARE = 0.10
TRUNCATE_SHARE = 0.35
SHORT_MAX_SENTENCES = 10
SHORT_MAX_WORDS = 250
MT_MAX_SENTENCES = 25  # sources of the MT kinds: keeps Apertium's share of the run small

# --------------------------------------------------------------------------------------------
# Real MT (Apertium), cached on disk
# --------------------------------------------------------------------------------------------


class Apertium:
    """Round trips through Apertium; each translation cached per (mode, package version,
    text hash) in ``cache_dir/<mode>@<version>.jsonl``."""

    def __init__(self, cache_dir: Path = CACHE_DIR, pivots: list[str] | None = None) -> None:
        listed = set(subprocess.run(["apertium", "-l"], capture_output=True,
                                    text=True).stdout.split())
        have = [p for p, (a, b, _) in PIVOTS.items() if a in listed and b in listed]
        self.pivots = [p for p in have if pivots is None or p in pivots]
        self.versions = {p: _deb_version(PIVOTS[p][2]) for p in self.pivots}
        self.cache_dir = cache_dir
        self._cache: dict[str, dict[str, str]] = {}
        self.translated = 0  # segments sent to apertium in this process (cache misses)

    @classmethod
    def available(cls, cache_dir: Path = CACHE_DIR) -> Apertium | None:
        if shutil.which("apertium") is None:
            return None
        mt = cls(cache_dir)
        return mt if mt.pivots else None

    def _path(self, mode: str) -> Path:
        # (a variant of a pair's mode, e.g. eng-hbs_SR for Serbian in Cyrillic, is the pair's)
        pivot = next(p for p, (a, b, _) in PIVOTS.items() if mode.split("_")[0] in (a, b))
        return self.cache_dir / f"{mode}@{self.versions[pivot]}.jsonl"

    def _table(self, mode: str) -> dict[str, str]:
        if mode not in self._cache:
            path = self._path(mode)
            self._cache[mode] = ({r["k"]: r["t"] for r in read_jsonl(path)} if path.exists()
                                 else {})
        return self._cache[mode]

    def translate(self, mode: str, segments: list[str], batch: int = 2000) -> list[str]:
        """Each segment translated on its own (whitespace-normalised, as ``rt._run`` does)."""
        table = self._table(mode)
        norm = [" ".join(s.split()) or "." for s in segments]
        keys = [_key(s) for s in norm]
        missing = sorted({s for s, k in zip(norm, keys, strict=True) if k not in table})
        if missing:
            t0 = time.perf_counter()
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            with self._path(mode).open("a", encoding="utf-8") as fh:
                for i in range(0, len(missing), batch):
                    chunk = missing[i:i + batch]
                    for s, t in zip(chunk, rt._run(mode, chunk), strict=True):
                        table[_key(s)] = t
                        fh.write(json.dumps({"k": _key(s), "t": t}, ensure_ascii=False) + "\n")
            self.translated += len(missing)
            log(f"  apertium {mode}: {len(missing)} new segments in "
                f"{time.perf_counter() - t0:.1f}s")
        return [table[k] for k in keys]

    def round_trip(self, segments: list[str], pivot: str) -> list[str]:
        there, back, _ = PIVOTS[pivot]
        return self.translate(back, self.translate(there, segments))

    def chains(self, jobs: list[tuple[list[str], tuple[str, ...]]]) -> list[list[str]]:
        """Round trip each job's segments through its chain of pivots, batched: one apertium
        call per (pass, pivot, direction) for all the jobs."""
        cur = [list(segs) for segs, _ in jobs]
        depth = max((len(chain) for _, chain in jobs), default=0)
        for k in range(depth):
            by_pivot: dict[str, list[int]] = defaultdict(list)
            for j, (_, chain) in enumerate(jobs):
                if k < len(chain):
                    by_pivot[chain[k]].append(j)
            for pivot, js in sorted(by_pivot.items()):
                out = self.round_trip([s for j in js for s in cur[j]], pivot)
                pos = 0
                for j in js:
                    n = len(cur[j])
                    cur[j] = out[pos:pos + n]
                    pos += n
        return cur


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def _deb_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                         text=True)
    return out.stdout.strip() or "unknown"


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

Paras = list[list[str]]  # paragraphs as sentence lists


def join_paras(paras: Paras) -> str:
    return PARA_SEP.join(" ".join(p) for p in paras if p)


def n_sentences(paras: Paras) -> int:
    return sum(len(p) for p in paras)


def first_sentences(paras: Paras, k: int) -> Paras:
    """The first ``k`` sentences, paragraph structure kept."""
    out: Paras = []
    for p in paras:
        if k <= 0:
            break
        out.append(p[:k])
        k -= len(p)
    return out


def split_at_sentence(paras: Paras, j: int) -> tuple[Paras, Paras]:
    """(first ``j`` sentences, the rest), paragraph structure kept on both sides."""
    before = first_sentences(paras, j)
    rest: Paras = []
    seen = 0
    for p in paras:
        if seen + len(p) <= j:
            seen += len(p)
            continue
        rest.append(p[max(0, j - seen):])
        seen += len(p)
    return before, rest


def mt_articles(mt: Apertium, items: list[tuple[Paras, str | None, tuple[str, ...]]]
                ) -> list[tuple[Paras, str | None]]:
    """Round trip (paragraphs, title, chain) items; sentence by sentence, shape kept."""
    jobs = []
    for paras, title, chain in items:
        segs = ([title] if title else []) + [s for p in paras for s in p]
        jobs.append((segs, chain))
    out = []
    for (paras, title, _), segs in zip(items, mt.chains(jobs), strict=True):
        pos = 0
        new_title = None
        if title:
            new_title, pos = segs[0], 1
        new: Paras = []
        for p in paras:
            new.append(segs[pos:pos + len(p)])
            pos += len(p)
        out.append((new, new_title))
    return out


_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def word_edits(paras: Paras, rng: random.Random, k: int) -> tuple[Paras, int]:
    """``k`` editorial word swaps (near-synonyms from the cluster benchmark's table)."""
    flat = [s for p in paras for s in p]
    spots = [(i, m.start(), m.end()) for i, s in enumerate(flat)
             for m in _TOKEN.finditer(s) if m.group(0).lower() in gen.SYNONYMS]
    chosen = sorted(rng.sample(spots, min(k, len(spots))), key=lambda t: (t[0], -t[1]))
    for i, a, b in chosen:  # right to left within a sentence keeps the offsets valid
        w = flat[i][a:b]
        flat[i] = flat[i][:a] + gen._match_case(w, rng.choice(gen.SYNONYMS[w.lower()])) + \
            flat[i][b:]
    return _reshape(flat, paras), len(chosen)


def noisy_words(paras: Paras, rng: random.Random, vocab: list[str],
                share: float = NOISE_SHARE) -> Paras:
    """``share`` of the words replaced by random corpus words (case of the first letter kept)."""
    flat = [s for p in paras for s in p]
    spots = [(i, m.start(), m.end()) for i, s in enumerate(flat) for m in _TOKEN.finditer(s)]
    chosen = sorted(rng.sample(spots, max(1, round(share * len(spots)))),
                    key=lambda t: (t[0], -t[1]))
    for i, a, b in chosen:
        w = flat[i][a:b]
        new = rng.choice(vocab)
        if w[:1].isupper():
            new = new[:1].upper() + new[1:]
        flat[i] = flat[i][:a] + new + flat[i][b:]
    return _reshape(flat, paras)


def _reshape(flat: list[str], like: Paras) -> Paras:
    out: Paras = []
    pos = 0
    for p in like:
        out.append(flat[pos:pos + len(p)])
        pos += len(p)
    return out


CITIES = ("LONDON", "NEW YORK", "WASHINGTON", "PARIS", "BRUSSELS", "MANCHESTER", "EDINBURGH",
          "DUBLIN", "GENEVA", "SYDNEY", "TORONTO", "BIRMINGHAM")
WIRES = ("Newswire", "World Wire", "Press Service", "Metro Wire", "Global News Service",
         "Daily Wire")
DATELINES = ("{city} ({wire}) - ", "{city}, {month} {day} ({wire}) -- ", "{city} ({wire}) — ")
FOLLOW = ("Follow us on Twitter and Facebook for the latest news.",
          "Follow us on Facebook, Twitter and Instagram.",
          "Follow {wire} on Twitter for breaking news.")
COPYRIGHT = ("Copyright 2005 {wire}. All rights reserved.",
             "(c) 2005 {wire}. All rights reserved. This material may not be published, "
             "broadcast, rewritten or redistributed.",
             "Copyright 2005 {wire}. All rights reserved. Distributed by {wire}.")


def wire_edit(paras: Paras, rng: random.Random, other_title: str, edits: int = 0
              ) -> tuple[Paras, dict[str, Any]]:
    """Dateline, one paragraph (not the first) dropped, boilerplate appended, ``edits`` word
    swaps."""
    wire = rng.choice(WIRES)
    drop = rng.randrange(1, len(paras))
    out = [list(p) for i, p in enumerate(paras) if i != drop]
    n_edits = 0
    if edits:
        out, n_edits = word_edits(out, rng, edits)
    dateline = rng.choice(DATELINES).format(city=rng.choice(CITIES), wire=wire,
                                            month=rng.choice(gen._MONTHS)[:3] + ".",
                                            day=rng.randint(1, 28))
    out[0][0] = dateline + out[0][0]
    tail = [rng.choice(COPYRIGHT).format(wire=wire), rng.choice(FOLLOW).format(wire=wire)]
    if rng.random() < 0.7:
        tail.append(f"Read more: {other_title}")
    rng.shuffle(tail)
    out += [[line] for line in tail]
    return out, {"dropped_paragraph": drop, "word_edits": n_edits, "wire": wire}


# --------------------------------------------------------------------------------------------
# Non-English template pairs
# --------------------------------------------------------------------------------------------

ZH_SLOTS: dict[str, tuple[str, ...]] = {
    "city": ("北京", "上海", "广州", "深圳", "成都", "武汉", "杭州", "南京", "西安", "重庆",
             "天津", "长沙"),
    "name": ("王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄涛", "周强", "吴欣",
             "郑凯", "孙悦"),
    "org": ("市发展和改革委员会", "市商务局", "省文化和旅游厅", "市应急管理局",
            "市场监督管理局", "省教育厅", "市交通运输局", "省卫生健康委员会"),
    "region": ("欧洲", "东南亚", "中东", "拉美", "东亚", "非洲", "中亚", "南亚"),
}
ZH_TEMPLATES: tuple[dict[str, tuple[str, ...]], ...] = (
    {"lead": ("{agency}{city}{month}月{day}日电（记者 {name}）记者{day}日从{org}获悉，"
              "相关部门近日召开专题会议，研究部署下一阶段重点工作。",),
     "close": ("{org}有关负责人表示，下一步将继续加强统筹协调，切实维护人民群众的合法权益。",
               "据了解，今年以来{city}已累计投入资金{n}亿元，推动{m}个重点项目落地见效。")},
    {"lead": ("{agency}{month}月{day}日消息，{city}{day}日召开新闻发布会，"
              "介绍近期有关工作进展情况。",),
     "close": ("发布会上，{org}负责人{name}回答了记者提问，并表示将于{k}月底前公布具体实施方案。",
               "【编辑：{name2}】")},
    {"lead": ("据{agency}{month}月{day}日报道，{region}方面近日就相关问题发表声明，"
              "引发外界广泛关注。",),
     "close": ("分析人士认为，相关事态可能对{region}局势产生深远影响，后续发展仍有待观察。",
               "{agency}记者{name}在{city}报道，将持续关注事件进展。")},
)
ZH_AGENCIES = ("中新网", "环球网", "央广网", "澎湃新闻")
ZH_EDITS = (("表示", "称"), ("目前", "当前"), ("进行", "开展"), ("近日", "日前"),
            ("一些", "部分"), ("已经", "已"), ("同时", "与此同时"), ("但是", "但"))

RU_SLOTS: dict[str, tuple[Any, ...]] = {
    "city": (("Казань", "Казани"), ("Самара", "Самаре"), ("Новосибирск", "Новосибирске"),
             ("Екатеринбург", "Екатеринбурге"), ("Нижний Новгород", "Нижнем Новгороде"),
             ("Воронеж", "Воронеже"), ("Пермь", "Перми"), ("Томск", "Томске"),
             ("Омск", "Омске"), ("Ярославль", "Ярославле"), ("Тула", "Туле"),
             ("Иркутск", "Иркутске")),
    "name": (("Андрей Петров", "m"), ("Ирина Соколова", "f"), ("Михаил Волков", "m"),
             ("Елена Кузнецова", "f"), ("Дмитрий Орлов", "m"), ("Ольга Лебедева", "f"),
             ("Сергей Морозов", "m"), ("Наталья Васильева", "f"), ("Алексей Новиков", "m"),
             ("Татьяна Федорова", "f"), ("Павел Егоров", "m"), ("Анна Захарова", "f")),
    "winner": ("Игорь Белов", "Артем Смирнов", "Константин Ершов", "Роман Гусев",
               "Виктор Сорокин", "Николай Титов", "Глеб Медведев", "Илья Комаров"),
    "company": ("Волга-Агро", "ТехноПром", "Уралмаш-Сервис", "Сибирские Технологии",
                "Балтийская Логистика", "РусЭнергоМонтаж", "Кама-Пласт", "СеверСтрой"),
    "facility": (("завод", "завода"), ("логистический центр", "логистического центра"),
                 ("цех", "цеха"), ("распределительный центр", "распределительного центра"),
                 ("научно-производственный комплекс", "научно-производственного комплекса")),
    "when": ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу",
             "накануне"),
    "incident": ("возгорание на складе", "обрушение кровли торгового центра",
                 "столкновение двух автобусов", "ДТП с участием грузовика",
                 "отравление угарным газом в жилом доме"),
    "event": ("международный шахматный турнир", "фестиваль уличной еды",
              "конкурс молодых исполнителей", "открытый турнир по настольному теннису",
              "фестиваль документального кино"),
    "country": ("Казахстана", "Беларуси", "Армении", "Узбекистана", "Сербии", "Китая"),
    "goods": ("жилье", "бытовую технику", "строительные материалы", "продукты питания",
              "автомобили"),
    "month": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"),
}
RU_TEMPLATES: tuple[dict[str, tuple[str, ...]], ...] = (
    {"lead": ("{city}, {day} {month} — {agency}. В {city_p} открылся новый {facility} компании "
              "«{company}», сообщила пресс-служба предприятия.",
              "Объем инвестиций в проект составил {n} млн рублей, на предприятии будет создано "
              "{m} рабочих мест."),
     "close": ("«Мы рассчитываем, что запуск {facility_g} позволит увеличить выпуск продукции и "
               "укрепить позиции компании на рынке», — {said} генеральный директор «{company}» "
               "{name}.",
               "Ранее в компании сообщали о планах открыть до конца {year2} года еще несколько "
               "площадок в регионе.")},
    {"lead": ("{city}, {day} {month} — {agency}. В {city_p} {when} произошло {incident}, в "
              "результате которого пострадали {n} человек, сообщили в региональном управлении "
              "МЧС.",
              "На месте происшествия работают {m} единиц техники и более {n2} спасателей."),
     "close": ("«Все пострадавшие получают необходимую медицинскую помощь, угрозы для их жизни "
               "нет», — {told} журналистам представитель ведомства {name}.",
               "По факту случившегося возбуждено уголовное дело, обстоятельства происшествия "
               "выясняются.")},
    {"lead": ("{city}, {day} {month} — {agency}. В {city_p} завершился {event}, в котором "
              "приняли участие более {n2} человек из {m} регионов страны.",
              "Победителем стал {winner}, набравший {k2} баллов."),
     "close": ("Организаторы отметили, что в следующем году число участников может вырасти "
               "вдвое.",
               "Мероприятие проводится при поддержке администрации города и регионального "
               "министерства культуры.")},
)
RU_STORY = (
    "Как уточнил представитель подрядчика {name2}, работы на объекте велись почти {k} месяцев.",
    "Местные жители давно жаловались на плохое состояние дорог в этом районе.",
    "{when} губернатор региона провел совещание, посвященное ситуации в {city_p}.",
    "Стоимость билетов составила от {n} до {n3} рублей.",
    "Часть средств была выделена из регионального бюджета, остальное вложили частные "
    "инвесторы.",
    "Эксперты связывают это с ростом спроса на {goods}.",
    "В прошлом году аналогичный показатель составлял {pct} процентов.",
    "Жители соседних домов были временно эвакуированы, сейчас они вернулись в свои квартиры.",
    "Контроль за ходом работ возьмет на себя заместитель главы города {name2}.",
    "На следующей неделе в {city_p} ожидается визит делегации из {country}.",
    "Полиция усилила меры безопасности в центре города.",
    "Всего за год в регионе было зарегистрировано {n3} подобных случаев.",
    "По данным компании, средняя зарплата сотрудников составит {m} тысяч рублей.",
    "Команда из {country} заняла второе место.",
    "Движение транспорта на соседних улицах было ограничено на несколько часов.",
    "В ближайшее время планируется провести дополнительную проверку всех подобных объектов.",
    "Представители профсоюза заявили, что будут следить за соблюдением прав работников.",
    "Следующий этап проекта начнется весной {year2} года.",
)
RU_AGENCIES = ("Новости региона", "Информ-Бюро", "Пресс-Линия", "Городской вестник")
RU_EDITS = (("сообщила", "рассказала"), ("также", "кроме того"), ("более", "свыше"),
            ("около", "примерно"), ("отметили", "подчеркнули"), ("почти", "практически"),
            ("планируется", "намечено"), ("заявили", "сообщили"))

AR_SLOTS: dict[str, tuple[str, ...]] = {
    "city": ("القاهرة", "الإسكندرية", "عمان", "بيروت", "الرباط", "تونس", "الدوحة", "دبي",
             "الرياض", "جدة", "مسقط", "الكويت"),
    "name": ("أحمد السيد", "محمد العلي", "خالد حسن", "عمر الخطيب", "يوسف ناصر",
             "كريم عبد الله", "سامي منصور", "طارق إبراهيم", "ماجد سالم", "فادي حداد",
             "نبيل يوسف", "حسام الدين علي"),
    "company": ("النور للصناعات", "الشرق للتقنية", "الخليج للاستثمار", "الوادي للأغذية",
                "الأفق للطاقة", "المستقبل للإنشاءات", "الرواد للخدمات اللوجستية"),
    "facility": ("مصنع", "مركز لوجستي", "مستودع", "مركز أبحاث", "مجمع صناعي"),
    "weekday": ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
    "incident": ("حريق", "حادث سير", "انهيار جزئي لمبنى سكني", "انفجار أنبوب غاز"),
    "place": ("المنطقة الصناعية", "وسط المدينة", "السوق القديم", "حي السلام", "الحي الشرقي"),
    "event": ("مهرجان الفيلم القصير", "بطولة الشطرنج الدولية", "معرض الكتاب",
              "ملتقى رواد الأعمال", "مهرجان الموسيقى العربية"),
    "country": ("مصر", "الأردن", "لبنان", "المغرب", "تونس", "قطر", "عمان", "الكويت"),
    "goods": ("المواد الغذائية", "مواد البناء", "الأجهزة الكهربائية", "السيارات", "العقارات"),
}
AR_TEMPLATES: tuple[dict[str, tuple[str, ...]], ...] = (
    {"lead": ("{city} - {agency}: أعلنت شركة {company} يوم {weekday} عن افتتاح {facility} جديد "
              "في مدينة {city}، باستثمارات تبلغ {n} مليون دولار.",
              "وقال المدير التنفيذي للشركة {name} في بيان صحفي إن المشروع سيوفر نحو {n2} فرصة "
              "عمل للشباب."),
     "close": ("وأضاف {name} أن الشركة تسعى إلى التوسع في أسواق جديدة خلال العام المقبل.",
               "يذكر أن الشركة تأسست عام {year} وتعمل في {k} دول بالمنطقة.")},
    {"lead": ("{city} - {agency}: أصيب {k} أشخاص في {incident} وقع صباح يوم {weekday} في "
              "{place} بمدينة {city}، بحسب ما أفادت مصادر في الدفاع المدني.",
              "وهرعت {k2} سيارات إسعاف إلى موقع الحادث، فيما نقل المصابون إلى المستشفيات "
              "القريبة."),
     "close": ("وأكد المتحدث باسم الدفاع المدني {name} أن حالة المصابين مستقرة، وأن التحقيقات "
               "جارية لمعرفة أسباب الحادث.",
               "ودعت السلطات المواطنين إلى توخي الحذر والالتزام بتعليمات السلامة.")},
    {"lead": ("{city} - {agency}: اختتمت يوم {weekday} في مدينة {city} فعاليات {event} بمشاركة "
              "أكثر من {n2} مشارك من {m} دولة.",
              "وتوج {name2} بالمركز الأول بعد منافسة قوية استمرت {k} أيام."),
     "close": ("وأعرب رئيس اللجنة المنظمة {name} عن سعادته بنجاح الدورة الحالية، مؤكدا أن "
               "النسخة المقبلة ستشهد مشاركة أوسع.",
               "وتقام الفعالية سنويا برعاية وزارة الثقافة والشباب.")},
)
AR_STORY = (
    "وأشار {name2} إلى أن العمل في المشروع استمر نحو {k} أشهر.",
    "وطالب سكان المنطقة السلطات بتحسين البنية التحتية في {place}.",
    "وبلغت قيمة المبيعات خلال الربع الأخير {n} مليون دولار.",
    "وكان وزير الاقتصاد قد زار الموقع الأسبوع الماضي برفقة عدد من المسؤولين.",
    "ومن المتوقع أن يصل وفد من {country} إلى {city} الشهر المقبل.",
    "وشهدت الأسواق المحلية ارتفاعا في أسعار {goods} بنسبة {pct} في المئة.",
    "وقامت الشرطة بإغلاق الطرق المؤدية إلى الموقع لعدة ساعات.",
    "وسجلت المدينة العام الماضي {n3} حادثة مماثلة.",
    "وقال شهود عيان إن الدخان كان مرئيا من مسافة بعيدة.",
    "ويعد هذا المشروع الأول من نوعه في {country}.",
    "وتبرعت جمعيات خيرية محلية بمبلغ {n3} ألف دولار لدعم الأسر المتضررة.",
    "وحضر الحفل عدد من المسؤولين والدبلوماسيين ورجال الأعمال.",
    "وأكد خبراء أن الطلب على {goods} سيستمر في النمو خلال السنوات المقبلة.",
    "وتستمر الفعاليات المصاحبة حتى نهاية الأسبوع.",
    "وأوضح {name2} أن المرحلة الثانية من المشروع ستبدأ في عام {year2}.",
    "ولم تعلن الجهات الرسمية حتى الآن عن حجم الخسائر المادية.",
)
AR_AGENCIES = ("وكالة الأنباء المحلية", "مكتب الأخبار الإقليمي", "شبكة الخبر", "بوابة الحدث")
AR_EDITS = (("وقال", "وصرح"), ("نحو", "حوالي"), ("أكثر من", "ما يزيد على"), ("وأكد", "وشدد"),
            ("خلال", "في"), ("عدد من", "العديد من"), ("الأسبوع الماضي", "الأسبوع المنصرم"))
CREDIT_LINES = {"zh": "（完）", "ru": "Источник: {agency}.", "ar": "(المصدر: {agency})"}

_ZH_SENT = re.compile(r"(?<=[。！？])(?![”」』])|(?<=[。！？][”」』])")


def zh_docs(path: Path = ZH_NEWS) -> dict[str, tuple[str, list[str]]]:
    """doc id -> (title, body sentences) from the ``source`` side of the zh-en MQM set (every
    system translates the same source segments: one copy of each kept)."""
    if not path.exists():
        return {}
    segs: dict[str, dict[int, str]] = defaultdict(dict)
    for row in read_jsonl(path):
        segs[row["doc"]][int(row["seg"])] = row["source"]
    out = {}
    for doc, s in sorted(segs.items()):
        keys = sorted(s)
        body = "".join(" ".join(s[k].split()) for k in keys[1:])
        sents = [x.strip() for x in _ZH_SENT.split(body) if len(x.strip()) >= 8]
        out[doc] = (s[keys[0]].strip(), sents)
    return out


def _fill_slots(lang: str, rng: random.Random, avoid: dict[str, Any]) -> dict[str, Any]:
    """One article's slot values, each different from ``avoid`` (the pair partner's)."""
    table: dict[str, tuple[Any, ...]] = {"zh": ZH_SLOTS, "ru": RU_SLOTS, "ar": AR_SLOTS}[lang]
    v: dict[str, Any] = {}
    for key, options in table.items():
        choices = [o for o in options if o != avoid.get("_" + key)] or list(options)
        v["_" + key] = rng.choice(choices)
    if lang == "ru":
        v["city"], v["city_p"] = v["_city"]
        v["name"], g = v["_name"]
        v["said"] = "заявил" if g == "m" else "заявила"
        v["told"] = "рассказал" if g == "m" else "рассказала"
        others = [n for n, _ in RU_SLOTS["name"] if n != v["name"]]
        v["name2"] = rng.choice(others)
        v["facility"], v["facility_g"] = v["_facility"]
        for key in ("winner", "company", "when", "incident", "event", "country", "goods",
                    "month"):
            v[key] = v["_" + key]
    elif lang == "ar":
        for key in AR_SLOTS:
            v[key] = v["_" + key]
        v["name2"] = rng.choice([n for n in AR_SLOTS["name"] if n != v["name"]])
    else:
        for key in ZH_SLOTS:
            v[key] = v["_" + key]
        v["name2"] = rng.choice([n for n in ZH_SLOTS["name"] if n != v["name"]])
        v["month"] = rng.randint(1, 12)
    # numbers: each drawn apart from the partner's
    for key, lo, hi in (("day", 1, 28), ("n", 12, 950), ("n2", 40, 900), ("n3", 5, 300),
                        ("m", 3, 60), ("k", 3, 9), ("k2", 3, 10), ("pct", 2, 45),
                        ("year", 1995, 2019), ("year2", 2025, 2028)):
        x = rng.randint(lo, hi)
        while x == avoid.get(key) and hi > lo:
            x = rng.randint(lo, hi)
        v[key] = x
    return v


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def template_article(lang: str, template: dict[str, tuple[str, ...]], slots: dict[str, Any],
                     story: list[str]) -> str:
    """One paragraph: the template's lead, the story's own sentences, the template's close."""
    sents = [t.format(**slots) for t in template["lead"]]
    sents += [_cap(s.format(**slots)) for s in story]
    sents += [t.format(**slots) for t in template["close"]]
    return ("" if lang == "zh" else " ").join(sents)


def light_edit(lang: str, text: str, rng: random.Random, agency: str) -> tuple[str, list[str]]:
    """One or two word swaps from a small table, a credit line half of the time (one
    paragraph kept)."""
    table = {"zh": ZH_EDITS, "ru": RU_EDITS, "ar": AR_EDITS}[lang]
    done = []
    found = [e for e in table if e[0] in text]
    for old, new in rng.sample(found, min(2, len(found))):
        # whole words only where words are spaced (zh has no spaces: any occurrence)
        pattern = re.escape(old) if lang == "zh" else rf"(?<!\w){re.escape(old)}(?!\w)"
        text, n = re.subn(pattern, new, text, count=1)
        if n:
            done.append(f"{old}>{new}")
    if not done or rng.random() < 0.5:
        credit = CREDIT_LINES[lang].format(agency=agency)
        text = text + ("" if lang == "zh" else " ") + credit
        done.append("credit")
    return text, done


# --------------------------------------------------------------------------------------------
# Building one split
# --------------------------------------------------------------------------------------------


@dataclass
class Ctx:
    split: str
    seed: int
    per_kind: int
    by_id: dict[str, dict[str, Any]]
    paras: dict[str, Paras]
    titles: list[str]
    vocab: list[str]
    mt: Apertium | None
    syndication: tuple[int, int]  # (stories, copies per story)
    zh: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    pool: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)  # hosts: out of the set

    def rng(self, kind: str) -> random.Random:
        return random.Random(f"{self.seed}:rel:{self.split}:{kind}")

    def take(self, n: int, ok: Callable[[Paras, dict[str, Any]], bool]) -> list[str]:
        """The next ``n`` unused pool articles with ``ok(paras, article)``."""
        out = []
        for i in self.pool:
            if len(out) == n:
                break
            if i not in self.used and ok(self.paras[i], self.by_id[i]):
                out.append(i)
                self.used.add(i)
        return out

    def pivots(self) -> list[str]:
        return self.mt.pivots if self.mt else []

    def other_title(self, rng: random.Random) -> str:
        return rng.choice(self.titles)


def new_id(prefix: str, *parts: object) -> str:
    """``<a|c><prefix>-<hash>``: the first letter, drawn from the hash, puts the id before or
    after the BBC originals' ``bbc-...`` ids half of the time each, so that an id order
    tie-break carries no signal about which version is the original."""
    h = hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()
    return ("a" if int(h[0], 16) < 8 else "c") + prefix + "-" + h[1:13]


def art(aid: str, paras: Paras | str, title: str | None, **extra: Any) -> dict[str, Any]:
    text = paras if isinstance(paras, str) else join_paras(paras)
    return {"id": aid, "text": text, "title": title, "published": None, **extra}


def copy_row(a: str, b: str, kind: str, sub: str, **extra: Any) -> dict[str, Any]:
    return {"a": a, "b": b, "relation": "copy", "variant": kind, "kind": kind, "sub": sub,
            "original": b, **extra}


Built = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def _short(p: Paras, a: dict[str, Any]) -> bool:
    return 3 <= n_sentences(p) <= SHORT_MAX_SENTENCES and len(a["text"].split()) <= \
        SHORT_MAX_WORDS


def _mt_ok(p: Paras, _a: dict[str, Any]) -> bool:
    return len(p) >= 2 and n_sentences(p) <= MT_MAX_SENTENCES


def build_contain_whole(ctx: Ctx) -> Built:
    rng = ctx.rng("contain_whole")
    kind = "contain_whole"
    sources = ctx.take(ctx.per_kind, _short)
    hosts = ctx.take(len(sources), lambda p, a: n_sentences(p) >= 8 and len(p) >= 2)
    ctx.removed.update(hosts)
    pivots = ctx.pivots()
    plan = []
    for i, (s, h) in enumerate(zip(sources, hosts, strict=False)):
        pivot = pivots[i // 2 % len(pivots)] if pivots and i % 2 == 0 else None
        placement = "first" if i % 3 == 2 else "middle"
        plan.append((s, h, pivot, placement))
    emb = _embedded(ctx, [(s, pivot) for s, _, pivot, _ in plan])
    arts, labels = [], []
    for (s, h, pivot, placement), body in zip(plan, emb, strict=True):
        k = rng.randint(5, 7)
        host = first_sentences(ctx.paras[h], k)
        if placement == "middle":
            before, after = split_at_sentence(host, rng.randint(2, k - 2))
            paras = before + body + after
        else:
            paras = body + host
        cid = new_id("cw", ctx.seed, s, h)
        arts.append(art(cid, paras, ctx.by_id[h].get("title")))
        labels.append({"a": cid, "b": s, "relation": "contains", "variant": kind, "kind": kind,
                       "sub": f"mt:{pivot}" if pivot else "verbatim", "placement": placement,
                       "host_sentences": k, "host": h})
    return arts, labels


def _embedded(ctx: Ctx, items: list[tuple[str, str | None]]) -> list[Paras]:
    """Source paragraphs, round-tripped where a pivot is given."""
    todo = [(ctx.paras[s], None, (p,)) for s, p in items if p]
    done = iter(mt_articles(ctx.mt, todo) if todo and ctx.mt else [])
    return [next(done)[0] if p else [list(x) for x in ctx.paras[s]] for s, p in items]


def build_contain_borrowed(ctx: Ctx) -> Built:
    rng = ctx.rng("contain_borrowed")
    kind = "contain_borrowed"
    sources = ctx.take(ctx.per_kind, lambda p, a: len(p) >= 5)
    hosts = ctx.take(len(sources), lambda p, a: len(p) >= 3)
    ctx.removed.update(hosts)
    pivots = ctx.pivots()
    plan = []
    for i, (s, h) in enumerate(zip(sources, hosts, strict=False)):
        n = len(ctx.paras[s])
        b = rng.randint(2, min(4, n - 2))
        start = rng.randint(0, n - b)
        pivot = pivots[i // 2 % len(pivots)] if pivots and i % 2 == 0 else None
        plan.append((s, h, start, b, pivot))
    todo = [(ctx.paras[s][st:st + b], None, (p,)) for s, _, st, b, p in plan if p]
    done = iter(mt_articles(ctx.mt, todo) if todo and ctx.mt else [])
    arts, labels = [], []
    for s, h, st, b, pivot in plan:
        block = next(done)[0] if pivot else [list(x) for x in ctx.paras[s][st:st + b]]
        hp = ctx.paras[h]
        n_host = rng.randint(2, min(4, len(hp)))
        host = [list(x) for x in hp[:n_host]]
        at = n_host if rng.random() < 0.25 else rng.randint(1, n_host - 1)
        paras = host[:at] + block + host[at:]
        cid = new_id("cb", ctx.seed, s, h)
        arts.append(art(cid, paras, ctx.by_id[h].get("title")))
        labels.append({"a": cid, "b": s, "relation": "partial", "variant": kind, "kind": kind,
                       "sub": f"mt:{pivot}" if pivot else "verbatim",
                       "borrowed_paragraphs": [st, st + b], "source_paragraphs":
                       len(ctx.paras[s]), "placement": "end" if at == n_host else "middle",
                       "host": h})
    return arts, labels


def build_syndication(ctx: Ctx) -> Built:
    rng = ctx.rng("syndication")
    kind = "syndication"
    stories, copies = ctx.syndication
    arts, labels = [], []
    for s in ctx.take(stories, lambda p, a: len(p) >= 4):
        for r in range(copies):
            paras, meta = wire_edit(ctx.paras[s], rng, ctx.other_title(rng),
                                    edits=rng.randint(1, 4))
            cid = new_id("sy", ctx.seed, s, r)
            arts.append(art(cid, paras, ctx.by_id[s].get("title")))
            labels.append(copy_row(cid, s, kind, "republished", **meta))
    return arts, labels


def build_wire_edit(ctx: Ctx) -> Built:
    rng = ctx.rng("wire_edit")
    kind = "wire_edit"
    sources = ctx.take(ctx.per_kind, lambda p, a: len(p) >= 4 and _mt_ok(p, a))
    pivots = ctx.pivots()
    arts, labels = [], []
    todo: list[tuple[Paras, str | None, tuple[str, ...]]] = []
    owners: list[tuple[str, str]] = []
    for s in sources:
        paras, meta = wire_edit(ctx.paras[s], rng, ctx.other_title(rng))
        cid = new_id("we", ctx.seed, s, "wire")
        arts.append(art(cid, paras, ctx.by_id[s].get("title")))
        labels.append(copy_row(cid, s, kind, "wire", **meta))
        for p in rng.sample(pivots, min(len(pivots), rng.randint(1, 3))):
            todo.append((ctx.paras[s], ctx.by_id[s].get("title"), (p,)))
            owners.append((s, p))
    if todo and ctx.mt:
        for (s, p), (paras, title) in zip(owners, mt_articles(ctx.mt, todo), strict=True):
            cid = new_id("we", ctx.seed, s, p)
            arts.append(art(cid, paras, title))
            labels.append(copy_row(cid, s, kind, f"mt:{p}", pivot=p))
    return arts, labels


def build_noisy_replica(ctx: Ctx) -> Built:
    rng = ctx.rng("noisy_replica")
    kind = "noisy_replica"
    arts, labels = [], []
    for s in ctx.take(ctx.per_kind, lambda p, a: n_sentences(p) >= 4):
        for r in range(rng.randint(3, 8)):
            cid = new_id("nr", ctx.seed, s, r)
            arts.append(art(cid, noisy_words(ctx.paras[s], rng, ctx.vocab),
                            ctx.by_id[s].get("title")))
            labels.append(copy_row(cid, s, kind, "words10", noise=NOISE_SHARE))
    return arts, labels


def _mt_copies(ctx: Ctx, kind: str, prefix: str,
               plan: list[tuple[str, tuple[str, ...], Paras, dict[str, Any]]]) -> Built:
    """Round-trip copies: (source, chain, paragraphs to translate, label extras)."""
    if not plan or not ctx.mt:
        return [], []
    todo = [(paras, ctx.by_id[s].get("title"), chain) for s, chain, paras, _ in plan]
    arts, labels = [], []
    for (s, chain, _, extra), (paras, title) in zip(plan, mt_articles(ctx.mt, todo),
                                                     strict=True):
        cid = new_id(prefix, ctx.seed, s, *chain)
        arts.append(art(cid, paras, title))
        labels.append(copy_row(cid, s, kind, "+".join(chain), pivots=list(chain), **extra))
    return arts, labels


def build_mt_pivot(ctx: Ctx) -> Built:
    if not ctx.mt:
        return [], []
    sources = ctx.take(ctx.per_kind, _mt_ok)
    return _mt_copies(ctx, "mt_pivot", "mp",
                      [(s, (p,), ctx.paras[s], {}) for s in sources for p in ctx.pivots()])


def build_mt_two_pass(ctx: Ctx) -> Built:
    if not ctx.mt or len(ctx.pivots()) < 2:
        return [], []
    rng = ctx.rng("mt_two_pass")
    chains = list(itertools.permutations(ctx.pivots(), 2))
    rng.shuffle(chains)
    sources = ctx.take(ctx.per_kind, _mt_ok)
    return _mt_copies(ctx, "mt_two_pass", "m2",
                      [(s, chains[i % len(chains)], ctx.paras[s], {})
                       for i, s in enumerate(sources)])


def build_truncate35(ctx: Ctx) -> Built:
    kind = "truncate35"
    sources = ctx.take(ctx.per_kind, lambda p, a: len(p) >= 5 and n_sentences(p) <= 40)
    pivots = ctx.pivots()
    plan = []
    for i, s in enumerate(sources):
        n = len(ctx.paras[s])
        kept = max(1, round(TRUNCATE_SHARE * n))
        plan.append((s, (pivots[i % len(pivots)],) if pivots else (), ctx.paras[s][:kept],
                     {"kept_paragraphs": kept, "source_paragraphs": n}))
    if ctx.mt:
        return _mt_copies(ctx, kind, "t35", plan)
    arts, labels = [], []  # no MT: the verbatim cut-off
    for s, _, paras, extra in plan:
        cid = new_id("t35", ctx.seed, s)
        arts.append(art(cid, paras, ctx.by_id[s].get("title")))
        labels.append(copy_row(cid, s, kind, "verbatim", **extra))
    return arts, labels


def build_reorder(ctx: Ctx) -> Built:
    rng = ctx.rng("reorder")
    kind = "reorder"
    arts, labels = [], []
    for s in ctx.take(ctx.per_kind, lambda p, a: len(p) >= 4):
        paras = [list(p) for p in ctx.paras[s]]
        order = list(range(len(paras)))
        swaps: list[list[int]] = []
        while order == sorted(order):
            swaps = []
            for _ in range(2):
                i, j = rng.sample(range(len(order)), 2)
                order[i], order[j] = order[j], order[i]
                swaps.append([i, j])
        cid = new_id("ro", ctx.seed, s)
        arts.append(art(cid, [paras[i] for i in order], ctx.by_id[s].get("title")))
        labels.append(copy_row(cid, s, kind, "two_swaps", order=order, swaps=swaps))
    return arts, labels


def build_same_template(ctx: Ctx) -> Built:
    rng = ctx.rng("same_template_nonen")
    kind = "same_template_nonen"
    n_lang = math.ceil(ctx.per_kind / 2)
    arts: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []

    # zh: story sentences are chunks (2-4 sentences) of the split's real zh documents
    chunks: list[tuple[str, list[str]]] = []
    for doc, (_, sents) in sorted(ctx.zh.items()):
        i = 0
        while len(sents) - i >= 2:
            size = min(len(sents) - i, rng.randint(2, 4))
            if len(sents) - i - size == 1:
                size += 1 if size < 4 else -1
            chunks.append((doc, sents[i:i + size]))
            i += size
    rng.shuffle(chunks)
    zh_pairs: list[tuple[tuple[str, list[str]], tuple[str, list[str]]]] = []
    while len(chunks) >= 2 and len(zh_pairs) < n_lang:
        first = chunks.pop(0)
        j = next((j for j, c in enumerate(chunks) if c[0] != first[0]), None)
        if j is None:
            break
        zh_pairs.append((first, chunks.pop(j)))

    def emit(lang: str, n: int, a_text: str, b_text: str, title_a: str | None,
             title_b: str | None, agency: str, extra: dict[str, Any]) -> None:
        ida = new_id(lang, ctx.seed, ctx.split, lang, n, "a")
        idb = new_id(lang, ctx.seed, ctx.split, lang, n, "b")
        arts.append(art(ida, a_text, title_a, lang=lang))
        arts.append(art(idb, b_text, title_b, lang=lang))
        labels.append({"a": ida, "b": idb, "relation": "none", "variant": kind, "kind": kind,
                       "sub": lang, **extra})
        if n % 2 == 0:
            text, edits = light_edit(lang, a_text, rng, agency)
            idc = new_id(lang, ctx.seed, ctx.split, lang, n, "copy")
            arts.append(art(idc, text, title_a, lang=lang))
            labels.append(copy_row(idc, ida, kind, f"{lang}-copy", edits=edits))
            labels.append({"a": idc, "b": idb, "relation": "none", "variant": kind,
                           "kind": kind, "sub": lang, "derived": True, **extra})

    for n, ((da, sa), (db, sb)) in enumerate(zh_pairs):
        t = n % len(ZH_TEMPLATES)
        agency = rng.choice(ZH_AGENCIES)
        va = {**_fill_slots("zh", rng, {}), "agency": agency}
        vb = {**_fill_slots("zh", rng, va), "agency": agency}
        emit("zh", n, template_article("zh", ZH_TEMPLATES[t], va, sa),
             template_article("zh", ZH_TEMPLATES[t], vb, sb), ctx.zh[da][0], ctx.zh[db][0],
             agency, {"template": t, "docs": [da, db]})
    for lang, templates, story, agencies in (("ru", RU_TEMPLATES, RU_STORY, RU_AGENCIES),
                                             ("ar", AR_TEMPLATES, AR_STORY, AR_AGENCIES)):
        for n in range(n_lang):
            t = n % len(templates)
            agency = rng.choice(agencies)
            va = {**_fill_slots(lang, rng, {}), "agency": agency}
            vb = {**_fill_slots(lang, rng, va), "agency": agency}
            picks = rng.sample(story, rng.randint(2, 4) + rng.randint(2, 4))
            cut = len(picks) // 2
            emit(lang, n, template_article(lang, templates[t], va, picks[:cut]),
                 template_article(lang, templates[t], vb, picks[cut:]), None, None, agency,
                 {"template": t})
    return arts, labels


BUILDERS = {
    "contain_whole": build_contain_whole,
    "contain_borrowed": build_contain_borrowed,
    "syndication": build_syndication,
    "wire_edit": build_wire_edit,
    "noisy_replica": build_noisy_replica,
    "mt_pivot": build_mt_pivot,
    "mt_two_pass": build_mt_two_pass,
    "truncate35": build_truncate35,
    "reorder": build_reorder,
    "same_template_nonen": build_same_template,
}


def corpus_rows(rel: list[dict[str, Any]], topic: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """The split's corpus relations as label rows (kind ``corpus_dup`` / ``corpus_partial`` /
    ``hard_negative``)."""
    out = []
    for r in gen.relation_labels(rel, topic, {}):
        kind = {"copy": "corpus_dup", "partial": "corpus_partial"}.get(r["relation"],
                                                                         "hard_negative")
        row = {**r, "kind": kind, "sub": r["variant"]}
        if r["relation"] == "copy":
            row["original"] = min(r["a"], r["b"])
        out.append(row)
    return out


def build_split(split: str, corpus: list[dict[str, Any]], relations: list[dict[str, Any]],
                splits: dict[str, str], seed: int, per_kind: int,
                syndication: tuple[int, int], mt: Apertium | None,
                zh: dict[str, tuple[str, list[str]]]
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Articles, label rows and stats of one split."""
    arts, by_id, rel, topic = gen.split_articles(split, corpus, relations, splits)
    related = {i for r in rel for i in (r["a"], r["b"])}
    paras = {a["id"]: gen.paragraphs(a["text"]) for a in arts}
    vocab = sorted({w.lower() for a in arts for w in _TOKEN.findall(a["text"])
                    if len(w) >= 3 and w.isalpha()})
    zh_split = {d: v for d, v in zh.items()
                if (stable_hash("split:zh:" + d) / 2**64 < 0.5) == (split == "dev")}
    pool = sorted(i for i in by_id if i not in related and paras[i])
    random.Random(f"{seed}:rel:{split}:pool").shuffle(pool)
    ctx = Ctx(split, seed, per_kind, by_id, paras, [a.get("title") or "" for a in arts], vocab,
              mt, syndication, zh_split, pool)
    made: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    for kind, build in BUILDERS.items():
        t0 = time.perf_counter()
        a, lab = build(ctx)
        made += a
        labels += lab
        log(f"{split}: {kind}: {len(a)} articles, {len(lab)} label rows "
            f"({time.perf_counter() - t0:.1f}s)")
    out_arts = [{"id": a["id"], "text": a["text"], "title": a.get("title"),
                 "published": a.get("published")} for a in arts if a["id"] not in ctx.removed]
    out_arts += made
    labels += [r for r in corpus_rows(rel, topic)
               if r["a"] not in ctx.removed and r["b"] not in ctx.removed]
    random.Random(f"{seed}:rel:{split}:order").shuffle(out_arts)
    check_labels(out_arts, labels)
    kinds_count: dict[str, Counter[str]] = defaultdict(Counter)
    for r in labels:
        kinds_count[r["kind"]][r["relation"]] += 1
    stats = {
        "articles": len(out_arts),
        "corpus_articles": len(arts) - len(ctx.removed),
        "hosts_removed": len(ctx.removed),
        "made": len(made),
        "labels": {k: dict(sorted(v.items())) for k, v in sorted(kinds_count.items())},
    }
    return out_arts, labels, stats


def gold_partition(arts: list[dict[str, Any]], labels: list[dict[str, Any]]) -> dict[str, str]:
    return gen.gold_partition(arts, labels)


def check_labels(arts: list[dict[str, Any]], labels: list[dict[str, Any]]) -> dict[str, str]:
    """The gold partition; raises when ids repeat, a row names an unknown id or a negative
    pair falls inside a gold cluster."""
    ids = [a["id"] for a in arts]
    if len(ids) != len(set(ids)):
        raise RuntimeError("article ids repeat")
    known = set(ids)
    bad = [r for r in labels if r["a"] not in known or r["b"] not in known]
    if bad:
        raise RuntimeError(f"{len(bad)} label rows name unknown ids, e.g. {bad[0]}")
    gold = gold_partition(arts, labels)
    n_bad = sum(1 for r in labels if r["relation"] in NEGATIVE_RELATIONS
                and gold[r["a"]] == gold[r["b"]])
    if n_bad:
        raise RuntimeError(f"{n_bad} negative pairs fall inside a gold cluster")
    return gold


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def paths(split: str, data_dir: Path = DATA_DIR) -> tuple[Path, Path, Path]:
    return (data_dir / f"relations_{split}.jsonl", data_dir / f"relations_{split}.labels.jsonl",
            data_dir / f"relations_{split}.meta.json")


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:12]


def generate(splits_wanted: list[str], per_kind: int = 30, seed: int = 41,
             syndication: tuple[int, int] = (10, 100), data_dir: Path = DATA_DIR,
             corpus_path: Path = CORPUS, zh_path: Path = ZH_NEWS, use_mt: bool = True,
             cache_dir: Path = CACHE_DIR, limit: int | None = None) -> dict[str, Any]:
    """Write ``relations_<split>.jsonl``, ``.labels.jsonl`` and ``.meta.json`` per split."""
    t0 = time.perf_counter()
    mt = Apertium.available(cache_dir) if use_mt else None
    if use_mt and mt is None:
        log("apertium (or every pivot pair) missing: MT parts left out; install with "
            "`apt-get install -y apertium apertium-eng-spa apertium-eng-cat apertium-en-gl "
            "apertium-eo-en apertium-hbs-eng`")
    corpus = list(read_jsonl(corpus_path))
    if limit:
        corpus = corpus[:limit]
    relations = gen.corpus_relations(corpus)
    splits = gen.split_of(corpus, relations)
    zh = zh_docs(zh_path)
    summary: dict[str, Any] = {}
    for split in splits_wanted:
        arts, labels, stats = build_split(split, corpus, relations, splits, seed, per_kind,
                                          syndication, mt, zh)
        a_path, l_path, m_path = paths(split, data_dir)
        write_jsonl(a_path, arts)
        write_jsonl(l_path, labels)
        meta = {
            "split": split, "seed": seed, "per_kind": per_kind,
            "syndication": list(syndication), "limit": limit,
            "corpus_sha1": _sha1(corpus_path),
            "zh_sha1": _sha1(zh_path) if zh_path.exists() else None,
            "generator_sha1": _sha1(Path(__file__)),
            "mt": {"engine": "apertium", "pivots": mt.pivots, "versions": mt.versions}
            if mt else None,
            "rules": {
                "split": "as make_cluster_dev.py (story groups); zh documents by "
                         "sha1('split:zh:' + doc id)",
                "kinds": __doc__.split("Kinds")[1].split("Label rows")[0].strip(),
                "labels": __doc__.split("Label rows")[1].split("Real MT")[0].strip(),
            },
            **stats,
        }
        m_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        summary[split] = stats
        log(f"{split}: {stats['articles']} articles ({stats['made']} made) -> {a_path}")
    log(f"generated in {time.perf_counter() - t0:.1f}s"
        + (f" ({mt.translated} segments translated)" if mt else ""))
    return summary


def load(split: str, data_dir: Path = DATA_DIR, regenerate: bool = True
         ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(articles, labels, meta) of a split; (re)generated when missing, built by another
    generator version, or built without MT while Apertium is now installed."""
    a_path, l_path, m_path = paths(split, data_dir)
    fresh = all(p.exists() for p in (a_path, l_path, m_path))
    if fresh:
        meta = json.loads(m_path.read_text(encoding="utf-8"))
        fresh = meta.get("generator_sha1") == _sha1(Path(__file__))
        if fresh and meta.get("mt") is None and shutil.which("apertium"):
            fresh = False
    if not fresh:
        if not regenerate:
            raise SystemExit(f"{a_path} missing; run bench/make_relation_sets.py --split {split}")
        log(f"(re)generating the relations {split} set ...")
        generate([split], data_dir=data_dir)
    meta = json.loads(m_path.read_text(encoding="utf-8"))
    return list(read_jsonl(a_path)), list(read_jsonl(l_path)), meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test", "both"), default="both")
    ap.add_argument("--per-kind", type=int, default=30, help="instances per kind and split")
    ap.add_argument("--syndication-stories", type=int, default=10)
    ap.add_argument("--syndication-copies", type=int, default=100)
    ap.add_argument("--seed", type=int, default=41)
    ap.add_argument("--no-mt", action="store_true", help="leave the Apertium parts out")
    ap.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    wanted = ["dev", "test"] if args.split == "both" else [args.split]
    summary = generate(wanted, args.per_kind, args.seed,
                       (args.syndication_stories, args.syndication_copies), args.out,
                       args.corpus, use_mt=not args.no_mt)
    for split, stats in summary.items():
        print(f"{split}: {stats['articles']} articles ({stats['made']} made, "
              f"{stats['hosts_removed']} hosts taken out)")
        for kind, rels in stats["labels"].items():
            print(f"  {kind:22s} " + ", ".join(f"{k} {v}" for k, v in rels.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
