"""The exported page's search index: the FAQ's terms as SQLite FTS5 sees them, as compact JSON.

`tp ask` searches an FTS5 table (tokenizer `porter unicode61 remove_diacritics 2`, columns
question/keywords/answer weighted 3/2/1). The page cannot run SQLite, so this module indexes the
same text with the same tokenizer in memory and reads back, through the `fts5vocab` table, the
stemmed terms of each entry and column; the page's script ranks with them (see `page/page.js`).
Alongside go a map from each word of the data to its stem (so the script need not stem), and in
the keywords column each entry's editorial keywords plus the glossary both ways (an entry saying
"HMT" is found by "HM Treasury", and the reverse).
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from totalplace_cli.glossary import GlossaryTerm, terms_in
from totalplace_cli.models import FaqEntry
from totalplace_cli.search import STOP_WORDS

TOKENIZER = "porter unicode61 remove_diacritics 2"
COLUMNS = ("question", "keywords", "answer")
WEIGHTS = (3, 2, 1)


def _keywords(entry: FaqEntry, glossary: Sequence[GlossaryTerm]) -> str:
    """Editorial keywords, then each glossary term the entry uses or spells out, both forms."""
    text = f"{entry.question}\n{entry.answer}"
    words = list(entry.keywords)
    for term in glossary:
        spelt_out = re.search(rf"\b{re.escape(term.expansion)}\b", text, re.IGNORECASE)
        if term in terms_in((term,), text) or spelt_out:
            words += [term.term, term.expansion]
    return "\n".join(words)


def _surface_stems(connection: sqlite3.Connection, words: Sequence[str]) -> dict[str, str]:
    """The stem the tokenizer gives each (already lower-cased, unaccented) word."""
    connection.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize='{TOKENIZER}')")
    connection.executemany("INSERT INTO words(rowid, word) VALUES (?, ?)", enumerate(words, 1))
    connection.execute("CREATE VIRTUAL TABLE word_stems USING fts5vocab(words, instance)")
    return {
        words[row - 1]: stem for stem, row in connection.execute("SELECT term, doc FROM word_stems")
    }


def build_page_index(
    faq: Sequence[FaqEntry], glossary: Sequence[GlossaryTerm] = ()
) -> dict[str, Any]:
    """Per stem, the entries holding it with a count per column; column lengths; word -> stem.

    Shape: {"columns", "weights", "slugs": [slug], "lengths": [[q, k, a]],
    "postings": {stem: [[entry, q, k, a]]}, "stems": {word: stem (only where they differ)},
    "stop": [function word]}.
    """
    connection = sqlite3.connect(":memory:")
    try:
        names = ", ".join(COLUMNS)
        for table, tokenizer in (
            ("entries", TOKENIZER),
            ("plain", "unicode61 remove_diacritics 2"),
        ):
            connection.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5({names}, tokenize='{tokenizer}')"
            )
            connection.executemany(
                f"INSERT INTO {table}(rowid, {names}) VALUES (?, ?, ?, ?)",
                [
                    (row, entry.question, _keywords(entry, glossary), entry.answer)
                    for row, entry in enumerate(faq)
                ],
            )
        connection.execute("CREATE VIRTUAL TABLE entry_terms USING fts5vocab(entries, instance)")
        connection.execute("CREATE VIRTUAL TABLE plain_terms USING fts5vocab(plain, row)")
        counts: dict[str, dict[int, list[int]]] = defaultdict(dict)
        lengths = [[0] * len(COLUMNS) for _ in faq]
        query = "SELECT term, doc, col, count(*) FROM entry_terms GROUP BY term, doc, col"
        for term, doc, column, count in connection.execute(query):
            position = COLUMNS.index(column)
            counts[term].setdefault(doc, [0] * len(COLUMNS))[position] += count
            lengths[doc][position] += count
        words = sorted(word for (word,) in connection.execute("SELECT term FROM plain_terms"))
        stems = _surface_stems(connection, words)
    finally:
        connection.close()
    return {
        "columns": list(COLUMNS),
        "weights": list(WEIGHTS),
        "slugs": [entry.slug for entry in faq],
        "lengths": lengths,
        "postings": {
            term: [[doc, *per_column] for doc, per_column in sorted(docs.items())]
            for term, docs in sorted(counts.items())
        },
        "stems": {word: stem for word, stem in stems.items() if word != stem},
        # Function words ("who", "is") count only when a query has nothing else, as in `tp ask`.
        "stop": sorted(STOP_WORDS),
    }
