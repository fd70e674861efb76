"""The command registry: each command lives in its own module; this lists them."""

from __future__ import annotations

import importlib

import click

# One module a command family; each defines COMMANDS: list[click.Command].
_MODULES = ("cluster", "check", "align", "report", "filter")

ALL: list[click.Command] = []
for _name in _MODULES:
    ALL.extend(importlib.import_module(f"dedupe_news.cli.{_name}").COMMANDS)
