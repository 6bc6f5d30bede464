"""The exported page's search index: what `page/page.js` needs to rank the FAQ as `tp ask --kind
faq` does, since the page cannot run SQLite. Everything comes from `tp ask`'s own index (built by
`search.build_index`): each entry's words as the tokenizer stems them, column by column (the page
counts words and phrases from them); each written word's stem; the thesaurus by stems (the
glossary's acronyms included); the English counts its rules read; and the rules' constants."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from typing import Any

from totalplace_cli import search
from totalplace_cli.models import DataSet

COLUMNS = ("question", "asked", "keywords", "answer")  # the index's title, asked, keywords, body
# The page carries the count of each English word at least this common (and of every word of
# the data and the thesaurus); any other word counts as an English word this common, for its
# information ("pothole" and "wigan" alike): the rules barely tell such rare words apart.
PAGE_ENGLISH_COUNT = 5000
RULES = {  # the constants of search.py that page.js ranks and turns queries away with
    "weights": list(search.COLUMN_WEIGHTS.values()),
    "expansion_weight": search.EXPANSION_WEIGHT,
    "coverage_power": search.COVERAGE_POWER,
    "relative_cutoff": search.RELATIVE_CUTOFF,
    "min_coverage": search.MIN_COVERAGE,
    "max_phrase_words": search.MAX_PHRASE_WORDS,
    "keyness_floor": search.KEYNESS_FLOOR,
    "keyness_cap": search.KEYNESS_CAP,
    "answer_share": search.ANSWER_SHARE,
    "off_topic_ratio": search.OFF_TOPIC_RATIO,
    "information_total": search.INFORMATION_TOTAL,
    "information_smoothing": search.INFORMATION_SMOOTHING,
    "generic_word_count": search.GENERIC_WORD_COUNT,
    "common_word_count": search.COMMON_WORD_COUNT,
    "default_english_count": PAGE_ENGLISH_COUNT,
}


def _tokens(database: sqlite3.Connection, rowids: Sequence[int]) -> tuple[list[str], list[Any]]:
    """The stems in use, and for each entry, column by column, its stems (as their numbers)."""
    rows = database.execute(
        "SELECT term, doc, col, offset FROM vocabulary_instances ORDER BY doc, col, offset"
    ).fetchall()
    place = {rowid: n for n, rowid in enumerate(rowids)}
    columns = list(search.COLUMN_WEIGHTS)
    vocabulary = sorted({term for term, doc, _, _ in rows if doc in place})
    number = {stem: n for n, stem in enumerate(vocabulary)}
    tokens: list[list[list[int]]] = [[[] for _ in columns] for _ in rowids]
    for term, doc, column, _ in rows:
        if doc in place:
            tokens[place[doc]][columns.index(column)].append(number[term])
    return vocabulary, tokens


def build_page_index(data: DataSet) -> dict[str, Any]:
    """The page's search index.

    Shape: {"columns", "rules", "slugs", "vocabulary": [stem], "tokens": [[[stem number] per
    column] per entry], "surface": {written word: documents}, "stems": {written word: stem (where
    they differ)}, "synonyms": {stems: [[stem]]}, "english": {"4.3": "words counted about 10^4.3
    times"}, "sizes": {"english"}, "stop": [function word]}.
    """
    faq = data.faq
    rules = (*data.thesaurus, *search.glossary_rules(data.glossary))
    with closing(sqlite3.connect(":memory:")) as database:
        search.build_index(database, DataSet(faq=faq, thesaurus=rules))
        rowids = [rowid for (rowid,) in database.execute("SELECT rowid FROM documents")]
        vocabulary, tokens = _tokens(database, rowids)
        search.count_words(database)
        surface = dict(database.execute("SELECT word, documents FROM words"))
        thesaurus_words = {w for rule in rules for text in rule.words for w in text.split()}
        written = sorted({*surface, *(w.lower() for w in thesaurus_words)})
        stems = dict(zip(written, map(" ".join, search.stem_texts(database, written)), strict=True))
        known = set(vocabulary)
        expansions: dict[str, list[list[str]]] = {}
        rows = database.execute("SELECT stems, expansion FROM synonyms").fetchall()
        expanded = search.stem_texts(database, [expansion for _, expansion in rows])
        for (key, _), words in zip(rows, expanded, strict=True):
            if words and known.issuperset(words):  # an expansion the FAQ lacks finds nothing
                expansions.setdefault(key, []).append(list(words))
        sizes = dict(database.execute("SELECT name, size FROM sizes"))
    english = search.english_word_counts()
    common = [w for w, n in english.items() if n >= PAGE_ENGLISH_COUNT]
    ours = [w for w in written if english.get(w, 0) >= search.COMMON_WORD_COUNT]
    # Counts to one decimal place of their logarithm: the rules read only logarithms.
    by_size: dict[str, list[str]] = {}
    for word in sorted({*common, *ours}):
        by_size.setdefault(f"{math.log10(english[word]):.1f}", []).append(word)
    return {
        "columns": list(COLUMNS),
        "rules": RULES,
        "slugs": [entry.slug for entry in faq],
        "vocabulary": vocabulary,
        "tokens": tokens,
        "surface": surface,
        "stems": {word: stem for word, stem in stems.items() if word != stem},
        "synonyms": expansions,
        "english": {size: " ".join(words) for size, words in sorted(by_size.items())},
        "sizes": {"english": sizes["english"]},
        # Function words ("who", "is") count only when a query has nothing else, as in `tp ask`.
        "stop": sorted(search.STOP_WORDS),
    }
