"""Look up FAQ entries by number or slug, with suggestions for near misses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from totalplace_cli.errors import UsageError
from totalplace_cli.models import FaqEntry

MAX_CANDIDATES_NAMED = 5  # entries an ambiguous prefix names before pointing to `tp questions`


def find_entry(entries: Sequence[FaqEntry], key: str) -> FaqEntry:
    """The entry whose id or slug is `key` (or a unique start of a slug); the error names what
    an ambiguous start could mean, or the nearest slugs to a typo."""
    key = key.strip()
    # ASCII digits only: str.isdigit() also accepts "²", which int() rejects.
    if re.fullmatch(r"#?[0-9]{1,18}", key):
        number = int(key.lstrip("#"))
        for entry in entries:
            if entry.id == number:
                return entry
        ids = [entry.id for entry in entries]
        span = f"{min(ids)}-{max(ids)}" if ids else "none"
        raise UsageError(f"no question number {number} (valid numbers: {span}); see 'tp questions'")
    wanted = key.lower()
    for entry in entries:
        if entry.slug == wanted:
            return entry
    prefixed = [entry for entry in entries if entry.slug.startswith(wanted)] if wanted else []
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        named = ", ".join(f"{e.slug} ({e.id})" for e in prefixed[:MAX_CANDIDATES_NAMED])
        more = len(prefixed) - MAX_CANDIDATES_NAMED
        rest = f" and {more} more (see 'tp questions')" if more > 0 else ""
        raise UsageError(f"'{key}' could be any of: {named}{rest}; say which")
    close = difflib.get_close_matches(wanted, [e.slug for e in entries], n=3, cutoff=0.5)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else "; see 'tp questions' or try 'tp ask'"
    )
    raise UsageError(f"no question with id or slug '{key}'{hint}")


def question_completions(entries: Sequence[FaqEntry], incomplete: str) -> list[tuple[str, str]]:
    """Values for `tp show <TAB>` with their questions: numbers, or slugs once a letter is typed."""
    typed = incomplete.strip().lstrip("#").casefold()
    if not typed or typed[0].isdigit():
        values = [(str(entry.id), entry.question) for entry in entries]
    else:
        values = [(entry.slug, entry.question) for entry in entries]
    return [(value, question) for value, question in values if value.startswith(typed)]
