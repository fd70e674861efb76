"""Word splitting shared by the rules and the style traits."""

from __future__ import annotations

from collections.abc import Sequence


def split_without_lone(spaced: str, lone: Sequence[str]) -> list[str]:
    """``spaced`` split on spaces once every ``lone`` pair (a joiner such as an apostrophe
    next to a space or to another joiner) has become two spaces, again until none is left:
    a joiner that does not sit between two word characters belongs to no word, and making
    one a space leaves its neighbours' status alone."""
    s = f" {spaced} "
    changed = True
    while changed:
        changed = False
        for pair in lone:
            if pair in s:
                s = s.replace(pair, "  ")
                changed = True
    return s.split()
