"""The records of a data set, one immutable type per kind (NamedTuples: cheap to define on
every run), and their stable JSON forms.

Each record is made from its checked mapping in the data file (`from_data`); the store keeps those
mappings, so every command rebuilds records the same way, whether the store was just built or not.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple

# The label every rendering of data beyond the FAQ carries: none of it is the FAQ's own words.
BEYOND_THE_FAQ = "Beyond the FAQ: from later sources"


def _json_form(record: Any) -> dict[str, Any]:
    """A record as JSON: every field in order (keys never go missing), tuples as lists."""
    return {name: _json_value(getattr(record, name)) for name in record._fields}


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [item if isinstance(item, str) else _json_form(item) for item in value]
    return value


def _texts(value: Any) -> tuple[str, ...]:
    """A checked list of text, one text (a citation of one source), or none, as a tuple."""
    return (value,) if isinstance(value, str) else tuple(value or ())


class Source(NamedTuple):
    """A public page in the sources registry (sources.yaml), which statements cite by its id."""

    id: str
    url: str
    title: str
    publisher: str
    type: str
    date: str | None = None  # 2010, 2010-03 or 2010-03-25; None when no source states it
    author: str | None = None
    note: str | None = None
    title_is_description: bool = False  # `title` describes the page: its own is not known

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> Source:
        known = {name: record[name] for name in cls._fields if name in record}
        return cls(**{**known, "title_is_description": bool(known.get("title_is_description"))})

    def label(self) -> str:
        """How a citation names it beside a statement: "[Public Finance, 2010]"."""
        return f"[{self.publisher}{', ' + self.date[:4] if self.date else ''}]"

    def name(self) -> str:
        """Its title as a reader sees it: the page's own in quotes, a description without."""
        return self.title if self.title_is_description else f"\u201c{self.title}\u201d"

    def to_json(self, cited_by: Sequence[Citation] = ()) -> dict[str, Any]:
        """The form of `tp sources --json`; every key always present."""
        return {**_json_form(self), "cited_by": [c._asdict() for c in dict.fromkeys(cited_by)]}


Registry = Mapping[str, Source]  # the sources by id, to resolve citations
Citations = Mapping[str, list["Citation"]]  # each source's citations, by its id


class Citation(NamedTuple):
    """Where a source is cited: a pilot's field (themes, figures...), an event or a fact."""

    kind: str  # pilot, event or fact
    id: str
    field: str | None = None  # a pilot's field; None for an event or a fact


def cited(ids: Sequence[str], sources: Registry) -> dict[str, Any]:
    """A citation in JSON: `source` the main page's URL (as before the registry), `source_ids`."""
    return {"source": sources[ids[0]].url if ids else None, "source_ids": list(ids)}


class FaqEntry(NamedTuple):
    """One question of the FAQ with its verbatim answer; keywords and other ways of asking are
    search aids, never shown as the FAQ's words."""

    id: int
    slug: str
    question: str
    answer: str
    keywords: tuple[str, ...] = ()
    also_asked: tuple[str, ...] = ()  # other ways of asking it: search aids, never shown

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> FaqEntry:
        return cls(
            record["id"],
            record["slug"],
            record["question"],
            record["answer"],
            _texts(record.get("keywords")),
            _texts(record.get("also_asked")),
        )

    def summary_json(self) -> dict[str, Any]:
        """The form used by listings (`tp questions --json`)."""
        return {"id": self.id, "slug": self.slug, "question": self.question}

    def to_json(self) -> dict[str, Any]:
        """The full form used by `tp show --json`; later versions only add keys."""
        return {**self.summary_json(), "answer": self.answer}


class SourcedText(NamedTuple):
    """A statement (a theme, a figure, a field trial) and the ids of the pages that make it."""

    text: str
    source: tuple[str, ...]  # source ids, the main one first


