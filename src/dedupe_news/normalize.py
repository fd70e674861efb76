"""Normalisation before fingerprinting, and boilerplate lines set aside.

Two jobs, both pure functions of the text:

* :func:`normalize` maps typographic variants to one form (Unicode NFKC, curly quotes,
  dashes, whitespace) so that a copy re-typeset by another CMS fingerprints the same.  The
  step names go into the settings signature.
* :func:`find_boilerplate` finds lines that are not the story: calls to subscribe or follow,
  copyright and distribution lines, metadata lines (" date 2024-04-13"), and photo captions
  printed twice.  They are *set aside* for fingerprinting and reported with their character
  spans; the article text itself is never changed.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dedupe_news import _regex_cache as _rc
from dedupe_news.model import Span

STEPS = ("entities", "nfkc", "quotes", "dashes", "ws")

_QUOTE_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPECIAL = _rc.compile("[" + "".join(_QUOTE_MAP) + _DASHES + "]")
_SPECIAL_SET = frozenset(_QUOTE_MAP) | frozenset(_DASHES)


# An HTML character reference ("&amp;", "&#8217;", "&#x2019;"; the semicolon required, so
# "AT&T" or "R&D;" stay): feeds and CMS exports often carry a story's text escaped, once or
# twice ("&amp;#8217;"), where another outlet's copy has the characters themselves.
_ENTITY = _rc.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A reference escaped any number of times ("&amp;amp;#8217;"), decoded in one step: the
# work stays linear in the text however deep the nesting (a hostile record cannot make it
# quadratic); see decode_entities.
_NESTED = _rc.compile(r"&(?:amp;)*(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
ENTITY_PASSES = 3  # decoding passes at most (a decoded "&" may start a reference again)


def has_entities(text: str) -> bool:
    """Whether ``text`` holds an HTML character reference (see ``_ENTITY``)."""
    return "&" in text and _ENTITY.search(text) is not None


def decode_entities(text: str) -> str:
    """``text`` with its HTML character references decoded, escaped ones too ("&amp;#8217;"
    is one reference escaped twice); unknown names stay as they are.  At most
    ``ENTITY_PASSES`` passes (only a reference spelt out by decoded ones - "&#38;amp;" -
    needs a second), so a text built to nest them deeper keeps some."""
    for _ in range(ENTITY_PASSES):
        if "&" not in text:
            break
        new = _NESTED.sub(_decode_one, text)
        if new == text:
            break
        text = new
    return text


def _decode_one(m: re.Match[str]) -> str:
    ref = "&" + m.group(1) + ";"
    return html.unescape(ref)  # (an unknown name stays, its "&amp;" layers decoded)


def _characters(text: str) -> str:
    while True:
        if "&" in text:
            text = decode_entities(text)
        if text.isascii():  # ASCII text is already in every other normal form
            return text
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
            if has_entities(text):  # ("\uff06amp;" is "&amp;" once in NFKC)
                continue
        if _SPECIAL.search(text):
            text = _SPECIAL.sub(lambda m: _QUOTE_MAP.get(m.group(), "-"), text)
        return text


def _chars_in_place(text: str) -> str | None:
    """``_characters(text)`` when it maps character for character (same length, so every
    line of the result is ``_characters`` of that line: text already in NFKC - any piece of it
    too - only quotes and dashes replaced; no character references), else None."""
    if has_entities(text):
        return None
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        return None
    if _SPECIAL.search(text):
        return _SPECIAL.sub(lambda m: _QUOTE_MAP.get(m.group(), "-"), text)
    return text


def normalize(text: str) -> str:
    """Unicode NFKC, ASCII quotes and dashes, single spaces. Idempotent."""
    return " ".join(_characters(text).split())


def normalize_story(text: str) -> str:
    """:func:`normalize`, but line breaks kept (one ``\\n`` between non-empty lines).

    Paragraph and headline breaks are sentence-unit boundaries for verification.
    """
    lines = (line if _single_spaced(line) else " ".join(line.split())
             for line in _characters(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _single_spaced(line: str) -> bool:
    """``" ".join(line.split()) == line``, cheaply: every whitespace character but the space
    is non-printable (str.isprintable), so a printable line needs only spaces checked."""
    return line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " "


# Boilerplate line patterns: (name, regex, why). Matched against a normalised, stripped line.
# Every pattern is anchored to the whole line and only applies to short lines (see
# MAX_BOILERPLATE_WORDS) so a sentence of the story that happens to say "subscribe" stays.
def _by_first_char(alternation: str) -> str:
    """``alternation`` (literal words joined by "|"; an escape or a space with its "+" is
    one character) as a trie: words grouped by their first character, the rests likewise.
    It matches where ``alternation`` does, re.I or not (a prefix match: which word matched
    does not matter), but sre no longer tries every word at every line."""
    return _trie([_chars(w) for w in alternation.split("|")])


def _chars(word: str) -> list[str]:
    out: list[str] = []
    k = 0
    while k < len(word):
        n = 2 if word[k] == "\\" or word[k + 1:k + 2] == "+" else 1
        out.append(word[k:k + n])
        k += n
    return out


def _trie(words: list[list[str]], exact: bool = False) -> str:
    """The words (lists of characters) as one alternation, factored by their characters.
    Not ``exact``: a prefix match (a word that ends makes its continuations moot); ``exact``:
    every word, each one's longer extensions tried first (an empty alternative last)."""
    ends = any(not w for w in words)
    if ends and not exact:
        return ""  # a word ends here: any continuation is a longer word, a prefix will do
    groups: dict[str, list[list[str]]] = {}
    for w in words:
        if w:
            groups.setdefault(w[0], []).append(w[1:])
    alts = []
    for first, rests in groups.items():
        rest = _trie(rests, exact)
        alts.append(first + (f"(?:{rest})" if "|" in rest else rest))
    return "|".join(alts) + ("|" if ends else "")


# Site menus and legal footers: a line of three menu words (two legal ones) and nothing else
# but separators.  Lowercase; each word's first word is also a _HEADS prefix (the prefilter).
# English, and the section names of the languages news pipelines see most.
MENU_WORDS = (
    "home", "news", "sport", "sports", "business", "weather", "politics", "entertainment",
    "world", "uk", "us", "u.s.", "local", "opinion", "opinions", "video", "videos", "culture",
    "tech", "technology", "science", "health", "travel", "lifestyle", "life", "style", "arts",
    "money", "markets", "economy", "finance", "cars", "motoring", "property", "jobs",
    "education", "food", "music", "film", "films", "tv", "radio", "podcasts", "podcast",
    "live", "latest", "europe", "asia", "africa", "americas", "australia", "middle east",
    "environment", "climate", "earth", "innovation", "sustainability", "legal", "games",
    "puzzles", "crosswords", "obituaries", "books", "fashion", "beauty", "photos", "pictures",
    "magazine", "iplayer", "sounds", "bitesize", "shop", "more", "menu", "search", "sign in",
    "subscribe", "comment", "columnists", "letters", "features", "analysis", "reviews",
    "sections", "regions", "newsletters", "events", "media", "society", "family", "dating",
    "horoscopes", "nation", "national", "international", "metro", "crime", "courts",
    "celebrity", "celebs", "royals", "tech & science", "fact check", "investigations",
    "elections", "congress", "white house", "shows", "cricket", "football", "soccer",
    "rugby", "tennis", "golf", "formula 1", "f1", "just in", "for you", "explainers",
    "wellness", "real estate", "personal finance", "small business", "tech news", "uk news",
    "world news", "local news", "us news", "business news",
    # es / pt / it / fr / de
    "portada", "inicio", "internacional", "nacional", "españa", "economía", "sociedad",
    "educación", "ciencia", "cultura", "deportes", "opinión", "tecnología", "salud",
    "clima", "medio ambiente", "gente", "mundo", "brasil", "política", "esporte",
    "esportes", "saúde", "ciência", "educação", "mercado", "economia", "cronaca", "politica",
    "esteri", "spettacoli", "sport", "tecnologia", "accueil", "planète", "politique",
    "société", "sociétés", "économie", "idées", "culture", "startseite", "politik",
    "ausland", "inland", "panorama", "wirtschaft", "wissenschaft", "kultur", "leben",
    "netzwelt", "reise", "gesundheit",
    # ru / zh / ar
    "главная", "новости", "россия", "мир", "экономика", "политика", "общество", "культура",
    "спорт", "наука", "технологии", "происшествия", "首页", "国内", "国际", "财经", "军事",
    "体育", "娱乐", "科技", "社会", "新闻", "评论", "视频", "الرئيسية", "أخبار", "سياسة",
    "اقتصاد", "رياضة", "ثقافة", "منوعات", "تكنولوجيا", "صحة", "عربي", "دولي")
