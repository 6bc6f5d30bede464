"""Rank FAQ entries for a free-text query. Pure functions: no Typer or Rich here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from totalplace_cli.models import FaqEntry

MIN_SCORE = 60.0
WORD = re.compile(r"[a-z0-9£.]+")


@dataclass(frozen=True, slots=True)
class SearchResult:
    """An entry and how well it matched, from 0 to 100."""

    entry: FaqEntry
    score: float


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


def rank_answers(entries: Sequence[FaqEntry], query: str, limit: int = 5) -> list[SearchResult]:
    """Entries matching `query`, best first, at most `limit` of them.

    Each query word is matched against the closest word of the question (full weight) and of the
    answer (lower weight), so a typo still finds its word; repeated answer hits break ties.
    """
    # RapidFuzz costs ~15 ms to import: only searching pays for it.
    from rapidfuzz import fuzz, process

    terms = _words(query)
    if not terms:
        return []
    ranked: list[tuple[float, FaqEntry]] = []
    for entry in entries:
        question, answer = _words(entry.question), _words(entry.answer)
        total = 0.0
        for term in terms:
            best_q = process.extractOne(term, question, scorer=fuzz.ratio)
            best_a = process.extractOne(term, answer, scorer=fuzz.ratio)
            in_question = best_q[1] if best_q else 0.0
            in_answer = best_a[1] * 0.85 if best_a else 0.0
            hits = answer.count(best_a[0]) if best_a and best_a[1] >= 80 else 0
            total += max(in_question, in_answer) + min(hits, 5)
        raw = total / len(terms)
        if raw >= MIN_SCORE:
            ranked.append((raw, entry))
    ranked.sort(key=lambda item: (-item[0], item[1].id))
    return [SearchResult(entry, round(min(100.0, raw), 1)) for raw, entry in ranked[:limit]]
