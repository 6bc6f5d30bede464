"""The FAQ's acronyms (`glossary.yaml`): look a term up, and find the terms a text uses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from totalplace_cli.errors import UsageError
from totalplace_cli.models import FaqEntry


@dataclass(frozen=True, slots=True)
class GlossaryTerm:
    """One acronym, as the FAQ writes it, with its expansion and where that comes from."""

    term: str
    expansion: str
    source: str  # "faq" (spelt out in the FAQ) or "research" (see `provenance`)
    quote: str | None = None  # the FAQ's words that spell it out, verbatim
    provenance: str | None = None  # for research terms: how the research notes source it
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> GlossaryTerm:
        """A term from its checked mapping in glossary.yaml (the schema allows no other keys)."""
        return cls(**{**record, "aliases": tuple(record.get("aliases") or ())})

    @property
    def forms(self) -> tuple[str, ...]:
        """Spellings that count as this term in a text: as written, aliases, singular/plural."""
        forms: list[str] = []
        for spelling in (self.term, *self.aliases):
            other = spelling[:-1] if spelling.endswith("s") else f"{spelling}s"
            forms += [spelling, other]
        return tuple(dict.fromkeys(forms))

    def source_note(self) -> str:
        """Where the expansion comes from, in words."""
        if self.source == "faq":
            return f"spelt out in the FAQ: \u201c{self.quote}\u201d"
        return f"{self.provenance} (not spelt out in the FAQ)"

    def summary_json(self) -> dict[str, Any]:
        """The short form used under an answer (`tp show --json`)."""
        return {"term": self.term, "expansion": self.expansion}

    def to_json(self, used_in: Sequence[FaqEntry] = ()) -> dict[str, Any]:
        """The full form used by `tp glossary --json`; later versions only add keys."""
        return {
            **self.summary_json(),
            "aliases": list(self.aliases),
            "source": self.source,
            "quote": self.quote,
            "provenance": "spelt out in the FAQ" if self.source == "faq" else self.provenance,
            "used_in": [entry.id for entry in used_in],
        }


def spelling_key(spelling: str) -> str:
    """How a typed term is compared: any case, plural or singular ("RIEPs", "riep")."""
    key = spelling.strip().casefold()
    return key[:-1] if len(key) > 2 and key.endswith("s") else key


def find_term(terms: Sequence[GlossaryTerm], wanted: str) -> GlossaryTerm:
    """The term `wanted` names, or a usage error suggesting the closest terms."""
    key = spelling_key(wanted)
    for term in terms:
        if key in {spelling_key(spelling) for spelling in (term.term, *term.aliases)}:
            return term
    # Someone may type a word of the expansion ("treasury"), or misspell the acronym.
    by_meaning = [t for t in terms if len(key) >= 3 and key in t.expansion.casefold()]
    keys = {spelling_key(t.term): t for t in terms}
    by_spelling = [keys[k] for k in difflib.get_close_matches(key, list(keys), n=3, cutoff=0.5)]
    close = list(dict.fromkeys([*by_meaning, *by_spelling]))[:3]
    hint = "; closest: " + ", ".join(f"{t.term} ({t.expansion})" for t in close) if close else ""
    raise UsageError(f"unknown acronym '{wanted.strip()}'{hint}; see 'tp glossary' for the list")


def term_completions(terms: Sequence[GlossaryTerm], incomplete: str) -> list[tuple[str, str]]:
    """The terms whose spelling or alias starts (in any case) with `incomplete`, with expansions."""
    typed = incomplete.strip().casefold()
    return [
        (term.term, term.expansion)
        for term in terms
        if any(spelling.casefold().startswith(typed) for spelling in (term.term, *term.aliases))
    ]


@lru_cache(maxsize=8)
def _pattern(terms: tuple[GlossaryTerm, ...]) -> re.Pattern[str]:
    forms = sorted({form for term in terms for form in term.forms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(form) for form in forms) or "(?!)"  # (?!): never matches
    return re.compile(rf"(?<![\w])({alternatives})(?![\w])")


def mark_terms(terms: Sequence[GlossaryTerm], text: str) -> list[tuple[str, GlossaryTerm | None]]:
    """`text` in pieces, each with the term it spells (None for plain text). Case-sensitive, on
    whole words: "GO" is a term, "go" is not."""
    by_form = {form: term for term in terms for form in term.forms}
    # The pattern's one group makes split() alternate plain text (even) and matched terms (odd).
    parts = enumerate(_pattern(tuple(terms)).split(text))
    return [(part, by_form[part] if index % 2 else None) for index, part in parts if part]


def terms_in(terms: Sequence[GlossaryTerm], text: str) -> list[GlossaryTerm]:
    """The terms `text` uses, in the order they first occur."""
    found = [term for _, term in mark_terms(terms, text) if term is not None]
    return list(dict.fromkeys(found))


def answers_using(
    terms: Sequence[GlossaryTerm], entries: Sequence[FaqEntry]
) -> dict[GlossaryTerm, list[FaqEntry]]:
    """For each term, the FAQ entries whose answer uses it, in the FAQ's order."""
    used = [(entry, set(terms_in(terms, entry.answer))) for entry in entries]
    return {term: [entry for entry, found in used if term in found] for term in terms}
