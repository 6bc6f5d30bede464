"""TEMPORARY (until the search branch lands): a store's search index, built from its records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from totalplace_cli.models import DataSet, FaqEntry, GlossaryTerm, Pilot, ProgrammeItem, Registry

KINDS = ("faq", "pilot", "term", "fact", "event")
"""The kinds of document `tp ask` searches, in the order they are listed to a user."""
TOKENIZER = "porter unicode61 remove_diacritics 2"  # documents_fts's, as SCHEMA spells it out

SCHEMA = """
CREATE TABLE documents(
    rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
    title TEXT NOT NULL, keywords TEXT NOT NULL, body TEXT NOT NULL, record TEXT NOT NULL);
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, keywords, body, content='documents', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2');
"""
# The words as written (unstemmed), each with the number of documents holding it: counted by
# FTS5 in a temporary index when a query first needs them (to correct a typo), not at each build.
WORDS_SCRIPT = """
CREATE VIRTUAL TABLE temp.words_fts USING fts5(
    text, content='', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 2');
INSERT INTO temp.words_fts(rowid, text)
    SELECT rowid, title || ' ' || keywords || ' ' || body FROM documents;
CREATE VIRTUAL TABLE temp.words_vocabulary USING fts5vocab(temp, words_fts, 'row');
CREATE TEMP VIEW words(word, documents) AS SELECT term, doc FROM temp.words_vocabulary;
"""


class Document(NamedTuple):
    """One searchable record: what it is, how it is found again, and the text to index."""

    kind: str  # faq, pilot, term, ...
    key: str  # unique within its kind: an FAQ entry's id, a pilot's id
    title: str  # weighs most: a question, a pilot's name
    keywords: str  # editorial search aids
    body: str  # an answer, a pilot's themes and places
    record: dict[str, Any]  # the rest of the record, to rebuild it without the YAML


def faq_documents(entries: Iterable[FaqEntry]) -> Iterator[Document]:
    """The FAQ's entries as documents of kind `faq`."""
    for entry in entries:
        yield Document(
            "faq",
            str(entry.id),
            entry.question,
            " ; ".join(entry.keywords),
            entry.answer,
            {"id": entry.id, "slug": entry.slug, "keywords": entry.keywords},
        )


def pilot_documents(pilots: Iterable[Pilot], sources: Registry) -> Iterator[Document]:
    """The pilots as documents of kind `pilot`: found by name, places and themes."""
    for pilot in pilots:
        record = pilot.to_json(sources)
        # "pilot" names what the record is: "which pilot looked at ..." asks for one.
        keywords = ["pilot area", *filter(None, [pilot.official_name]), pilot.region]
        keywords += [*pilot.authorities, *(c.replace("-", " ") for c in pilot.categories)]
        body = [*(t.text for t in pilot.themes), *(f.text for f in pilot.figures)]
        body += [t.text for t in pilot.field_trials]
        yield Document("pilot", pilot.id, pilot.name, " ; ".join(keywords), "\n".join(body), record)


def term_documents(terms: Iterable[GlossaryTerm]) -> Iterator[Document]:
    """The glossary's acronyms as documents of kind `term`: found by the acronym or its words."""
    for term in terms:
        record = term.to_json()
        del record["used_in"]
        yield Document(
            "term", term.term, term.term, " ; ".join(term.aliases), term.expansion, record
        )


def programme_documents(items: Iterable[ProgrammeItem], sources: Registry) -> Iterator[Document]:
    """The programme's facts and events as documents of kinds `fact` and `event`."""
    for item in items:
        # The text is the body, not a title: a fact's short text would outweigh the FAQ's questions.
        keywords = " ; ".join(filter(None, (item.figure, item.period, item.date)))
        body = "\n".join(filter(None, (item.text, item.quote)))
        yield Document(item.kind, item.id, "", keywords, body, item.to_json(sources))


def build_index(database: sqlite3.Connection, data: DataSet) -> None:
    """Create and fill the search tables of `database` from the data set's records."""
    documents = [
        *faq_documents(data.faq),
        *pilot_documents(data.pilots, data.registry()),
        *term_documents(data.glossary),
        *programme_documents((*data.facts, *data.events), data.registry()),
    ]
    fill_index(database, documents)


def fill_index(database: sqlite3.Connection, documents: Iterable[Document]) -> None:
    """Create and fill the search tables of `database` with `documents`."""
    database.executescript(SCHEMA)
    rows = [
        (rowid, *document[:5], json.dumps(document.record, ensure_ascii=False))
        for rowid, document in enumerate(documents, start=1)
    ]
    with database:
        database.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        database.execute(
            "INSERT INTO documents_fts(rowid, title, keywords, body) "
            "SELECT rowid, title, keywords, body FROM documents"
        )
        # One b-tree per term: a query over a large data set costs a tenth less (60 ms once).
        database.execute("INSERT INTO documents_fts(documents_fts) VALUES ('optimize')")


def count_words(database: sqlite3.Connection) -> None:
    """Make the view `words` (word, documents) of `database`, once per connection."""
    if database.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'words'").fetchone() is None:
        database.executescript(WORDS_SCRIPT)


ENGLISH_SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE english(word TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
"""


def english_word_counts(words: Collection[str]) -> dict[str, int]:
    """How common each of `words` is in English (pyspellchecker's counts; 0: not a word)."""
    import spellchecker

    from totalplace_cli.store import query_cached

    def build(key: str) -> sqlite3.Connection:
        counts = spellchecker.SpellChecker(distance=1).word_frequency.dictionary
        database = sqlite3.connect(":memory:")
        database.executescript(ENGLISH_SCHEMA)
        with database:
            database.executemany("INSERT INTO english VALUES (?, ?)", sorted(counts.items()))
            database.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
        return database

    def look_up(database: sqlite3.Connection) -> dict[str, int]:
        marks = ",".join("?" * len(words))
        query = f"SELECT word, count FROM english WHERE word IN ({marks})"
        found = dict(database.execute(query, [*words]).fetchall())
        return {word: found.get(word, 0) for word in words}

    return query_cached("english", [Path(spellchecker.__file__)], build, look_up)