LEGAL_WORDS = (
    "about", "about us", "contact", "contact us", "terms", "terms of use", "terms of service",
    "terms and conditions", "terms & conditions", "privacy", "privacy policy",
    "privacy notice", "privacy settings", "cookies", "cookie policy", "cookie settings",
    "cookie preferences", "manage cookies", "accessibility", "accessibility help",
    "accessibility statement", "help", "careers", "jobs", "advertise", "advertise with us",
    "sitemap", "site map", "faq", "faqs", "feedback", "corrections", "newsletters", "rss",
    "subscriptions", "archive", "archives", "legal", "imprint", "contributors", "press",
    "do not sell my personal information", "do not sell my info", "code of conduct",
    "editorial guidelines", "complaints", "licensing", "syndication", "our journalism",
    "aviso legal", "política de privacidad", "política de cookies", "contacto",
    "mentions légales", "politique de confidentialité", "gestion des cookies",
    "impressum", "datenschutz", "agb", "kontakt", "note legali", "contatti")
SHARE_WORDS = (
    "share", "facebook", "twitter", "x", "email", "e-mail", "whatsapp", "linkedin",
    "pinterest", "reddit", "telegram", "messenger", "flipboard", "tweet", "sms", "mail",
    "print", "copy link", "copy the link", "comments", "comment", "save", "bluesky", "threads")
_SEP = r"(?: *[|\u00b7\u2022/>\u00bb\u203a\",] *| )"  # ("»" is '"' once normalised)


def _word_line(words: Sequence[str], least: int, first: Sequence[str] | None = None) -> str:
    """A line of at least ``least`` of ``words`` (the first one of ``first``) and separators."""
    def alt(ws: Sequence[str]) -> str:
        return _trie([_chars(re.escape(w).replace(r"\ ", " ")) for w in sorted(set(ws))],
                     exact=True)
    return (rf"(?:{alt(words if first is None else first)})(?!\w)"
            rf"(?:{_SEP}(?:{alt(words)})(?!\w)){{{least - 1},}} *[|\u00b7\u2022/>\u00bb\u203a\"]?")


# A list of links under a heading ("Related stories", "Most read", "Lo más leído",
# "Читайте также", "相关新闻"): the heading is boilerplate, and so are the headline-like
# lines under it (see _link_lists).  English first, then es, pt, it, fr, de, ru, zh, ar.
_NAME = r"[^.!?:]{1,40}"  # a site or section name in a heading
LIST_PHRASES = (
    r"related|related (stories|articles|content|topics|coverage|news|links|reading|posts|"
    r"videos?|items|story)|(similar|recent|popular|latest|top) (posts|articles|stories)|"
    r"more (on|about) (this|the|these) (story|stories|topics?|subject)|"
    r"more (top )?(stories|news|headlines|articles|videos|like this|to explore)"
    rf"( (from|in|on) {_NAME})?|more (from|in|on) {_NAME}|also (on|from|in) {_NAME}|"
    r"((today|this week)'?s )?most (read|popular|viewed|shared|watched|commented|emailed|"
    rf"recent)( stories| articles| now| today| this week| (in|on) {_NAME})?|"
    r"top (stories|news|headlines|articles|picks)( for you| today| now)?|"
    r"trending( now| stories| news| today| topics)?|(the )?latest( news| stories| headlines|"
    r" articles| updates| videos)?|recommended( for you| stories| reading| articles| videos)?|"
    r"you (may|might) (also )?(like|enjoy|have missed|be interested in)|"
    r"(also )?read (more|next|also|this)( on this topic| about this)?|keep reading|"
    r"must (read|see|watch)|see also|further reading|editor'?s'? (picks?|choice)|"
    rf"popular( now| stories| articles| today| on {_NAME})?|don'?t miss( this)?|"
    rf"in other news|elsewhere( on {_NAME})?|around the (web|region|world)|"
    r"what to read next|what (others|people) are (reading|watching)|"
    r"explore more( on (this|these) topics?)?|up next|watch next|in (this|the) series|"
    r"key (stories|links)|(related|useful|external) links|sponsored( stories| content| links)?|"
    r"from (our|the) (partners|network|archives?)|more from our (network|partners)|"
    # es
    r"(noticias|art[ií]culos|temas) relacionad[oa]s|relacionad[oa]s?|lo (m[aá]s (visto|le[ií]do|"
    r"popular|compartido)|[uú]ltimo)|(tambi[eé]n )?te (puede|podr[ií]a) interesar|"
    r"te recomendamos|m[aá]s informaci[oó]n|[uú]ltimas not[ií]cias|recomendad[oa]s|"
    r"archivado en|(lea|lee|ver|vea) tambi[eé]n|m[aá]s noticias|"
    # pt
    r"(leia|veja) tamb[eé]m|mais (lidas|lidos|vistos|vistas)( da semana| do dia| hoje)?|"
    r"not[ií]cias relacionadas|voc[eê] (pode|vai) gostar|em alta|mais not[ií]cias|"
    # it
    r"leggi anche|(i )?pi[uù] (letti|visti|popolari)( di oggi| della settimana)?|"
    r"(ti )?potrebbe interessar(ti|e)( anche)?|articoli correlati|notizie correlate|"
    r"ultime notizie|in evidenza|potrebbero interessarti|"
    # fr
    r"([aà] )?lire aussi|les (articles )?(les )?plus (lus|partag[eé]s|populaires|consult[eé]s)|"
    r"sur le m[eê]me (sujet|th[eè]me)|dans la m[eê]me rubrique|[aà] d[eé]couvrir( aussi)?|"
    r"(nos )?derni[eè]res (actualit[eé]s|infos|nouvelles)|vous aimerez aussi|"
    r"(vous pourriez|pourrait vous) (aussi |[eé]galement )?(aimer|int[eé]resser)|"
    r"[aà] voir aussi|voir aussi|"
    # de
    r"mehr zum thema|meistgelesen(e)?( artikel| nachrichten)?|"
    r"das k[oö]nnte sie (auch )?interessieren|weitere (artikel|nachrichten|themen)|"
    r"auch interessant|aktuelle nachrichten|top-?themen|empfehlungen der redaktion|"
    r"mehr aus dem ressort|lesen sie auch|zum thema|"
    # ru
    r"читайте также|самое (читаемое|популярное|интересное)|популярное|новости по теме|"
    r"другие новости|главное|последние новости|материалы по теме|рекомендуем|сейчас читают|"
    r"по теме|смотрите также|"
    # zh
    r"相关(新闻|阅读|文章|报道|推荐)|热点新闻|推荐阅读|热门(推荐|新闻|文章)|最新(新闻|消息)|"
    r"更多(新闻|阅读)|延伸阅读|点击排行|编辑推荐|猜你喜欢|"
    # ar
    r"اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|إقرأ أيضاً|الأكثر (قراءة|مشاهدة)|(أخبار|مواضيع|مقالات) ذات صلة|"
    r"آخر الأخبار|قد يعجبك أيضا|المزيد من الأخبار|مقالات مشابهة|شاهد أيضا|ذات صلة")
