"""Immutable records for FAQ entries, and their stable JSON form (the pilots' are in
`pilot_models.py`: `tp ask` and `tp show` never need them, and each record class costs start-up)."""

# No `from __future__ import annotations`: NamedTuples compile string annotations at start-up.

from typing import Any, NamedTuple


class FaqEntry(NamedTuple):
    """One question of the FAQ with its verbatim answer (a NamedTuple: created on every run of
    `tp ask`, and a dataclass costs ~0.5 ms of start-up to define)."""

    id: int
    slug: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()
    also_asked: tuple[str, ...] = ()  # other ways of asking it: search aids, never shown

    def summary_json(self) -> dict[str, Any]:
        """The form used by listings (`tp questions --json`)."""
        return {"id": self.id, "slug": self.slug, "question": self.question}

    def to_json(self) -> dict[str, Any]:
        """The full form used by `tp show --json`; later versions only add keys."""
        return {**self.summary_json(), "answer": self.answer}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "FaqEntry":
        """An entry from its record in faq.yaml or the database (its JSON form plus its search
        aids, which may be absent)."""
        fields = (record["id"], record["slug"], record["question"], record["answer"])
        aids = (tuple(record.get(name) or ()) for name in ("keywords", "also_asked"))
        return cls(*fields, *aids)
