"""Immutable records for FAQ entries and pilots, and their stable JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question of the FAQ with its verbatim answer."""

    id: int
    slug: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()

    def summary_json(self) -> dict[str, Any]:
        """The form used by listings (`tp questions --json`)."""
        return {"id": self.id, "slug": self.slug, "question": self.question}

    def to_json(self) -> dict[str, Any]:
        """The full form used by `tp show --json`; later versions only add keys."""
        return {**self.summary_json(), "answer": self.answer}


@dataclass(frozen=True, slots=True)
class Pilot:
    """One of the 13 pilot areas; fields beyond name and region come from sourced research."""

    id: str
    name: str
    region: str

    def to_json(self) -> dict[str, Any]:
        """The form used by `tp pilots --json`; later versions only add keys."""
        return {"id": self.id, "name": self.name, "region": self.region}


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything `tp` knows, loaded from one set of data files."""

    faq: tuple[FaqEntry, ...]
    pilots: tuple[Pilot, ...]
