"""The exported page's search index: the stemmed terms of `tp ask`'s own database (read through
`fts5vocab`) for `page/page.js` to rank with, as the page cannot run SQLite; plus each word's stem,
the stop words, and the glossary both ways in the keywords ("HMT" finds "HM Treasury")."""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import closing
from typing import Any

from totalplace_cli.glossary import GlossaryTerm, terms_in
from totalplace_cli.models import FaqEntry
from totalplace_cli.search import BM25_WEIGHTS, STOP_WORDS, TOKENIZER, count_words
from totalplace_cli.store import build_database

COLUMNS = ("question", "asked", "keywords", "answer")  # the index's title, asked, keywords, body
# "bm25(3.0, 3.0, 2.0, 1.0)" -> (3, 3, 2, 1): the weights `tp ask` ranks with.
WEIGHTS = tuple(int(float(w)) for w in BM25_WEIGHTS.partition("(")[2].rstrip(")").split(","))


def _entries(faq: Sequence[FaqEntry], glossary: Sequence[GlossaryTerm]) -> Iterator[FaqEntry]:
    """The FAQ's entries with both forms of each term an entry uses or spells out as keywords."""
    for entry in faq:
        text = f"{entry.question}\n{entry.answer}"
        extra: list[str] = []
        for term in glossary:
            spelt_out = re.search(rf"\b{re.escape(term.expansion)}\b", text, re.IGNORECASE)
            if term in terms_in((term,), text) or spelt_out:
                extra += [term.term, term.expansion]
        yield entry._replace(keywords=(*entry.keywords, *extra))


def _surface_stems(database: sqlite3.Connection, words: Sequence[str]) -> dict[str, str]:
    """The stem the search's tokenizer gives each (already lower-cased, unaccented) word."""
    database.execute(f"CREATE VIRTUAL TABLE temp.surface USING fts5(word, tokenize='{TOKENIZER}')")
    database.executemany("INSERT INTO temp.surface(rowid, word) VALUES (?, ?)", enumerate(words, 1))
    database.execute(
        "CREATE VIRTUAL TABLE temp.surface_stems USING fts5vocab(temp, surface, instance)"
    )
    rows = database.execute("SELECT term, doc FROM temp.surface_stems")
    return {words[row - 1]: stem for stem, row in rows}


def build_page_index(
    faq: Sequence[FaqEntry], glossary: Sequence[GlossaryTerm] = ()
) -> dict[str, Any]:
    """Per stem, the entries holding it with a count per column; column lengths; word -> stem.

    Shape: {"columns", "weights", "slugs": [slug], "lengths": [[q, k, a]],
    "postings": {stem: [[entry, q, k, a]]}, "stems": {word: stem (only where they differ)},
    "stop": [function word]}.
    """
    with closing(build_database("", _entries(faq, glossary))) as database:
        database.execute(
            "CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, documents_fts, instance)"
        )
        columns = ("title", "asked", "keywords", "body")
        counts: dict[str, dict[int, list[int]]] = defaultdict(dict)
        lengths = [[0] * len(columns) for _ in faq]
        query = "SELECT term, doc, col, count(*) FROM temp.terms GROUP BY term, doc, col"
        for term, doc, column, count in database.execute(query):
            entry, position = doc - 1, columns.index(column)  # store's rowids start at 1
            counts[term].setdefault(entry, [0] * len(columns))[position] += count
            lengths[entry][position] += count
        count_words(database)
        words = [word for (word,) in database.execute("SELECT word FROM words ORDER BY word")]
        stems = _surface_stems(database, words)
    return {
        "columns": list(COLUMNS),
        "weights": list(WEIGHTS),
        "slugs": [entry.slug for entry in faq],
        "lengths": lengths,
        "postings": {
            term: [[entry, *per_column] for entry, per_column in sorted(entries.items())]
            for term, entries in sorted(counts.items())
        },
        "stems": {word: stem for word, stem in stems.items() if word != stem},
        # Function words ("who", "is") count only when a query has nothing else, as in `tp ask`.
        "stop": sorted(STOP_WORDS),
    }
