"""`dedupe-news cluster` and `dedupe-news explain`."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from dedupe_news.candidates import LshSettings
from dedupe_news.cli._common import (
    OneLineUsageError,
    SidedCommand,
    collect,
    default_format,
    echo_err,
    finish,
    human,
    input_options,
    json_line,
    load_side,
    report_reject,
    same_input,
    side_options,
    table,
    table_width,
    wrap,
    write_csv,
    write_line,
)

CSV_FIELDS = ("id", "cluster", "canonical", "duplicate_of", "similarity", "relation", "links")
LARGE_INPUT = 8_000_000  # bytes of input files: ~4,000 news articles, worth worker processes


def _input_bytes(paths: tuple[str, ...]) -> int:
    """Size of the named input files (directories and stdin count as small)."""
    total = 0
    for p in paths:
        path = Path(p)
        try:
            if p != "-" and path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def _settings(num_perm: int, bands: int, rows: int, copy_coverage: float,
              sentence_threshold: float, workers: int | None):  # -> ClusterSettings
    from dedupe_news.cluster import ClusterSettings
    from dedupe_news.verify import VerifySettings

    try:
        lsh = LshSettings(num_perm=num_perm, bands=bands, rows=rows)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return ClusterSettings(lsh=lsh, verify=VerifySettings(
        sentence_threshold=sentence_threshold, copy_coverage=copy_coverage), workers=workers)


_STR = json.encoder.encode_basestring  # json.dumps(s, ensure_ascii=False) for a str
_LITERAL = {True: "true", False: "false", None: "null"}
_RAW_BREAKS = ("\u2028", "\u2029", "\x85")


def _value(v: object) -> str:
    if v is None or v is True or v is False:
        return _LITERAL[v]  # type: ignore[index]
    if type(v) is str:
        return _STR(v)
    if type(v) is float and v - v == 0:  # finite: json writes float.__repr__
        return float.__repr__(v)
    return json.dumps(v)


def _record_line(r: dict[str, Any]) -> str:
    """``json.dumps(r, ensure_ascii=False)`` for a cluster record, built directly."""
    if list(r) != _KEYS:
        raise KeyError("not a cluster record")
    links = ", ".join(map(_link_text, r["links"]))
    return (f'{{"id": {_value(r["id"])}, "cluster": {_value(r["cluster"])}, '
            f'"canonical": {_value(r["canonical"])}, '
            f'"duplicate_of": {_value(r["duplicate_of"])}, '
            f'"similarity": {_value(r["similarity"])}, "relation": {_value(r["relation"])}, '
            f'"links": [{links}]}}')


def _link_text(lk: dict[str, Any]) -> str:
    if len(lk) != 3:
        raise KeyError("not a link")
    return (f'{{"id": {_value(lk["id"])}, "relation": {_value(lk["relation"])}, '
            f'"score": {_value(lk["score"])}}}')


_KEYS = ["id", "cluster", "canonical", "duplicate_of", "similarity", "relation", "links"]


def write_jsonl(records: list[dict[str, Any]], out: Any, block: int = 20000) -> None:
    """The JSONL output, as :func:`json_line` writes each record, a block at a time."""
    for k in range(0, len(records), block):
        part = records[k : k + block]
        try:
            text = "\n".join(map(_record_line, part)) + "\n"
            text.encode("utf-8")  # a lone surrogate: json_line escapes that record instead
            if any(b in text for b in _RAW_BREAKS):
                raise ValueError("raw line separator")
        except (UnicodeEncodeError, ValueError, KeyError, TypeError):
            text = "".join(json_line(r) + "\n" for r in part)
        out.write(text)


def _progress_cb(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}

    def cb(stage: str, done: int, total: int) -> None:
        bar = state.get(stage)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{stage:9}", file=sys.stderr)
            bar.__enter__()
            state[stage] = bar
            state.setdefault("pos", {})[stage] = 0
        pos = state["pos"]
        bar.update(done - pos[stage])
        pos[stage] = done
        if done >= total:
            bar.__exit__(None, None, None)

    return cb


_MATCH_OPTIONS = [
    click.option("--num-perm", type=click.IntRange(16, 1024), default=LshSettings.num_perm,
                 show_default=True, help="MinHash permutations."),
    click.option("--bands", type=click.IntRange(1), default=LshSettings.bands,
                 show_default=True, help="LSH bands (b)."),
    click.option("--rows", type=click.IntRange(1), default=LshSettings.rows,
                 show_default=True, help="LSH rows per band (r)."),
    click.option("--copy-coverage", type=click.FloatRange(0, 1), default=0.75,
                 show_default=True,
                 help="Share of the shorter article's content in aligned sentences for "
                      "'copy'."),
    click.option("--sentence-threshold", type=click.FloatRange(0, 1), default=0.5,
                 show_default=True, help="Cosine for two sentences to count as aligned."),
]


def match_options(f: Any) -> Any:
    """The fingerprint and verification options, shared by ``cluster`` and ``explain`` so a
    non-default run can be explained with the same settings."""
    for opt in reversed(_MATCH_OPTIONS):
        f = opt(f)
    return f


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
              default=None, help="Output format [default: table on a terminal, else jsonl].")
@match_options
@click.option("--workers", type=click.IntRange(0), default=0,
              help="Worker processes for fingerprinting and damage scoring "
                   "(0: automatic, all cores for inputs over 8 MB).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress or summary on stderr (with --skip-bad, no skipped-input "
                   "lines either).")
@input_options
def cluster(paths: tuple[str, ...], fmt: str | None, num_perm: int, bands: int, rows: int,
            copy_coverage: float, sentence_threshold: float, workers: int, quiet: bool,
            max_bytes: int, skip_bad: bool) -> None:
    """Group near-duplicate articles and name a canonical copy per group.

    PATHS are directories (.txt/.md/.html, recursive), .jsonl(.gz) files, or - for JSONL
    on stdin.  JSONL output has one object per input article, in input order.

    \b
    Example:
      dedupe-news cluster seeds/ --format jsonl
    """
    from dedupe_news.cluster import cluster_articles, cluster_features
    from dedupe_news.features import featurize_jsonl, start_pool
    from dedupe_news.load import plain_jsonl_files

    settings = _settings(num_perm, bands, rows, copy_coverage, sentence_threshold,
                         workers or None)
    quiet_rejects = quiet and skip_bad
    # Worker processes are forked before the articles are read, so they do not carry a
    # copy of them: started for large inputs (or when --workers asks for them).
    nworkers = workers or (min(os.cpu_count() or 1, 8) if _input_bytes(paths) >= LARGE_INPUT
                           else 1)
    pool = start_pool(nworkers, num_perm) if nworkers > 1 else None
    progress_cb = _progress_cb(quiet)
    try:
        if pool is not None and plain_jsonl_files(paths):
            # the workers parse the lines too, while this process reads on
            t0 = time.perf_counter()
            articles, feats, rejects = featurize_jsonl(
                paths, pool, num_perm, max_bytes,
                on_reject=None if quiet_rejects else report_reject,
                size_hint=_input_bytes(paths))
            result = cluster_features(articles, feats, settings, progress=progress_cb,
                                      pool=pool, features_seconds=time.perf_counter() - t0)
        else:
            articles, rejects = collect(paths, max_bytes, quiet=quiet_rejects)
            result = cluster_articles(articles, settings, progress=progress_cb, pool=pool)
    finally:
        if pool is not None:
            pool.shutdown()
    fmt = default_format(fmt)
    stream = sys.stdout
    if fmt == "jsonl":
        write_jsonl(result.records, stream)
    elif fmt == "json":
        stream.write(json_line({
            "settings": result.signature,
            "articles": result.records,
            "clusters": result.clusters,
            "boilerplate": result.boilerplate,
            "stats": result.stats,
            "skipped": [r.to_dict() for r in rejects],
        }) + "\n")
    elif fmt == "csv":
        # links as a JSON array (ids may hold ':' or ';'); formula cells neutralised
        rows_ = [{**r, "links": json_line(r["links"])} for r in result.records]
        write_csv(rows_, CSV_FIELDS, stream)
    else:
        stream.write(cluster_table(result.records) + "\n")
        width = table_width()
        stream.write("\n" + _summary(result.stats["articles"], result.stats["clusters"]) + "\n")
        stream.write("\n".join(wrap(f"settings {result.signature}", width, breaks=" |"))
                     + "\n")
    stream.flush()
    if not quiet:
        spent = ", ".join(f"{STAGE_NAMES.get(k, k)} {v:.1f}s"
                          for k, v in result.timings.items())
        echo_err(f"dedupe-news: {_summary(len(articles), result.stats['clusters'])} "
                 f"({spent})")
    from dedupe_news.cli import skip_teardown

    skip_teardown()  # the batch is written: no need to free it object by object
    finish(rejects, skip_bad, quiet=quiet_rejects)


#: Stage names in the timings as the progress bars name them.
STAGE_NAMES = {"leaders": "verify"}


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _summary(articles: int, clusters: int) -> str:
    """The one wording of the counts, for the table and stderr: "5 articles, 1 cluster with
    copies"."""
    return f"{_plural(articles, 'article')}, {_plural(clusters, 'cluster')} with copies"


