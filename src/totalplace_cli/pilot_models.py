"""Immutable records for the pilots (with their sourced facts) and their stable JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _json_form(record: Any) -> dict[str, Any]:
    """A record as JSON: every field in order (keys never go missing), tuples as lists."""
    return {name: _json_value(getattr(record, name)) for name in record.__slots__}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [item if isinstance(item, str) else _json_form(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class SourcedText:
    """A statement (a theme, a figure, a field trial) and the URL of the page that makes it."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Category:
    """A canonical theme category; `synonyms` are further words that select it in `--theme`."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return _json_form(self)

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> Category:
        """A category from its checked mapping in pilots.yaml (the schema allows no other keys)."""
        return cls(**{**record, "synonyms": tuple(record.get("synonyms") or ())})


@dataclass(frozen=True, slots=True)
class Pilot:
    """One of the 13 pilot areas; fields beyond name and region come from sourced research.
    What no source states stays empty (or None): an empty tuple means "not found", not "none"."""

    id: str
    name: str
    region: str
    official_name: str | None = None
    themes: tuple[SourcedText, ...] = ()
    categories: tuple[str, ...] = ()  # ids of `Category` records
    authorities: tuple[str, ...] = ()
    authorities_source: str | None = None
    figures: tuple[SourcedText, ...] = ()
    field_trials: tuple[SourcedText, ...] = ()
    sources: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The form used by `tp pilots --json`; later versions only add keys. Every key is always
        present (null or an empty list when no source states it), so scripts can rely on it."""
        return _json_form(self)

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> Pilot:
        """A pilot from its checked mapping in pilots.yaml (see schemas/data/pilots.schema.json)."""
        facts = {
            name: tuple(SourcedText(f["text"], f["source"]) for f in record.get(name) or ())
            for name in ("themes", "figures", "field_trials")
        }
        authorities = record.get("authorities") or {}
        return cls(
            id=record["id"],
            name=record["name"],
            region=record["region"],
            official_name=record.get("official_name"),
            categories=tuple(record.get("categories") or ()),
            authorities=tuple(authorities.get("members") or ()),
            authorities_source=authorities.get("source"),
            sources=tuple(record.get("sources") or ()),
            **facts,
        )

    def brief_json(self) -> dict[str, Any]:
        """The short reference used inside summaries (`tp regions`, `tp themes`)."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class PilotCatalogue:
    """Everything pilots.yaml holds: the pilots and the theme categories they refer to."""

    pilots: tuple[Pilot, ...]
    categories: tuple[Category, ...] = ()