class Category(NamedTuple):
    """A canonical theme category; `synonyms` are further words that select it in `--theme`."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> Category:
        return cls(record["id"], record["label"], _texts(record.get("synonyms")))

    def to_json(self) -> dict[str, Any]:
        return _json_form(self)


class Pilot(NamedTuple):
    """One of the 13 pilot areas; fields beyond name and region come from sourced research.
    What no source states stays empty (or None): an empty tuple means "not found", not "none"."""

    id: str
    name: str
    region: str
    official_name: str | None = None
    themes: tuple[SourcedText, ...] = ()
    categories: tuple[str, ...] = ()  # ids of `Category` records
    authorities: tuple[str, ...] = ()
    authorities_source: tuple[str, ...] = ()  # source ids, as every citation of a record
    figures: tuple[SourcedText, ...] = ()
    field_trials: tuple[SourcedText, ...] = ()
    sources: tuple[str, ...] = ()
    official_name_source: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> Pilot:
        facts = {
            name: tuple(SourcedText(f["text"], _texts(f["source"])) for f in record.get(name) or ())
            for name in ("themes", "figures", "field_trials")
        }
        authorities = record.get("authorities") or {}
        return cls(
            id=record["id"],
            name=record["name"],
            region=record["region"],
            official_name=record.get("official_name"),
            categories=_texts(record.get("categories")),
            authorities=_texts(authorities.get("members")),
            authorities_source=_texts(authorities.get("source")),
            sources=_texts(record.get("sources")),
            official_name_source=_texts(record.get("official_name_source")),
            **facts,
        )

    def citations(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(field, source ids) for each cited statement, in the order `tp pilot` shows them."""
        yield "official_name", self.official_name_source
        yield from (("themes", fact.source) for fact in self.themes)
        yield "authorities", self.authorities_source
        for name in ("figures", "field_trials"):
            yield from ((name, fact.source) for fact in getattr(self, name))

    def to_json(self, sources: Registry) -> dict[str, Any]:
        """The form used by `tp pilots --json`; later versions only add keys. Every key is always
        present (null or an empty list when no source states it), so scripts can rely on it.
        A citation keeps `source`, its main page's URL, and adds `source_ids` (the registry's)."""
        facts = {
            name: [{"text": f.text, **cited(f.source, sources)} for f in getattr(self, name)]
            for name in ("themes", "figures", "field_trials")
        }
        return {
            **_json_form(self),
            **facts,
            "authorities_source": cited(self.authorities_source, sources)["source"],
            "authorities_source_ids": list(self.authorities_source),
            "sources": [sources[source].url for source in self.sources],
            "source_ids": list(self.sources),
            "official_name_source": cited(self.official_name_source, sources)["source"],
        }

    def brief_json(self) -> dict[str, Any]:
        """The short reference used inside summaries (`tp regions`, `tp themes`)."""
        return {"id": self.id, "name": self.name}


class GlossaryTerm(NamedTuple):
    """One acronym, as the FAQ writes it, with its expansion and where that comes from."""

    term: str
    expansion: str
    source: str  # "faq" (spelt out in the FAQ) or "research" (see `provenance`)
    quote: str | None = None  # the FAQ's words that spell it out, verbatim
    provenance: str | None = None  # for research terms: how the research notes source it
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, record: dict[str, Any]) -> GlossaryTerm:
        return cls(**{**record, "aliases": _texts(record.get("aliases"))})

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

    def to_json(self, used_in: tuple[int, ...] | list[int] = ()) -> dict[str, Any]:
        """The full form used by `tp glossary --json`; later versions only add keys."""
        return {
            **self.summary_json(),
            "aliases": list(self.aliases),
            "source": self.source,
            "quote": self.quote,
            "provenance": "spelt out in the FAQ" if self.source == "faq" else self.provenance,
            "used_in": list(used_in),
        }


ProgrammeKind = Literal["event", "fact"]