LINK_LIST_HEADING = rf"({LIST_PHRASES})\s*[:\uff1a]?"
# A promo inside the story: one of the phrases that lead to another article, a separator,
# and its headline ("Read more: ...", "ALSO READ | ...", "Lire aussi - ...", "【相关阅读】...");
# or a line that is an arrow and a headline ("→ ...").
_PROMO_LEADS = (
    r"(also )?read( more| also| next| this| the full story)?|related( article| story| stories|"
    r" articles| coverage| content)?|see also|more( on this story)?|don'?t miss|recommended|"
    r"watch|click here to read|previously|further reading|must read|"
    r"(lea|lee|ver|vea) tambi[eé]n|(leia|veja) tamb[eé]m|"
    r"te (puede|podr[ií]a) interesar|m[aá]s informaci[oó]n|relacionad[oa]|leggi anche|"
    r"([aà] )?lire aussi|voir aussi|vid[eé]o|lesen sie (auch|hier)|mehr zum thema|"
    r"auch interessant|zum thema|читайте также|по теме|подробнее|смотрите также|"
    r"相关(阅读|新闻|报道)|延伸阅读|推荐阅读|اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|شاهد أيضا|ذات صلة")
PROMO_PATTERN = (rf"({_PROMO_LEADS})\s*(:|\||-|\u2013|\u2014|\uff1a|>)\s*\S.{{0,200}}"
                 rf"|[\u3010\[]({_PROMO_LEADS})[\u3011\]]\s*\S.{{0,200}}"
                 r"|[\u2192\u25ba\u25b6\u25b8]\s*\S.{0,200}")
# The words any line of the patterns above (headings, promos, breadcrumbs, notices, share
# bars) starts with, for the prefilter (_HEADS): necessary, so generous.
_LIST_HEADS = (
    "related", "similar", "recent", "popular", "latest", "the latest", "top", "more", "also ",
    "today's", "todays", "this week", "most", "trending", "recommended", "you may",
    "you might", "read", "keep reading", "must read", "must see", "must watch", "see also",
    "further reading", "editor", "don", "in other news", "elsewhere", "around the",
    "what to", "what others", "what people", "explore more", "up next", "watch",
    "in this series", "in the series", "key stories", "key links", "useful links",
    "external links", "sponsored", "from our", "from the partners", "from the network",
    "from the archive", "click", "previously",
    # es / pt / it / fr / de
    "noticias", "not\u00edcias", "art\u00edculos", "articulos", "temas", "relacionad",
    "lo m\u00e1s", "lo mas", "lo \u00faltimo", "lo ultimo", "tambi\u00e9n", "tambien",
    "te puede", "te podr", "te recom", "m\u00e1s informaci", "mas informaci",
    "m\u00e1s noticias", "mas noticias", "\u00faltimas", "ultimas", "recomendad",
    "archivado", "lea tambi", "lee tambi", "ver tambi", "vea tambi", "leia tamb", "veja tamb",
    "mais lid", "mais vist", "mais not", "voc\u00ea", "voce", "em alta", "leggi", "i pi",
    "pi\u00f9", "piu", "ti potrebbe", "potrebbe", "articoli", "notizie", "ultime",
    "in evidenza", "a lire", "\u00e0 lire", "lire aussi", "les plus", "les articles",
    "sur le m", "dans la m", "a d\u00e9couvrir", "a decouvrir", "\u00e0 d\u00e9couvrir",
    "\u00e0 decouvrir", "nos derni", "derni", "vous aimerez", "vous pourriez",
    "pourrait vous", "a voir", "\u00e0 voir", "voir aussi", "vid", "mehr zum", "mehr aus",
    "meistgelesen", "das k\u00f6nnte", "das konnte", "weitere", "auch interessant",
    "aktuelle nachrichten", "empfehlungen", "lesen sie", "zum thema",
    # ru / zh / ar
    "\u0447\u0438\u0442\u0430\u0439\u0442\u0435", "\u0441\u0430\u043c\u043e\u0435",
    "\u043f\u043e\u043f\u0443\u043b\u044f\u0440\u043d\u043e\u0435",
    "\u043d\u043e\u0432\u043e\u0441\u0442\u0438 \u043f\u043e",
    "\u0434\u0440\u0443\u0433\u0438\u0435", "\u0433\u043b\u0430\u0432\u043d\u043e\u0435",
    "\u043f\u043e\u0441\u043b\u0435\u0434\u043d\u0438\u0435",
    "\u043c\u0430\u0442\u0435\u0440\u0438\u0430\u043b\u044b",
    "\u0440\u0435\u043a\u043e\u043c\u0435\u043d\u0434\u0443\u0435\u043c",
    "\u0441\u0435\u0439\u0447\u0430\u0441 \u0447\u0438\u0442\u0430\u044e\u0442",
    "\u043f\u043e \u0442\u0435\u043c\u0435", "\u0441\u043c\u043e\u0442\u0440\u0438\u0442\u0435",
    "\u043f\u043e\u0434\u0440\u043e\u0431\u043d\u0435\u0435",
    "\u043f\u043e\u0434\u0435\u043b\u0438\u0442\u044c\u0441\u044f",
    "\u76f8\u5173", "\u70ed\u70b9", "\u63a8\u8350", "\u70ed\u95e8", "\u6700\u65b0", "\u66f4\u591a",
    "\u5ef6\u4f38", "\u70b9\u51fb", "\u7f16\u8f91", "\u731c\u4f60", "\u5206\u4eab",
    "\u0627\u0642\u0631\u0623", "\u0625\u0642\u0631\u0623", "\u0627\u0644\u0623\u0643\u062b\u0631",
    "\u0623\u062e\u0628\u0627\u0631", "\u0645\u0648\u0627\u0636\u064a\u0639",
    "\u0645\u0642\u0627\u0644\u0627\u062a", "\u0622\u062e\u0631",
    "\u0642\u062f \u064a\u0639\u062c\u0628\u0643",
    "\u0627\u0644\u0645\u0632\u064a\u062f", "\u0634\u0627\u0647\u062f", "\u0630\u0627\u062a",
    "\u0634\u0627\u0631\u0643",
    # promos in brackets or after an arrow; breadcrumbs, notices, share bars, page layout
    "\u3010", "[", "\u2192", "\u25ba", "\u25b6", "\u25b8",
    "you are here", "breadcrumb", "menu", "do not sell", "your privacy", "powered by",
    "proudly powered", "share", "copy ", "link copied", "gift", "compartir", "partager",
    "artikel teilen", "teilen", "skip advertisement", "story continues", "article continues",
    "continue reading", "listen to", "reading time", "image source", "image caption",
    "media source", "media caption", "photograph:", "view comment", "show comment", "comment",
    "accept all", "accept cookies", "reject all", "reject cookies", "manage preferences",
    "manage cookies", "manage consent", "we use cookies", "already a subscriber",
    "support our", "support independent", "publicidad", "anzeige", "publicit", "pubblicit",
    "\u0440\u0435\u043a\u043b\u0430\u043c\u0430", "\u5e7f\u544a",
    "\u0625\u0639\u0644\u0627\u0646", "foto:")