def _num4(v: object) -> str:
    return "" if v is None else f"{v:.4f}" if isinstance(v, (int, float)) else str(v)


def cluster_table(records: list[dict[str, Any]]) -> str:
    """The table: clusters with copies first (by their canonical's input position), each
    canonical first, then its members in input order; then single articles in input order.
    Similarities with 4 decimals; fits :func:`table_width` columns."""
    position = {r["id"]: i for i, r in enumerate(records)}
    groups: dict[object, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(r["cluster"], []).append(r)
    ordered = sorted(groups.values(),
                     key=lambda g: (len(g) == 1, min(position[r["id"]] for r in g)))
    rows: list[tuple[object, ...]] = []
    for n, group in enumerate(ordered, 1):
        group = sorted(group, key=lambda r: (not r["canonical"], position[r["id"]]))
        for r in group:
            role = ("canonical" if len(group) > 1 else "") if r["canonical"] else \
                (r["relation"] or "")
            links = ", ".join(f"{lk['id']} ({lk['relation']} {_num4(lk['score'])})"
                              for lk in r["links"])
            rows.append((n, r["id"], role, _num4(r["similarity"]), links))
    return table(rows, ["cluster", "id", "relation", "similarity", "links"])


@click.command(cls=SidedCommand)
@click.argument("first", metavar="A|RULE")
@click.argument("second", metavar="[B]", required=False)
@side_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@match_options
@input_options
def explain(first: str, second: str | None, a_id: str | None, b_id: str | None, fmt: str,
            num_perm: int, bands: int, rows: int, copy_coverage: float,
            sentence_threshold: float, max_bytes: int, skip_bad: bool) -> None:
    """Why two articles are (or are not) copies; or, with one RULE id, what a damage rule does.

    A and B are read as `cluster` reads its inputs: .txt/.md/.html files, or .jsonl(.gz)
    files (- for stdin) with --id ID after the file to pick a record (two --id after one
    file pick two of its records).  The matching options are `cluster`'s, so a run with
    non-default settings can be explained with the same ones.

    \b
    Examples:
      dedupe-news explain seeds/004_e07beac21c845ad2.txt seeds/002_4ebceb48bccda2a4.txt
      dedupe-news explain corpus.jsonl --id a7 --id b2 --copy-coverage 0.6
      dedupe-news explain MT001 --format json
    """
    if second is None:
        if a_id is not None or os.path.exists(first) or first == "-":
            raise OneLineUsageError(f"explain needs two articles (A and B) or one RULE id; "
                                    f"got only {first}")
        _explain_rule(first, fmt)
        return
    from dedupe_news.explain import explain_pair

    settings = _settings(num_perm, bands, rows, copy_coverage, sentence_threshold, None)
    if same_input(first, second, a_id, b_id):
        raise OneLineUsageError(f"A and B are the same article ({first}); give two")
    if first == "-" and second == "-":
        raise OneLineUsageError("stdin (-) can give only one side; save it to a .jsonl file "
                                "and pick two records with --id")
    art_a, rej_a = load_side(first, a_id, max_bytes, "explain")
    art_b, rej_b = load_side(second, b_id, max_bytes, "explain")
    report = explain_pair(art_a, art_b, lsh=settings.lsh, verify=settings.verify)
    if fmt == "json":
        write_line(json_line(report))
    else:
        write_line(format_explanation(report))
    finish([*rej_a, *rej_b], skip_bad)


def _explain_rule(rule_id: str, fmt: str) -> None:
    """``explain RULE``: the rule's rationale and examples, as text or JSON."""
    from dedupe_news.damage import explain_rule

    try:
        text = explain_rule(rule_id)
    except KeyError:
        raise OneLineUsageError(
            f"{rule_id!r} is not a rule id (see `dedupe-news rules`); to compare two "
            "articles give two paths") from None
    if fmt == "text":
        write_line(text)
        return
    import dataclasses

    from dedupe_news.damage.precision import precision_table
    from dedupe_news.damage.registry import load_rules

    (rule,) = [r for r in load_rules() if r.id == rule_id]
    doc: dict[str, Any] = dataclasses.asdict(rule)
    doc["measured"] = precision_table().get("rules", {}).get(rule.id)
    write_line(json_line(doc))


def format_explanation(r: dict[str, Any]) -> str:
    """Human-readable form of :func:`dedupe_news.explain.explain_pair`'s report."""
    sh = r["shingles"]
    ev = r["evidence"]
    lines = [
        f"A: {human(r['a']['id'])}  ({r['a']['sentences']} sentences, {sh['a']} shingles)",
        f"B: {human(r['b']['id'])}  ({r['b']['sentences']} sentences, {sh['b']} shingles)",
        f"Jaccard of shingles: exact {sh['jaccard_exact']:.3f}, MinHash estimate "
        f"{sh['jaccard_estimated']:.3f}; containment of the smaller {sh['containment']:.3f}",
        f"LSH: candidate probability at this Jaccard {sh['candidate_probability']:.2f}; "
        f"bands colliding {sh['bands_colliding']} -> "
        f"{'candidate' if sh['bands_colliding'] else 'not a candidate'}",
        "",
        f"Aligned sentences ({len(ev['pairs'])}), cosine >= {r['thresholds']['sentence']}"
        + (f"; * anchored: between two aligned pairs, cosine >= "
           f"{r['thresholds']['anchored']} or half its stems in one sentence, or at an edge "
           f"next to its neighbour's partner, cosine >= {r['thresholds']['anchored_edge']}; "
           f"same figures"
           if any(p.get("anchored") for p in ev["pairs"]) else "") + ":",
    ]
    for p in ev["pairs"]:
        mark = "*" if p.get("anchored") else " "
        lines.append(f"  A{p['a']:>3} ~ B{p['b']:<3} {p['cosine']:.2f}{mark} "
                     f"{p['a_text'][:60]!r} ~ {p['b_text'][:60]!r}")
    lines += [
        "",
        f"Coverage: A {ev['coverage_a']:.2f}, B {ev['coverage_b']:.2f} "
        f"(copy needs >= {r['thresholds']['copy_coverage']} of the shorter side)",
        f"Verdict: {r['verdict']}  (rule {r['rule']}, score {ev['score']:.3f}) - {r['why']}",
    ]
    rest = ev.get("longer_side_rest") or {}
    if "number_conflicts" in rest:
        lines.append(f"Aligned pairs with figures: {rest['number_conflicts']:.0f} give other "
                     f"figures, {rest['number_agreements']:.0f} share one")
    if "share" in rest:
        th = r["thresholds"]
        lines.append(
            f"Longer side's unaligned rest: {rest['share']:.2f} of it (news of its own from "
            f"{th['contain_rest']}), lead {rest['lead_share']:.2f} (own lead from "
            f"{th['lead_share']}), rare words shared: forward {rest['rare_forward']:.2f} "
            f"(other news below {th['continue_forward']}), reverse {rest['rare_reverse']:.2f} "
            f"(below {th['continue_reverse']}), {rest['rare_stems_shorter']:.0f} rare stems in "
            f"the shorter side (judged from {th['continue_min_rare']}); its own topic: "
            f"{rest['rest_topic_stems']:.0f} rare stems recurring in 2+ of its units, "
            f"{rest['rest_topic_held']:.2f} of them in the shorter side (another article from "
            f"{th['topic_min']} stems with at most {th['topic_held']}, forward below "
            f"{th['topic_forward']}, reverse below {th['topic_reverse']}); the longer "
            f"side's headline: {rest['headline_in_rest']:.0f} of its stems in the rest, "
            f"{rest['headline_in_shorter']:.0f} in the shorter side (its own news from "
            f"{th['title_min']} and none); rest on both sides: "
            f"{rest['lead_share']:.2f} before, "
            f"{rest['share'] - rest['lead_share'] - rest['gap_share']:.2f} after, gaps aside "
            f"(inside other news from {th['around_lead']} and {th['around_tail']}, forward "
            f"below {th['around_forward']}); rare words read as "
            f"{ev.get('rare_words_language')} (the shorter side's language: "
            f"{th['english_share']} of its stems common English ones, or the most common "
            f"stems of a language)")
    return "\n".join(lines)


COMMANDS = [cluster, explain]
