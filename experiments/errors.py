"""Errors a user can fix: reported as one line naming the file, the field and what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(Exception):
    """Bad input from a user (scenario file, command-line option); exit code 2."""

    def __init__(self, source: str, field: str, message: str) -> None:
        field = _printable(field)
        message = _printable(" ".join(str(message).split()))  # always a single line
        super().__init__(f"{source}: {field}: {message}")
        self.source = source
        self.field = field
        self.message = message


def _printable(text: str) -> str:
    """Control characters and line breaks shown as escapes, so a message is one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def suggest(name: str, allowed: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