_LIST_RULE = "link_list"
LINK_LIST_WHY = "a list of links to other articles (its heading and headlines) is page furniture"
LINK_ITEM_WORDS = 20  # a line under a link-list heading with fewer spaces than this ...
LINK_ITEM_CHARS = 160  # ... and characters (CJK has no spaces) ...
LINK_ITEM_ENDS = (".", ",", ";", ":", "\u3002", "\uff0c", "\uff1b", "\u060c", "\u061b")
# ... not ending like a sentence is a headline (a headline has no full stop; "..." or a
# question mark may end one)
LINK_LIST_MAX = 24  # headlines read under one heading at most

BOILERPLATE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (_LIST_RULE, LINK_LIST_HEADING, LINK_LIST_WHY),
    ("navigation", _word_line(MENU_WORDS, 3),
     "a menu line (three or more section names) is site navigation, not the story"),
    ("navigation", _word_line(LEGAL_WORDS, 2),
     "a footer line of legal and contact links is site furniture, not the story"),
    ("navigation", r"(you are here|breadcrumbs?)\s*:?.{0,120}|menu search|"
     r"(do not sell( or share)? my (personal )?info(rmation)?|your privacy (choices|rights))"
     r"|(proudly )?powered by [^.!?]{1,40}( \| .{1,60})?\.?",
     "breadcrumbs and site-wide notices are site furniture, not the story"),
    ("social_handles", _word_line(SHARE_WORDS, 2, [w for w in SHARE_WORDS if w != "x"]) +
     r"|(click to )?share( this| the| full)? (page|article|story|post|link|with .{1,60})"
     r"( \(opens in new window\))?|(click to )?share (on|via) .{1,40}|copy (the )?link|"
     r"link copied|gift (this )?article|share|compartir( en .{1,30})+|partager( sur .{1,30})?|"
     r"(artikel )?teilen|поделиться.{0,40}|分享到?[:：]?.{0,40}|شارك.{0,40}",
     "share bars (network names, share and copy-link buttons) are page furniture"),
    ("layout",
     r"(skip )?advertisement|(story|article) continues (below|after)( (the )?advertisement)?|"
     r"continue reading( the main story| below)?|listen to (this )?article.{0,24}|"
     r"reading time:? .{1,24}|(image|media) (source|caption)s?,?.{0,80}|"
     r"photograph: .{1,60}|(view |show )?comments?( \(\d+\))?|join the conversation|"
     r"(accept|reject) (all )?cookies|manage (preferences|cookies|consent)|"
     r"we use cookies.{0,200}|this (article|story) is more than \d+ (years?|months?) old|"
     r"already a subscriber\?.{0,30}|support (our|independent) journalism.{0,80}|"
     r"leave a reply( cancel reply)?|publicidad|anzeige|publicit[eé]|pubblicit[aà]|"
     r"\u0440\u0435\u043a\u043b\u0430\u043c\u0430|\u5e7f\u544a|\u0625\u0639\u0644\u0627\u0646|"
     r"foto: .{1,40}",
     "advertising slots, caption labels, comment counts, cookie notices and audio prompts "
     "are page layout, not the story"),
    ("call_to_action", PROMO_PATTERN,
     "a line that promotes another article (a lead-in and its headline) is site furniture"),
    ("call_to_action",
     r"(subscribe|sign up|sign in|log in|register now|follow us|join us|join our|share this|"
     r"also read|"
     r"share on|like us|download (our|the) app|get the app|read more|read also|see also|"
     r"related( stories| articles)?:|more from|click here|advertisement|sponsored content|"
     r"newsletter)\b.{0,200}",
     "calls to subscribe, follow, share or read on are site furniture, not the story"),
    ("navigation",
     r"(menu|home|search|skip to (main )?content|comments are closed\.?|leave a (comment|reply)|"
     r"no comments( yet)?\.?|print|email|back to top|top stories|trending( now)?|log out|close|"
     r"most (read|popular)|advertisement|loading\.*)",
     "site navigation words on a line of their own are page furniture"),
    ("social_handles",
     r"(follow|join|like|share|find)\b.{0,80}\b(whatsapp|telegram|twitter|facebook|"
     r"instagram|google news|linkedin|youtube)\b.{0,80}",
     "short lines naming social networks are follow/share prompts"),
    ("copyright", r"(©|\(c\) ?\d{4}|copyright\b).{0,120}|.{0,120}\ball rights reserved\b.{0,40}",
     "copyright lines differ between outlets carrying the same story"),
    ("distribution", r"(distributed by|syndicated by|this (article|story) (was|first) "
     r"(originally )?(published|appeared)|this (article|story|report) (was|has been) "
     r"(automatically )?(generated|produced|created|written) (by|using|with)).{0,120}",
     "distribution and syndication credits name the carrier, not the content"),
    ("visit_site", r"(visit|go to) \S+\.(com|org|net|co\.uk|in)\b.{0,40}",
     "links to an outlet's home page"),
    ("metadata",
     r"(date|published|updated|posted|last modified)\s*:?\s+[\w ,:./+-]{0,40}\d[\w ,:./+-]{0,40}"
     r"|(by|author|tags?|filed under)\s*:\s+.{1,60}",
     "metadata lines (date, byline, tags) vary between copies of one story"),
    ("photo_credit", r".{20,400}\((\w[\w .,'-]*)?(photo|getty|afp|ap|reuters|via|image|file)"
     r"\b[\w .,/'-]*\)\s*",
     "photo captions end in a credit in parentheses"),
)
MAX_BOILERPLATE_WORDS = 60  # longer lines are story text, whatever they contain
MIN_REPEAT_CHARS = 40  # a repeated line this long is a caption printed twice


def _max_width(rx: str) -> int:
    """Longest string ``rx`` can match (huge when unbounded): longer lines skip the pattern."""
    try:
        from re import _parser  # the stdlib's own pattern parser (Python 3.11+)

        return int(min(_parser.parse(rx, re.I).getwidth()[1], 1 << 30))
    except Exception:  # pragma: no cover - a future Python without it: try every line
        return 1 << 30


@functools.cache
def compiled_rules() -> tuple[tuple[str, re.Pattern[str], str, int], ...]:
    """Each pattern compiled on its own, with its width: (name, regex, why, width) - the
    rule as a loop over the patterns reads it (the tests' reference; :data:`_ANY` is what
    runs)."""
    return tuple((name, re.compile(rx, re.I), why, _max_width(rx))
                 for name, rx, why in BOILERPLATE_PATTERNS)


