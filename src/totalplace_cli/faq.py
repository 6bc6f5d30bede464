"""Look up FAQ entries by number or slug, with suggestions for near misses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from totalplace_cli.errors import UsageError
from totalplace_cli.models import FaqEntry


def find_entry(entries: Sequence[FaqEntry], key: str) -> FaqEntry:
    """Return the entry whose id or slug is `key`, or raise with the nearest slugs."""
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
    close = difflib.get_close_matches(wanted, [e.slug for e in entries], n=3, cutoff=0.5)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else "; see 'tp questions' or try 'tp ask'"
    )
    raise UsageError(f"no question with id or slug '{key}'{hint}")
