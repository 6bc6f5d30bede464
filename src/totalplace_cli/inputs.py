"""Normalise what users type before it reaches the core, and make echoed text safe to print.

Arguments arrive from any shell in any state: bytes that are not UTF-8 (Python hands them over as
lone surrogates), control characters, escape sequences, right-to-left overrides, or a whole file
pasted as a query. The core sees them only after this module; error messages are made printable
here too. Patterns are strings that `re` compiles on first use: `--json` runs never need them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from totalplace_cli.errors import UsageError

MAX_QUERY_CHARS = 1000  # longest query searched; of a longer one (a pasted page), its first words
MAX_ARGUMENT_CHARS = 200  # longest id, slug or region accepted

# Kept when echoing: joiners shape emoji and some scripts; everything else in Cc/Cf is escaped.
_JOINERS = {"\u200c", "\u200d"}


def from_argv(text: str) -> str:
    """Command-line text with bytes that were not UTF-8 replaced by U+FFFD."""
    try:
        text.encode("utf-8")  # only lone surrogates fail
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # surrogates that did not come from undecodable bytes
            return re.sub("[\ud800-\udfff]", "\ufffd", text)
    return text


def _is_control(char: str) -> bool:
    import unicodedata  # only for text that str.isprintable() already flagged

    return unicodedata.category(char) in {"Cc", "Cf", "Cs"} and char not in _JOINERS


def without_controls(text: str) -> str:
    """`text` with control, format (bidi override) and stray surrogate characters as spaces."""
    if text.isprintable():  # no Cc, Cf or Cs character: the common case, checked in C
        return text
    return "".join(" " if _is_control(char) else char for char in text)


def printable(text: str) -> str:
    """`text` safe to echo on one line of a terminal: controls shown as escapes, not obeyed."""
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if _is_control(char)
        else char
        for char in text
    )


# Terminal control from data: escape sequences (CSI, OSC, DCS and friends, 7- and 8-bit), then
# any C0 control but newline and tab, DEL, C1, and the bidi embeddings, overrides and isolates.
ESCAPE_SEQUENCE = (
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|[ -/]*[0-~]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]?|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def terminal_text(text: str) -> str:
    """Data text safe for a terminal or a text pipe: its words kept, its commands dropped (a data
    file could otherwise clear the screen, set the clipboard or reverse a line)."""
    if re.search(CONTROL, text) is None:  # the common case, one scan in C
        return text
    return re.sub(CONTROL, "", re.sub(ESCAPE_SEQUENCE, "", text))


def clean_query(text: str, warn: Callable[[str], None] | None = None) -> str:
    """A search query ready for ranking, or a usage error if it has no words. A longer one is cut
    to its first whole words, and `warn` told: a pasted paragraph should find its answer."""
    query = " ".join(without_controls(from_argv(text)).split())
    if not query:
        raise UsageError("the query is empty; try for example: tp ask savings")
    if len(query) > MAX_QUERY_CHARS:
        head = query[: MAX_QUERY_CHARS + 1]
        shortened = head.rsplit(" ", 1)[0] if " " in head else query[:MAX_QUERY_CHARS]
        if warn is not None:
            warn(
                f"the query is {len(query):,} characters long; searching its first "
                f"{len(shortened.split()):,} words ({len(shortened):,} characters)"
            )
        query = shortened
    return query


def clean_argument(text: str, what: str) -> str:
    """An id, slug or region ready for look-up, or a usage error naming `what` was expected."""
    value = without_controls(from_argv(text)).strip()
    if not value:
        raise UsageError(f"the {what} is empty; see 'tp --help'")
    if len(value) > MAX_ARGUMENT_CHARS:
        raise UsageError(
            f"the {what} is {len(value):,} characters long; at most {MAX_ARGUMENT_CHARS} make sense"
        )
    return value