# All patterns as one alternation: fullmatch tries the branches in order, so the branch that
# matches is the first pattern that matches the whole line, as a loop over compiled_rules() would
# find (one regex call a line instead of eight).
_ANY = _rc.compile("|".join(f"(?P<r{k}>{rx})" for k, (_, rx, _) in
                            enumerate(BOILERPLATE_PATTERNS)), re.I)
# The longest line any pattern, and the copyright pattern, can match (``_max_width``; parsing
# every pattern for it took ~80 ms at each start: a test holds these equal to it)
_ANY_WIDTH = 1 << 30  # (some patterns are unbounded)
_RIGHTS_WIDTH = 179
_RULE = {f"r{k}": (name, why) for k, (name, _, why) in enumerate(BOILERPLATE_PATTERNS)}

# A cheap necessary condition for _ANY.fullmatch (most lines are story text and fail it): a
# line can only be boilerplate if it starts with one of these words (every pattern but the
# two below begins with a literal; prefixes of them here), ends in ")" (photo_credit, once
# trailing whitespace is dropped) or contains "all rights reserved" (copyright's second
# form).  Case-insensitive with re.I like the patterns themselves, so the same characters
# match ("ſ" is an "s", "K" a "k").  tests/test_boilerplate_fast.py holds it necessary.
_HEADS = _rc.compile(
    r"subscribe|sign up|sign in|log in|register now|follow|join|share|like|download |"
    r"get the app|read more|read also|see also|related|more from|click here|advertisement|"
    r"sponsored content|newsletter|"  # call_to_action
    r"menu|home|search|skip to |comments are closed|leave a |no comments|print|email|"
    r"back to top|top stories|trending|log out|close|most |loading|"  # navigation
    r"find|"  # social_handles (follow, join, like, share above)
    r"©|\(c\)|copyright|"  # copyright, first form
    r"distributed by|syndicated by|this article |this story |this report |"  # distribution
    r"visit |go to |"  # visit_site
    r"date|published|updated|posted|last modified|by|author|tag|filed under|"  # metadata
    # link_list headings and promos (their first words), breadcrumbs, notices
    # (each a prefix of the line as it is; a line of menu, footer or share words starts
    # with one of them whole)
    + "|".join(sorted({re.escape(w.lower()).replace("\\ ", " ") for w in
                       _LIST_HEADS + MENU_WORDS + LEGAL_WORDS + SHARE_WORDS if w != "x"})),
    re.I)
_RIGHTS = _rc.compile("all rights reserved", re.I)
# whitespace other than the space and the line break (str.split() and \s agree on it)
_OTHER_SPACE = _rc.compile(r"[^\S \n]")


def _may_be_boilerplate(norm: str) -> bool:
    """False only when ``_ANY.fullmatch(norm)`` is None (a prefilter; see _HEADS)."""
    return (_HEADS_FACTORED.match(norm) is not None or norm.rstrip()[-1:] == ")"
            or (len(norm) <= _RIGHTS_WIDTH and _RIGHTS.search(norm) is not None))


@dataclass(frozen=True)
class Boilerplate:
    """A line set aside for fingerprinting: where it is, which rule took it, and why."""

    span: Span
    rule: str
    why: str

    def to_dict(self) -> dict[str, object]:
        return {**self.span.to_dict(), "rule": self.rule, "why": self.why}


def find_boilerplate(text: str) -> list[Boilerplate]:
    """Boilerplate lines of ``text`` with spans into it (trailing whitespace excluded)."""
    return boilerplate_and_chars(text)[0]


def boilerplate_and_chars(text: str) -> tuple[list[Boilerplate], str | None]:
    """:func:`find_boilerplate`, and the text's characters normalised in place (see
    ``_chars_in_place``; None when normalising changes lengths), which it computes anyway."""
    found, chars, _ = boilerplate_chars_special(text)
    return found, chars


def boilerplate_chars_special(text: str
                              ) -> tuple[list[Boilerplate], str | None, set[str] | None]:
    """:func:`boilerplate_and_chars`, and the distinct non-ASCII characters of ``chars`` when
    it is not None and not ASCII (else None), which it computes anyway."""
    chars, special, enc, rest = _chars_special(text)
    # When the characters are already normal (the usual case) and the only whitespace is the
    # space and the line break, the text is searched whole (_scan_quick) rather than line by
    # line; _SPECIAL characters and what they map to are not whitespace, nor "a", "l", "r".
    plain = chars is not None and (not rest or _OTHER_SPACE.search(rest) is None)
    if plain:
        low = enc.lower()
        quick = _scan_quick(text, chars, low if special is None else None,  # type: ignore[arg-type]
                            low)
        if quick is not None:
            _link_lists(text, chars, quick)
            return _with_credit(text, [quick[k] for k in sorted(quick)]), chars, special
    if plain and "  " not in text:  # (= _spacing_is_clean(chars))
        # a stripped line with single spaces is its own normal form: no per-line normalize()
        found, lines, repeats = _scan_clean(text, chars)  # type: ignore[arg-type]
    else:
        found, lines, repeats = _scan(text, chars)
    if repeats:
        _repeated_captions(found, lines)
    _link_lists(text, chars, found)
    return _with_credit(text, [found[k] for k in sorted(found)]), chars, special


def chars_special(text: str) -> tuple[str | None, set[str] | None]:
    """The ``chars`` and ``special`` of :func:`boilerplate_chars_special`, without looking
    for boilerplate (for a title, where none can change the story's words)."""
    return _chars_special(text)[:2]


def _chars_special(text: str) -> tuple[str | None, set[str] | None, bytes, str]:
    """``chars``, ``special``, and for :func:`boilerplate_chars_special`'s whole-text search:
    the text's UTF-8 (when ``chars`` is not None) and its bytes other than visible ASCII,
    the space and the line break, decoded."""
    special: set[str] | None = None
    enc, rest = b"", ""
    chars: str | None
    if has_entities(text):  # decoding changes lengths: line by line (= _chars_in_place)
        chars = None
    elif text.isascii():  # (= _chars_in_place(text), and _spacing_is_clean below)
        chars = text
        enc = text.encode("ascii")
        rest = enc.translate(None, _VISIBLE).decode("ascii")
    elif unicodedata.is_normalized("NFKC", text):
        enc = text.encode("utf-8", "surrogatepass")
        # the control and non-ASCII characters; _chars_in_place maps only the _SPECIAL ones,
        # each to a visible ASCII character: the rest of ``chars`` is this minus _SPECIAL_SET
        rest = enc.translate(None, _VISIBLE).decode("utf-8", "surrogatepass")
        present = set(rest)
        if present.isdisjoint(_SPECIAL_SET):
            chars = text
        else:
            # (= _SPECIAL.sub(...): one str.replace a character present, each mapped to ASCII,
            # ~1 us where the regex scans the text char by char, ~15 us an article)
            chars = text
            for c in present & _SPECIAL_SET:
                chars = chars.replace(c, _QUOTE_MAP.get(c, "-"))
            present -= _SPECIAL_SET
        special = {c for c in present if c > "\x7f"}
    else:
        chars = None
    return chars, special, enc, rest


_CLOSERS = "\"'\u201d\u2019)\u00bb]"