class ProgrammeItem(NamedTuple):
    """One dated event or headline figure of the programme and the page that states it."""

    kind: ProgrammeKind
    id: str
    text: str
    source: tuple[str, ...]  # source ids, the main one first
    date: str | None = None
    quote: str | None = None
    figure: str | None = None
    period: str | None = None

    @classmethod
    def from_data(cls, kind: ProgrammeKind, record: dict[str, Any]) -> ProgrammeItem:
        """An item from its checked mapping; its text and quote on one line each."""
        fields = {key: value for key, value in record.items() if key in cls._fields}
        fields["source"] = _texts(record["source"])
        if "quote" in record:
            fields["quote"] = " ".join(record["quote"].split())
        return cls(kind, text=" ".join(record[kind].split()), **fields)

    def to_json(self, sources: Registry) -> dict[str, Any]:
        """`tp timeline/facts --json`, every key present; `source`: the main page's URL."""
        main = sources[self.source[0]]
        shape: dict[str, Any] = {"id": self.id, "date": self.date, self.kind: self.text}
        shape |= {"source": main.url, "source_date": main.date, "quote": self.quote}
        if self.kind == "fact":
            shape |= {"figure": self.figure, "period": self.period}
        return shape | {"source_ids": list(self.source)}


def group_json(members: Sequence[Pilot]) -> dict[str, Any]:
    """The JSON of a group of pilots (a region, a theme): how many, and who."""
    return {"count": len(members), "pilots": [pilot.brief_json() for pilot in members]}


def readable_date(date: str) -> str:
    """An ISO date, whole or partial, as GOV.UK writes it ("25 March 2010", "October 2009")."""
    for pattern, shown in (("%Y-%m-%d", "{day} %B %Y"), ("%Y-%m", "%B %Y")):
        with contextlib.suppress(ValueError):  # not of this pattern
            moment = time.strptime(date, pattern)
            return time.strftime(shown.format(day=moment.tm_mday), moment)
    return date


def timeline(events: tuple[ProgrammeItem, ...] | list[ProgrammeItem]) -> list[ProgrammeItem]:
    """The events by date ("2009-10" before the days within it; ties keep the file's order)."""
    return sorted(events, key=lambda event: event.date or "")


class SynonymRule(NamedTuple):
    """One line of synonyms.yaml: typing one of `words` also searches each of `expansions`."""

    words: tuple[str, ...]
    expansions: tuple[str, ...]

    @classmethod
    def parse(cls, line: str) -> SynonymRule:
        """A rule from its line: "a, b, c" (each means the others) or "a, b => c, d" (a or b
        also searches c and d), as in Solr's and Elasticsearch's synonym files."""
        left, arrow, right = line.partition("=>")
        words = tuple(filter(None, (word.strip() for word in left.split(","))))
        if not arrow:
            return cls(words, words)
        return cls(words, tuple(filter(None, (word.strip() for word in right.split(",")))))


class English(NamedTuple):
    """How common English words are: each counted at least `store.COMMON_WORD_COUNT` times (a
    rarer one weighs as much as an unknown one), and all the words' counts together."""

    counts: Mapping[str, int]
    total: float


class DataSet(NamedTuple):
    """Every record of one set of data files: what the page and the open-data exports show."""

    faq: tuple[FaqEntry, ...] = ()
    pilots: tuple[Pilot, ...] = ()
    categories: tuple[Category, ...] = ()
    glossary: tuple[GlossaryTerm, ...] = ()
    events: tuple[ProgrammeItem, ...] = ()
    facts: tuple[ProgrammeItem, ...] = ()
    sources: tuple[Source, ...] = ()
    thesaurus: tuple[SynonymRule, ...] = ()
    elsewhere: tuple[str, ...] = ()  # what people ask that the data never answers (synonyms.yaml)
    english: English | None = None  # as a store holds them, for the page: no list to load

    def registry(self) -> dict[str, Source]:
        """The sources by id, to resolve citations."""
        return {source.id: source for source in self.sources}

    def citations(self, items: Sequence[ProgrammeItem] | None = None) -> dict[str, list[Citation]]:
        """Each source's citations, as a reader meets them: pilots, then `items` (or programme)."""
        items = (*self.events, *self.facts) if items is None else items
        places = [(i.source, Citation(i.kind, i.id)) for i in items]
        places[:0] = [
            (ids, Citation("pilot", p.id, f)) for p in self.pilots for f, ids in p.citations()
        ]
        found: dict[str, list[Citation]] = {}
        for ids, place in places:
            for id in ids:
                found.setdefault(id, []).append(place)
        return found
