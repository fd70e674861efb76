"""CLI contract of `dedupe-news check` and `dedupe-news rules`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dedupe_news.cli.check import check, rules
from dedupe_news.damage import load_rules

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")


def _run(args: list[str], input: str | None = None):
    return CliRunner().invoke(check, args, input=input)


def test_jsonl_one_object_per_article_in_input_order(tmp_path: Path) -> None:
    lines = [{"id": "b", "text": "The group Corporation Corporation met in China. , said X."},
             {"id": "a", "text": "A clean sentence. Another one."}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    result = _run([str(src), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["b", "a"]
    assert rows[1]["flags"] == [] and rows[1]["damage_score"] == 0
    for f in rows[0]["flags"]:
        assert {"rule", "start", "end", "text", "severity", "message", "evidence"} <= f.keys()
        assert lines[0]["text"][f["start"]:f["end"]] == f["text"]
    assert {f["rule"] for f in rows[0]["flags"]} == {"DUP001", "MT002"}


def test_json_and_table_formats() -> None:
    result = _run([SEEDS, "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert len(doc["articles"]) == 5 and doc["signature"].startswith("rules:")
    table = _run([SEEDS, "--format", "table"])
    assert table.exit_code == 0 and "MT005" in table.stdout and "damage" in table.stdout


def test_fail_on() -> None:
    assert _run([SEEDS, "--fail-on", "major", "--format", "jsonl"]).exit_code == 1
    assert _run([SEEDS, "--fail-on", "major", "--select", "LEX"]).exit_code == 0
    assert _run([SEEDS, "--fail-on", "minor", "--select", "LEX"]).exit_code == 1


def test_select_ignore_and_bad_prefix() -> None:
    result = _run([SEEDS, "--format", "jsonl", "--select", "MT00", "--ignore", "MT004"])
    rules_seen = {f["rule"] for line in result.stdout.splitlines()
                  for f in json.loads(line)["flags"]}
    assert rules_seen and all(r.startswith("MT00") and r != "MT004" for r in rules_seen)
    bad = _run([SEEDS, "--select", "ZZ"])
    assert bad.exit_code == 2 and "no rule id starts with" in bad.stderr


def test_bad_input_is_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Prices rose in Ukraine. progress.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = _run([str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["good"]
    assert "skipped" in result.stderr and "Traceback" not in result.stderr
    assert _run([str(tmp_path), "--format", "jsonl", "--skip-bad"]).exit_code == 0


def test_bad_jsonl_line_and_stdin() -> None:
    data = '{"id": "x", "text": "Corporation Corporation here."}\n{not json\n'
    result = _run(["-", "--format", "jsonl"], input=data)
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_path_is_a_usage_error() -> None:
    assert _run([]).exit_code == 2


def test_rules_lists_every_rule() -> None:
    result = CliRunner().invoke(rules, ["--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert len(doc["rules"]) == len(load_rules())
    assert {"id", "mqm_precision"} <= doc["rules"][0].keys()
    table = CliRunner().invoke(rules, ["--format", "table"])
    assert "MT001" in table.stdout
