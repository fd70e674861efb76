"""`dedupe-news check` (flag machine-translation damage) and `dedupe-news rules`.

Thin by design: parse options, read articles through :func:`collect`, call
:func:`dedupe_news.damage.check_text` per article, format.  All thresholds live in the rule
table (``data/damage_rules.toml``).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from dedupe_news.cli._common import (
    collect,
    default_format,
    echo_err,
    finish,
    input_options,
    json_line,
    table,
    write_line,
)

SEVERITY_CHOICE = click.Choice(["info", "minor", "major"])


def _shorten(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default=None,
              help="Output format [default: table on a terminal, else jsonl].")
@click.option("--select", "select", multiple=True, metavar="PREFIX",
              help="Only rules whose id starts with PREFIX (repeatable or comma-separated).")
@click.option("--ignore", "ignore", multiple=True, metavar="PREFIX",
              help="Skip rules whose id starts with PREFIX (repeatable or comma-separated).")
@click.option("--min-severity", type=SEVERITY_CHOICE, default="minor", show_default=True,
              help="Lowest severity shown (the score always uses every signal).")
@click.option("--fail-on", type=SEVERITY_CHOICE, default=None,
              help="Exit 1 when any shown flag has this severity or higher.")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary on stderr (with --skip-bad, no skipped-input lines either).")
@input_options
def check(paths: tuple[str, ...], fmt: str | None, select: tuple[str, ...],
          ignore: tuple[str, ...], min_severity: str, fail_on: str | None, quiet: bool,
          max_bytes: int, skip_bad: bool) -> None:
    """Flag machine-translation damage in articles, with rule, span, reason and evidence.

    PATH is a directory (.txt/.md/.html), a .jsonl(.gz) file, or - for JSONL on stdin.
    jsonl output has one object per article, in input order:
    {"id", "damage_score", "flags": [{"rule", "start", "end", "text", "severity",
    "message", "evidence"}]}; start/end are Python string indices into the text as read.

    damage_score in [0, 1] estimates the share of the article's sentences damaged by
    machine translation (0: no evidence of damage).

    \b
    Exit status: 0 ok; 1 when an input was skipped (unless --skip-bad) or, with
    --fail-on, when a flag at that severity or higher was found; 2 for usage errors.

    \b
    Examples:
      dedupe-news check seeds/ --format jsonl
      dedupe-news check articles.jsonl --select MT --fail-on major
    """
    from dedupe_news.damage import check_text
    from dedupe_news.damage.registry import select_rules, severity_rank

    try:
        select_rules(select or None, ignore or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--select/--ignore") from None
    fmt = default_format(fmt)
    quiet_rejects = quiet and skip_bad
    articles, rejects = collect(paths, max_bytes, quiet=quiet_rejects)
    rows: list[dict[str, Any]] = []
    worst = -1
    out = sys.stdout
    for art in articles:
        report = check_text(art.text, select=select or None, ignore=ignore or None,
                            min_severity=min_severity)
        row = {"id": art.id, "damage_score": round(report.score, 4),
               "sentences": report.sentences,
               "damaged_sentences": round(report.damaged_sentences, 2),
               "flags": [f.to_dict() for f in report.flags]}
        for f in report.flags:
            worst = max(worst, severity_rank(f.severity))
        if fmt == "jsonl":
            out.write(json_line(row) + "\n")
            out.flush()
        else:
            rows.append(row)
    if fmt == "json":
        from dedupe_news.damage.registry import rules_signature

        out.write(json_line({"signature": f"rules:{rules_signature()}",
                             "articles": rows}) + "\n")
    elif fmt == "table":
        out.write(_table(rows) + "\n")
    out.flush()
    if not quiet:
        n_flags = sum(len(r["flags"]) for r in rows) if rows else None
        echo_err(f"dedupe-news: checked {len(articles)} article(s)"
                 + (f", {n_flags} flag(s)" if n_flags is not None else ""))
    finish(rejects, skip_bad, quiet=quiet_rejects)
    if fail_on is not None and worst >= severity_rank(fail_on):
        if not quiet:
            echo_err(f"dedupe-news: flags at severity {fail_on} or higher (--fail-on)")
        sys.exit(1)


def _table(rows: list[dict[str, Any]]) -> str:
    summary = table([(r["id"], f"{r['damage_score']:.3f}", r["sentences"], len(r["flags"]),
                      ",".join(sorted({f["rule"] for f in r["flags"]})))
                     for r in rows], ["id", "damage", "sentences", "flags", "rules"])
    flag_rows = [(r["id"], f["rule"], f["severity"], f"{f['start']}-{f['end']}",
                  _shorten(f["text"]))
                 for r in rows for f in r["flags"]]
    if not flag_rows:
        return summary
    return summary + "\n\n" + table(flag_rows, ["id", "rule", "severity", "span", "text"])


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format [default: table on a terminal, else json].")
def rules(fmt: str | None) -> None:
    """List the damage rules with their measured precision.

    MQM prec: share of a rule's flags that overlap a human MQM error span on the report
    half of WMT23 zh-en news (bench/eval_damage.py), next to chance level (the share of
    characters inside error spans); MQM flags: how many flags that share is of.  BBC flags:
    the number of flags the rule raises on the BBC articles of the benchmark (edited
    English news, so each is a false alarm); the article and sentence counts are in
    --format json under "measured".
    """
    from dedupe_news.damage import load_rules
    from dedupe_news.damage.precision import precision_table

    measured = precision_table()
    per_rule = measured.get("rules", {})
    items = []
    for r in load_rules():
        m = per_rule.get(r.id, {})
        items.append({"id": r.id, "name": r.name, "category": r.category,
                      "severity": r.severity, "mqm_precision": m.get("mqm_precision"),
                      "mqm_flags": m.get("mqm_flags"), "bbc_flags": m.get("bbc_flags"),
                      "message": r.message})
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        write_line(json_line({"rules": items, "chance": measured.get("chance"),
                              "measured": measured.get("meta", {})}))
        return

    def num(v: Any) -> str:
        return "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))

    write_line(table([(i["id"], i["name"], i["category"], i["severity"],
                       num(i["mqm_precision"]), num(i["mqm_flags"]), num(i["bbc_flags"]))
                      for i in items],
                     ["id", "name", "category", "severity", "MQM prec", "MQM flags",
                      "BBC flags"]))
    chance = measured.get("chance")
    meta = measured.get("meta", {})
    if chance is not None:
        write_line(f"\nchance level (share of target characters inside MQM error spans, "
                   f"report half): {chance:.3f}")
    else:
        write_line("\n(no measurements shipped; run bench/eval_damage.py)")
    if meta.get("bbc"):
        write_line(f"BBC flags: {meta['bbc']}"
                   + (f" ({meta['bbc_sentences']:,} sentences)" if meta.get("bbc_sentences")
                      else ""))


COMMANDS = [check, rules]