def _sentence_end(norm: str) -> bool:
    """Whether a line ends like a sentence of the story, not a headline: a full stop, comma,
    semicolon or colon ("..." aside), or a closing quote after any end mark (a quote)."""
    core = norm.rstrip(_CLOSERS)
    if core != norm:
        return core.endswith(("!", "?", *LINK_ITEM_ENDS))
    return norm.endswith(LINK_ITEM_ENDS) and not norm.endswith("...")


def _link_lists(text: str, chars: str | None, found: dict[int, Boilerplate]) -> None:
    """The headlines under each link-list heading in ``found`` (rule ``link_list``), added
    to it: the lines after the heading, as long as each is headline-like (fewer than
    ``LINK_ITEM_WORDS`` spaces, not ending like a sentence; ``LINK_LIST_MAX`` at most) or
    boilerplate already (another heading, a share bar).  A story line ends the list."""
    for at in sorted(b.span.start for b in found.values() if b.rule == _LIST_RULE):
        pos = text.find("\n", at)
        items = 0
        while pos >= 0 and items < LINK_LIST_MAX:
            start = pos + 1
            pos = text.find("\n", start)
            raw = text[start:] if pos < 0 else text[start:pos]
            if not raw.strip():
                continue
            line = _line(text, chars, start, raw)
            if line is None:
                break  # a long paragraph: the story
            start, stripped, norm = line
            if start in found:
                continue
            if norm.count(" ") >= LINK_ITEM_WORDS or len(norm) > LINK_ITEM_CHARS \
                    or _sentence_end(norm):
                break
            found[start] = Boilerplate(_span(start, stripped), _LIST_RULE, LINK_LIST_WHY)
            items += 1


# A credit closing the story, in the languages news pipelines see most: Xinhua's end mark and
# editor/source credits (zh), "Источник: ..." / "По материалам ..." (ru), "(المصدر: ...)"
# (ar), "(Reporting by ...; Editing by ...)", "Source: ...", "Quelle: ...", "Fuente: ..." and
# their kin.  Read only at the very end of the text, after a sentence end or on a line of its
# own: a story's last sentence is never taken whole, one-paragraph articles (no line of its
# own for the credit: CJK, Arabic and Russian wire copy) included.
CREDIT_PATTERN = (
    r"[(\uff08]\s*\u5b8c\s*[)\uff09]"  # (完)
    r"|[(\uff08\u3010\[]\s*"  # (记者 ...) 【编辑：...】 (来源 ...)
    r"(?:\u8bb0\u8005|\u7f16\u8f91|\u8d23\u4efb\u7f16\u8f91|\u6765\u6e90|\u4f9b\u7a3f)"
    r"\s*[:\uff1a]?[^()\uff08\uff09\u3010\u3011\[\]\n]{1,40}[)\uff09\u3011\]]"
    r"|(?:\u8d23\u4efb\u7f16\u8f91|\u6765\u6e90|\u7f16\u8f91)\s*[:\uff1a]\s*[^\s\u3002]{1,30}"
    r"|\(?\s*(?:\u0438\u0441\u0442\u043e\u0447\u043d\u0438\u043a\s*:"  # Источник: ...
    r"|\u043f\u043e \u043c\u0430\u0442\u0435\u0440\u0438\u0430\u043b\u0430\u043c\b"  # По материалам
    r"|\u0444\u043e\u0442\u043e\s*:)\s*[^.!?\n()]{1,60}[.)]?"  # Фото: ...
    r"|\(?\s*(?:\u0627\u0644\u0645\u0635\u062f\u0631|\u0645\u0635\u062f\u0631)"  # (المصدر: ...)
    r"\s*:\s*[^.!?\n()]{1,60}\)?"
    r"|\(\s*(?:additional\s+)?(?:reporting|writing|editing|compiled)\s+by\b[^()\n]{1,160}\)"
    r"|(?:sources?|quelle|fuente|fonte|\u017ar\u00f3d\u0142o)\s*:\s*[^.!?\n]{1,60}\.?")
CREDIT_WHY = "a credit or source line closing the story names the carrier, not the content"
_CREDIT = _rc.compile(r"(?:^|(?<=[.!?\u3002\uff01\uff1f\u201d\"\u00bb])[ \t]*)"
                      rf"((?:{CREDIT_PATTERN})(?:[ \t]*(?:{CREDIT_PATTERN}))*)\s*\Z", re.I | re.M)
CREDIT_TAIL_CHARS = 200  # the credit, with what precedes it, lies in the text's last chars
CREDIT_MAX_WORDS = 16
MIN_BODY_CHARS = 24  # a story shorter than this and 5 words is all boilerplate: kept whole


def _with_credit(text: str, found: list[Boilerplate]) -> list[Boilerplate]:
    """``found`` plus the credits closing ``text`` (see ``CREDIT_PATTERN``), one item each
    ("【编辑：王磊】（完）" is two), unless a line rule took their line already."""
    end = len(text.rstrip())
    if found and found[-1].span.end >= end:
        return found  # the last line is boilerplate already (the credit would be inside it)
    tail = max(0, end - CREDIT_TAIL_CHARS)
    if CREDIT_MARK.search(text, tail) is None:  # most texts: one scan of the tail, no credit
        return found
    m = _CREDIT.search(text, tail)
    if m is None or len(m.group(1).split()) > CREDIT_MAX_WORDS:
        return found
    if found and found[-1].span.end > m.start(1):
        return found
    out = list(found)
    for item in _CREDIT_ITEM.finditer(text, m.start(1), m.end(1)):
        a, b = item.start(), item.start() + len(item.group().rstrip())
        out.append(Boilerplate(Span(a, b, text[a:b]), "credit", CREDIT_WHY))
    return out


_CREDIT_ITEM = _rc.compile(CREDIT_PATTERN, re.I)
# every credit holds one of these: a colon, an opening bracket or "(по) материалам"
CREDIT_MARKS = (":", "(", "\uff1a", "\uff08", "\u3010", "[",
                 "\u0430\u0442\u0435\u0440\u0438\u0430\u043b\u0430\u043c",
                 "\u0410\u0422\u0415\u0420\u0418\u0410\u041b\u0410\u041c")
CREDIT_MARK = _rc.compile("|".join(map(re.escape, CREDIT_MARKS)))  # (any of them, one search)


_Line = tuple[int, str, str]  # (start of the stripped line, stripped, normalised)
_VISIBLE = bytes(range(0x21, 0x7F)) + b" \n"


def _spacing_is_clean(chars: str) -> bool:
    """Is every whitespace character of ``chars`` a single space or a line break?  Then each
    line, stripped, is its own ``" ".join(line.split())``."""
    if "  " in chars:
        return False
    # what is left: ASCII control characters and the UTF-8 bytes of non-ASCII characters
    rest = chars.encode("utf-8", "surrogatepass").translate(None, _VISIBLE)
    return not rest or _OTHER_SPACE.search(rest.decode("utf-8", "surrogatepass")) is None


# Boilerplate is the lines a site prints on every page: the same few lines come back across
# a stream (a wire story's republications each end in one of a few dozen), and one regex
# call on such a line takes ~15 us.  The lines tested are short (those past the prefilter):
# 16k of them are a few MB at most.
@functools.lru_cache(maxsize=1 << 14)
def _match(norm: str) -> tuple[str, str] | None:
    """(rule, why) of the first pattern matching the whole normalised line, if any."""
    m = _ANY.fullmatch(norm)
    return _RULE[m.lastgroup] if m else None  # type: ignore[index]


