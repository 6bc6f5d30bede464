"""The programme beyond the FAQ (`programme.yaml`): dated events and headline figures, sourced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# The label every rendering of this data carries: none of it is the FAQ's own words.
BEYOND_THE_FAQ = "Beyond the FAQ: from later sources"

Kind = Literal["event", "fact"]


@dataclass(frozen=True, slots=True)
class ProgrammeItem:
    """One dated event or headline figure and the page that states it; absent fields are None."""

    kind: Kind
    id: str
    text: str
    source: str
    date: str | None = None
    quote: str | None = None
    figure: str | None = None
    period: str | None = None
    source_date: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The form of `tp timeline --json` / `tp facts --json`: every key always present."""
        shape: dict[str, Any] = {"id": self.id, "date": self.date, self.kind: self.text}
        shape |= {"source": self.source, "source_date": self.source_date, "quote": self.quote}
        if self.kind == "fact":
            shape |= {"figure": self.figure, "period": self.period}
        return shape


@dataclass(frozen=True, slots=True)
class Programme:
    """Everything programme.yaml holds, in the file's order."""

    events: tuple[ProgrammeItem, ...] = ()
    facts: tuple[ProgrammeItem, ...] = ()

    def timeline(self) -> list[ProgrammeItem]:
        """The events by date ("2009-10" before the days within it; ties keep the file's order)."""
        return sorted(self.events, key=lambda event: event.date or "")


def programme_from(checked: Any) -> Programme:
    """The programme of a checked programme.yaml (`data.check`)."""
    return Programme(
        events=tuple(_item("event", row) for row in checked.records("events")),
        facts=tuple(_item("fact", row) for row in checked.records("facts")),
    )


def _item(kind: Kind, row: dict[str, Any]) -> ProgrammeItem:
    """An item from its checked mapping (the schema allows no other keys), texts on one line."""
    fields = {key: value for key, value in row.items() if key != kind}
    if "quote" in row:
        fields["quote"] = " ".join(row["quote"].split())
    return ProgrammeItem(kind, text=" ".join(row[kind].split()), **fields)
