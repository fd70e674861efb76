"""Plain data shared by every stage: articles, spans and rejected inputs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One input article, its text exactly as read (after decoding, BOM removed)."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None
    origin: str = ""  # "path" or "path:line" it came from, for messages


@dataclass(frozen=True)
class Span:
    """A character span ``text[start:end]`` of some input text."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Reject:
    """An input record that could not be used; reported, never silently dropped."""

    origin: str  # file path, or "-" for stdin
    line: int | None
    reason: str  # short machine code: binary, not_utf8, empty, too_large, bad_json, ...
    message: str  # one human line, including the next step
    extra: dict[str, object] = field(default_factory=dict)

    def where(self) -> str:
        return f"{self.origin}:{self.line}" if self.line is not None else self.origin

    def to_dict(self) -> dict[str, object]:
        return {"origin": self.origin, "line": self.line, "reason": self.reason,
                "message": self.message}