def _head(norm: str) -> str:
    return norm.lower()[:MIN_REPEAT_CHARS] if not norm.isascii() else \
        norm[:MIN_REPEAT_CHARS].lower()


def _scan(text: str, chars: str | None) -> tuple[dict[int, Boilerplate], list[_Line], bool]:
    """Pattern matches, the lines that may be repeated captions (MIN_REPEAT_CHARS or longer),
    and whether two of those share their head (else no line repeats another)."""
    found: dict[int, Boilerplate] = {}
    lines: list[_Line] = []
    heads: set[str] = set()
    repeats = False
    pos = 0
    for raw in text.split("\n"):
        start = pos
        pos += len(raw) + 1
        line = _line(text, chars, start, raw)
        if line is None:
            continue  # story paragraphs: nothing to set aside
        start, stripped, norm = line
        if len(norm) >= MIN_REPEAT_CHARS:
            lines.append(line)
            head = _head(norm)
            repeats = repeats or head in heads
            heads.add(head)
        _test_line(found, start, stripped, norm)
    return found, lines, repeats


def _line(text: str, chars: str | None, start: int, raw: str) -> _Line | None:
    """The line ``raw`` of ``text`` (at ``start``) as :func:`_scan` reads it, None when it
    skips it (empty, or a story paragraph)."""
    stripped = raw.strip()
    if not stripped or stripped.count(" ") > 4 * MAX_BOILERPLATE_WORDS:
        return None
    lead = 0 if raw[0] == stripped[0] else len(raw) - len(raw.lstrip())
    if chars is None:
        norm = normalize(stripped)
    else:
        norm = stripped if chars is text else chars[start + lead:start + lead + len(stripped)]
        if not _single_spaced(norm):
            norm = " ".join(norm.split())
    return start + lead, stripped, norm


def _test_line(found: dict[int, Boilerplate], start: int, stripped: str, norm: str) -> None:
    """Record the line in ``found`` if a pattern matches it (``norm``: stripped, normalised,
    not empty; ``start``: where ``stripped`` starts in the text)."""
    if norm.count(" ") >= MAX_BOILERPLATE_WORDS or len(norm) > _ANY_WIDTH \
            or not _may_be_boilerplate(norm):
        return
    rule = _match(norm)
    if rule:
        found[start] = Boilerplate(_span(start, stripped), *rule)


def _scan_clean(text: str, chars: str) -> tuple[dict[int, Boilerplate], list[_Line], bool]:
    """:func:`_scan` when ``_spacing_is_clean(chars)``: a line's only whitespace is single
    spaces, so stripped it is normalised already, and its spaces are only counted when it
    may be boilerplate or a repeated caption."""
    found: dict[int, Boilerplate] = {}
    lines: list[_Line] = []
    heads: set[str] = set()
    repeats = False
    pos = 0
    raws = text.split("\n")
    for raw, line in zip(raws, raws if chars is text else chars.split("\n"), strict=True):
        start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            continue
        if raw[0] == " ":
            start += 1
        norm = stripped if line is raw else line.strip()
        n = len(norm)
        if n >= MIN_REPEAT_CHARS:
            # (lines with more than 4 * MAX_BOILERPLATE_WORDS spaces are dropped below, only
            # when some head repeats: the comparison needs the exact list)
            lines.append((start, stripped, norm))
            head = norm[:MIN_REPEAT_CHARS].lower() if norm.isascii() else \
                norm.lower()[:MIN_REPEAT_CHARS]
            if head in heads:
                repeats = True
            heads.add(head)
        _test_line(found, start, stripped, norm)
    if repeats:
        lines = [x for x in lines if x[1].count(" ") <= 4 * MAX_BOILERPLATE_WORDS]
    return found, lines, repeats


# The whole-text searches of _scan_quick, for a text whose whitespace is spaces and line
# breaks only (so a line's normal form is the line stripped, runs of spaces made single):
# each twice, for str with re.I like _HEADS, and for the lowercased UTF-8 of an ASCII text
# (where re.I only pairs an ASCII letter with its other case; the words are lowercase).
# A line whose normal form _HEADS matches: "\n" (or the text's start), spaces, a _HEADS word
# (its spaces runs).  ``*+`` (possessive): the spaces are the line's, never part of the word.
_HEADS_AT = " *+(?:" + _by_first_char(_HEADS.pattern.replace(" ", " +")) + ")"
_HEADS_FACTORED = _rc.compile(_by_first_char(_HEADS.pattern), re.I)  # (= _HEADS, faster)
# A ")" that ends a stripped line: followed by spaces and the line's end.
_PAREN_END = r"\) *(?=\n|\Z)"
# The first MIN_REPEAT_CHARS characters of a line whose stripped form is at least that long:
# after the leading spaces, that many characters of the line, the last one not a space or one
# followed by more of the line than spaces.  When the line has no run of spaces in them, they
# are the first MIN_REPEAT_CHARS characters of its normal form too.
_LONG_HEAD = f" *+([^\\n]{{{MIN_REPEAT_CHARS - 1}}}(?:[^ \\n]| (?= *[^ \\n])))"
assert _HEADS.pattern == _HEADS.pattern.lower()


# "all rights reserved" anywhere in a line (copyright's second form; _RIGHTS on the normal
# form, whose single spaces are runs here)
_RIGHTS_AT = _RIGHTS.pattern.replace(" ", " +")


def _searches(compile: Callable[[str], re.Pattern]) -> tuple[re.Pattern, ...]:
    return (compile("\n" + _LONG_HEAD), compile(_LONG_HEAD), compile("\n" + _HEADS_AT),
            compile(_HEADS_AT), compile(_PAREN_END), compile(_RIGHTS_AT))


_STR_SEARCHES = _searches(lambda rx: _rc.compile(rx, re.I))
_RIGHTS_UTF8 = _rc.compile(_RIGHTS_AT.encode("ascii"))
# the letters outside ASCII that re.I pairs with one of "all rights reserved" (tests hold it)
_RIGHTS_ODD = _rc.compile("[\u0130\u0131\u017f]")
_ASCII_SEARCHES = _searches(lambda rx: _rc.compile(rx.encode("utf-8")))


def _rights_odd(chars: str) -> bool:
    """``_RIGHTS_ODD.search(chars) is not None``: three substring tests (~20x faster on a
    news article than the character class, which the regex engine scans for char by char)."""
    return "\u0130" in chars or "\u0131" in chars or "\u017f" in chars


def _scan_quick(text: str, chars: str, low: bytes | None, utf8_low: bytes | None = None
                ) -> dict[int, Boilerplate] | None:
    """``_scan(text, chars)[0]`` when no two long lines share their head (else None), for a
    text whose whitespace is spaces and line breaks only.  A few C-level searches over the
    whole text instead of a loop over its lines: the heads of the long lines (no two alike:
    no line repeats another; None when one holds a run of spaces), and the lines that may
    pass _may_be_boilerplate - a _HEADS word starts the normal form, ")" ends it or it holds
    "all rights reserved".  Only these lines go through _scan's per-line code
    (:func:`_line`, :func:`_test_line`).  ``low``: ``text.encode().lower()`` when ``text`` is
    ASCII (then searched instead); ``utf8_low``: the same for any text (its ASCII letters
    lowercased), where "all rights reserved" is searched when no letter outside ASCII can
    match one of its letters under re.I (``_RIGHTS_ODD``)."""
    subject: str | bytes = chars if low is None else low
    long_heads, first_long, line_heads, first_heads, paren_end, rights = \
        _STR_SEARCHES if low is None else _ASCII_SEARCHES
    heads = long_heads.findall(subject)
    first = first_long.match(subject)
    if first is not None:
        heads.append(first.group(1))
    if len(heads) > 1:
        if low is None:
            # the heads' lowercase as _scan has it (the line's, cut): "İ" lowercases to two
            # characters and a capital sigma by what follows; else character by character
            if "\u0130" in chars or "\u03a3" in chars or "  " in "\n".join(heads):
                return None
            heads = [h.lower() for h in heads]
        elif b"  " in b"\n".join(heads):
            return None
        if len(set(heads)) < len(heads):
            return None
    starts = {m.start() + 1 for m in line_heads.finditer(subject)}
    if first_heads.match(subject) is not None:
        starts.add(0)
    if paren_end.search(subject) is not None:
        for m in paren_end.finditer(subject):
            starts.add(chars.rfind("\n", 0, m.start()) + 1)
    if low is None and utf8_low is not None and not _rights_odd(chars):
        for m in _RIGHTS_UTF8.finditer(utf8_low):  # (the str search with re.I is ~8x slower)
            at = utf8_low.rfind(b"\n", 0, m.start()) + 1
            starts.add(len(utf8_low[:at].decode("utf-8", "surrogatepass")))
    else:
        for m in rights.finditer(subject):
            starts.add(chars.rfind("\n", 0, m.start()) + 1)
    found: dict[int, Boilerplate] = {}
    for at in starts:
        end = text.find("\n", at)
        line = _line(text, chars, at, text[at:] if end < 0 else text[at:end])
        if line is not None:
            _test_line(found, *line)
    return found


def _repeated_captions(found: dict[int, Boilerplate], lines: list[_Line]) -> None:
    """Captions printed twice (often once with a photo credit appended): a line and its
    repeat or extension (they share their first MIN_REPEAT_CHARS lowercased characters)."""
    # Sorted, a line sits right before its repeats and its extensions.
    norms = sorted((norm.lower(), start, stripped) for start, stripped, norm in lines)
    for (norm, start, stripped), (nxt, nstart, nstripped) in itertools.pairwise(norms):
        if nxt.startswith(norm):
            for st, sx in ((start, stripped), (nstart, nstripped)):
                if st not in found:
                    found[st] = Boilerplate(
                        _span(st, sx), "repeated_caption",
                        "a line printed twice (a photo caption and its repeat) is page layout")


def _span(start: int, stripped: str) -> Span:
    return Span(start, start + len(stripped), stripped)


@dataclass(frozen=True)
class Prepared:
    """Text ready for fingerprinting: the story with boilerplate lines set aside."""

    body: str  # normalised story text, line breaks kept (boilerplate lines removed)
    boilerplate: tuple[Boilerplate, ...]


def cut_boilerplate(text: str, bp: Sequence[Boilerplate]) -> str:
    """``text`` without its boilerplate lines (``bp``: in text order), the pieces joined by
    line breaks."""
    parts, pos = [], 0
    for b in bp:
        parts.append(text[pos : b.span.start])
        pos = b.span.end
    parts.append(text[pos:])
    return "\n".join(parts)


def all_boilerplate(words: int, chars: int) -> bool:
    """Whether what is left once the boilerplate lines are cut (``words`` between spaces;
    ``chars`` with whitespace collapsed) is too little to be the story: then everything
    looked like boilerplate and the text is kept whole (characters count too: a CJK story
    is one "word" between spaces)."""
    return words < 5 and chars < MIN_BODY_CHARS


# Hard-wrapped text (wire and e-mail copy, plain-text archives: every line cut at a fixed
# width, mid-sentence): its line breaks are not paragraph or sentence boundaries, so its
# lines are joined within each paragraph (blank lines) before the text is cut into sentence
# units; else the same story, wrapped and not, aligns fragment against sentence.
WRAP_MIN_LINES = 4  # a text of this many lines at least ...
WRAP_MAX = 100  # ... none longer than this many characters ...
WRAP_BAND = 16  # ... where WRAP_SHARE of the lines inside a paragraph (its last line aside)
WRAP_SHARE = 0.6  # are within WRAP_BAND characters of the longest ...
WRAP_OPEN = 0.5  # ... and this share of them ends mid-sentence ...
WRAP_LOWER = 0.3  # ... and this share is followed by a line that starts in lower case (a
# sentence going on: a list of headlines or a menu starts each line with a capital) ...
WRAP_MIN = 40  # ... and the longest line has this many characters at least
_SENTENCE_ENDS = (".", "!", "?", ":", ";", '"', "'", ")", "\u201d", "\u2019", "\u00bb",
                  "\u3002", "\uff01", "\uff1f", "\u0964", "\u061f", "\u06d4")


# a stripped line longer than WRAP_MAX (it holds a run of WRAP_MAX + 1 characters or more that
# starts and ends with one that is not whitespace, and only such a line does)
_LONG_LINE = _rc.compile(rf"\S[^\n]{{{WRAP_MAX - 1},}}\S")


def hard_wrapped(text: str) -> bool:
    """Whether ``text`` is hard-wrapped (see ``WRAP_*``)."""
    if text.count("\n") < WRAP_MIN_LINES - 1 or _LONG_LINE.search(text) is not None:
        return False
    lines = [line.strip() for line in text.split("\n")]
    inner: list[int] = []
    n = longest = open_ends = lower = 0
    for k, line in enumerate(lines):
        if not line:
            continue
        n += 1
        longest = max(longest, len(line))
        if k + 1 < len(lines) and lines[k + 1]:  # not its paragraph's last line
            inner.append(len(line))
            open_ends += not line.endswith(_SENTENCE_ENDS)
            lower += lines[k + 1][0].islower()
    if n < WRAP_MIN_LINES or len(inner) < WRAP_MIN_LINES - 1 or longest < WRAP_MIN:
        return False
    near = sum(x >= longest - WRAP_BAND for x in inner)
    return near >= WRAP_SHARE * len(inner) and open_ends >= WRAP_OPEN * len(inner) \
        and lower >= WRAP_LOWER * len(inner)


def unwrapped(text: str) -> str:
    """``text`` with the lines of each paragraph joined when it is hard-wrapped, else as it
    is (see ``WRAP_*``)."""
    if not hard_wrapped(text):
        return text
    paras: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            paras[-1].append(line.strip())
        elif paras[-1]:
            paras.append([])
    return "\n".join(" ".join(p) for p in paras if p)


def prepare(text: str, boilerplate: list[Boilerplate] | None = None) -> Prepared:
    """Normalise ``text`` and set its boilerplate lines aside (``boilerplate``: already found);
    a hard-wrapped story's lines joined (:func:`unwrapped`)."""
    bp = find_boilerplate(text) if boilerplate is None else boilerplate
    if not bp:
        return Prepared(normalize_story(unwrapped(text)), ())
    body = normalize_story(unwrapped(cut_boilerplate(text, bp)))
    if all_boilerplate(len(body.split()), len(body)):
        return Prepared(normalize_story(unwrapped(text)), ())
    return Prepared(body, tuple(bp))
