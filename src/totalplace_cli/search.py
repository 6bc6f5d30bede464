"""Rank the records of a data set's database (`store.py`) for a free-text query.

SQLite's FTS5 does the matching and the ranking: `bm25()` over the title, keywords and body
columns (weights 3/2/1: a hit in a question counts three times one in an answer), with Porter
stemming ("saved" finds "savings"). On top, only rules that measurably help on the quality sets
(`benchmarks/ask_quality.py`):
- Function words ("how", "does", "the") are left out, unless the query has nothing else.
- Two query words side by side are also searched as a phrase ("drugs and alcohol").
- Each candidate is scaled by the share of the query it covers (words weighted by rarity), so
  matching every word beats repeating one.
- A word the data does not know is corrected to the closest word it does know, unless it is a
  correctly spelt common English word ("fixtures" never becomes "figures"): see `_correct`.
- Nothing is returned when the query is mostly about something the data does not cover.
"""

# No `from __future__ import annotations`: NamedTuples compile string annotations at start-up.

import itertools
import json
import math
import os
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from totalplace_cli.models import FaqEntry

if TYPE_CHECKING:
    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.pilot_models import Pilot
    from totalplace_cli.programme import ProgrammeItem

KINDS = ("faq", "pilot", "term", "fact", "event")
"""The kinds of document `tp ask` searches, in the order they are listed to a user."""
TOKENIZER = "porter unicode61 remove_diacritics 2"  # documents_fts's, as INDEX_SCHEMA spells it
BM25_WEIGHTS = "bm25(3.0, 3.0, 2.0, 1.0)"  # title (question), asked (also_asked), keywords, body
CANDIDATES = 50  # leading FTS5 matches re-ranked by coverage
COVERAGE_POWER = 2.0  # how strongly covering more of the query lifts an entry
RELATIVE_CUTOFF = 0.1  # results scoring below this share of the best one are dropped
MIN_COVERAGE = 0.15  # a best result covering less of the query (by rarity) is no match
MIN_TOPIC_SHARE = 0.58  # with an English word the data lacks, the best must carry this much
ELSEWHERE_WEIGHT = 0.5  # a known word the best result lacks counts half as much
INFORMATION_TOTAL, INFORMATION_SMOOTHING = 5e6, 5e3  # English counts: "come" 4e6, "pothole" 374
GENERIC_WORD_COUNT = 200_000  # an English word this common names no topic ("tried", "come")
COMMON_WORD_COUNT = 100  # a word this frequent in English is spelt right (pyspellchecker counts)
SUGGESTION_CUTOFF = 75  # RapidFuzz ratio (0-100) for a "did you mean" word
# The FAQ is the tool's core: another kind of record ranks first only when clearly better.
KIND_PRIOR = {"pilot": 0.9, "term": 0.9, "fact": 0.9, "event": 0.85}
# "which pilot ...", "what area ...": the query asks for a pilot, not for the FAQ's lists.
ASKS_FOR_PILOT = r"(?i)\b(?:which|what)\s+(?:\w+\s+)?(?:pilot|area|place)\b"
PILOT_ASKED = 2.5
SNIPPET_TOKENS = 20  # words of a line shown around the matched ones (about 100-160 characters)
SNIPPET_WIDTH = 160  # characters shown of a text whose match is elsewhere (a title)
CHUNK = 4000  # a line longer than this is cut into pieces of this size for its snippet
ELLIPSIS = "\u2026"
MARK_START, MARK_END = "\x02", "\x03"  # snippet() markers; data never holds control characters

# Words as FTS5's unicode61 tokenizer sees them (letters and digits: "9th", "PBR09"), except that
# a decimal stays whole ("5.5") and apart from its unit ("4.5bn"), and "'" joins ("children's").
WORD = re.compile(r"(?:\d+(?:\.\d+)+|[^\W_]+)(?:['\u2019][^\W_]+)*")
AMERICAN_IZE = r"iz(e|es|ed|er|ers|ing|ation|ations)$"
UNITS = {"bn": "billion", "mn": "million"}  # short forms readers type for amounts ("£4.5bn")
# Function words (and "try", which questions wrap around a topic: "what was it trying to do")
# carry no topic: a query keys on its other words. A query made only of them
# ("what is it") is searched on them, in the questions.
_STOP_WORD_LIST = """
    a about above after again against all also am an and any are as at be been being both but by
    ca can could did do does doing down during each either for from further had has have having he
    her here hers him his how i if in into is it its itself just kind kinds let many may me might
    more most much must my nor not of off on once only or our ours ourselves out over own per
    same shall she should so some sort sorts such than that the their theirs them themselves then
    there these they this those through to too type types under until up upon us very was we were
    what whatever which while whom will with would you your yours yourself st nd rd th s t re
    ve ll d get gets got wo thing things try tries tried trying
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())


INDEX_SCHEMA = """
CREATE TABLE documents(
    rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL,
    asked TEXT NOT NULL, keywords TEXT NOT NULL, body TEXT NOT NULL, record TEXT NOT NULL);
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, asked, keywords, body, content='documents', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TABLE synonyms(stems TEXT NOT NULL, expansion TEXT NOT NULL,
    PRIMARY KEY (stems, expansion)) WITHOUT ROWID;
CREATE TABLE english(word TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
"""
# The words as written (unstemmed), each with the number of documents holding it: counted by
# FTS5 in a temporary index when a query first needs them (to correct a typo), not at each build.
WORDS_SCRIPT = """
CREATE VIRTUAL TABLE temp.words_fts USING fts5(
    text, content='', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 2');
INSERT INTO temp.words_fts(rowid, text)
    SELECT rowid, title || ' ' || asked || ' ' || keywords || ' ' || body FROM documents;
CREATE VIRTUAL TABLE temp.words_vocabulary USING fts5vocab(temp, words_fts, 'row');
CREATE TEMP VIEW words(word, documents) AS SELECT term, doc FROM temp.words_vocabulary;
"""
# Porter stems of texts, as the index has them: what thesaurus entries are matched on.
STEMS_SCRIPT = f"""
CREATE VIRTUAL TABLE temp.stemmed USING fts5(text, tokenize='{TOKENIZER}');
CREATE VIRTUAL TABLE temp.stemmed_terms USING fts5vocab(temp, stemmed, instance);
"""


class Document(NamedTuple):
    """One searchable record: what it is, how it is found again, and the text to index."""

    kind: str  # faq, pilot, term, ...
    key: str  # unique within its kind: an FAQ entry's id, a pilot's id
    title: str  # weighs most: a question, a pilot's name
    keywords: str  # editorial search aids
    body: str  # an answer, a pilot's themes and places
    record: dict[str, Any]  # the rest of the record, to rebuild it without the YAML
    asked: str = ""  # other ways of asking an FAQ question: weighs as much as the title


class SynonymRule(NamedTuple):
    """One line of synonyms.yaml: typing one of `words` also searches each of `expansions`."""

    words: tuple[str, ...]
    expansions: tuple[str, ...]

    @classmethod
    def parse(cls, line: str) -> "SynonymRule":
        """A rule from its line: "a, b, c" (each means the others) or "a, b => c, d" (a or b
        also searches c and d), as in Solr's and Elasticsearch's synonym files."""
        left, arrow, right = line.partition("=>")
        words = tuple(filter(None, (word.strip() for word in left.split(","))))
        if not arrow:
            return cls(words, words)
        return cls(words, tuple(filter(None, (word.strip() for word in right.split(",")))))


def faq_documents(entries: Iterable[FaqEntry]) -> Iterator[Document]:
    """The FAQ's entries as documents of kind `faq`."""
    for entry in entries:
        record = {"id": entry.id, "slug": entry.slug, "keywords": entry.keywords}
        yield Document(
            "faq",
            str(entry.id),
            entry.question,
            " ; ".join(entry.keywords),
            entry.answer,
            record | {"also_asked": entry.also_asked},
            "\n".join(entry.also_asked),
        )


def pilot_documents(pilots: Iterable["Pilot"]) -> Iterator[Document]:
    """The pilots as documents of kind `pilot`: found by name, places and themes."""
    for pilot in pilots:
        record = pilot.to_json()
        # "pilot" names what the record is: "which pilot looked at ..." asks for one.
        keywords = ["pilot area", *filter(None, [pilot.official_name]), pilot.region]
        keywords += [*pilot.authorities, *(c.replace("-", " ") for c in pilot.categories)]
        body = [*(t.text for t in pilot.themes), *(f.text for f in pilot.figures)]
        body += [t.text for t in pilot.field_trials]
        yield Document("pilot", pilot.id, pilot.name, " ; ".join(keywords), "\n".join(body), record)


def term_documents(terms: Iterable["GlossaryTerm"]) -> Iterator[Document]:
    """The glossary's acronyms as documents of kind `term`: found by the acronym or its words."""
    for term in terms:
        record = term.to_json()
        del record["used_in"]
        yield Document(
            "term", term.term, term.term, " ; ".join(term.aliases), term.expansion, record
        )


def programme_documents(items: Iterable["ProgrammeItem"]) -> Iterator[Document]:
    """The programme's facts and events as documents of kinds `fact` and `event`."""
    for item in items:
        # The text is the body, not a title: a fact's short text would outweigh the FAQ's questions.
        keywords = " ; ".join(filter(None, (item.figure, item.period, item.date)))
        body = "\n".join(filter(None, (item.text, item.quote)))
        yield Document(item.kind, item.id, "", keywords, body, item.to_json())


def build_index(
    database: sqlite3.Connection,
    faq: Iterable[FaqEntry],
    pilots: Iterable["Pilot"] = (),
    terms: Iterable["GlossaryTerm"] = (),
    programme_items: Iterable["ProgrammeItem"] = (),
    thesaurus: Iterable[SynonymRule] = (),
) -> None:
    """Create and fill every table search reads in `database`: the documents and their FTS5
    index, the thesaurus (by the stems of the words typed) and the English word counts."""
    documents = [
        *faq_documents(faq),
        *pilot_documents(pilots),
        *term_documents(terms),
        *programme_documents(programme_items),
    ]
    database.executescript(INDEX_SCHEMA)
    rows = [
        (rowid, d.kind, d.key, d.title, d.asked, d.keywords, d.body, json.dumps(d.record))
        for rowid, d in enumerate(documents, start=1)
    ]
    with database:
        database.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        database.execute(
            "INSERT INTO documents_fts(rowid, title, asked, keywords, body) "
            "SELECT rowid, title, asked, keywords, body FROM documents"
        )
        # One b-tree per term: a query over a large data set costs a tenth less (60 ms once).
        database.execute("INSERT INTO documents_fts(documents_fts) VALUES ('optimize')")
        pairs = [(w, e) for rule in thesaurus for w in rule.words for e in rule.expansions]
        stems = stem_texts(database, [word for word, _ in pairs])
        database.executemany(
            "INSERT OR IGNORE INTO synonyms VALUES (?, ?)",
            [(" ".join(stem), e) for stem, (w, e) in zip(stems, pairs, strict=True) if w != e],
        )
        database.executemany("INSERT INTO english VALUES (?, ?)", english_word_counts())


def english_word_counts() -> list[tuple[str, int]]:
    """The English words common enough to count (pyspellchecker's counts, at least
    COMMON_WORD_COUNT: a rarer word weighs as much as an unknown one), sorted."""
    # Read only to build an index: about 0.2 s, and a cached run never pays it.
    import spellchecker

    counts = spellchecker.SpellChecker(distance=1).word_frequency.dictionary
    return sorted((word, n) for word, n in counts.items() if n >= COMMON_WORD_COUNT)


def stem_texts(database: sqlite3.Connection, texts: Sequence[str]) -> list[tuple[str, ...]]:
    """Each text's words as Porter stems (normalised as `query_words` does), in order."""
    if not texts:
        return []
    _create_once(database, "stemmed", STEMS_SCRIPT)
    rows = [(n, " ".join(w for w, _, _ in query_words(text))) for n, text in enumerate(texts)]
    with database:
        database.execute("DELETE FROM temp.stemmed")
        database.executemany("INSERT INTO temp.stemmed(rowid, text) VALUES (?, ?)", rows)
    stems: list[list[str]] = [[] for _ in texts]
    for term, row in database.execute(
        "SELECT term, doc FROM temp.stemmed_terms ORDER BY doc, offset"
    ):
        stems[row].append(term)
    return [tuple(stem) for stem in stems]


def count_words(database: sqlite3.Connection) -> None:
    """Make the view `words` (word, documents) of `database`, once per connection."""
    _create_once(database, "words", WORDS_SCRIPT)


def _create_once(database: sqlite3.Connection, name: str, script: str) -> None:
    """Run `script`, which makes the temporary table or view `name`, unless it exists."""
    found = database.execute("SELECT 1 FROM temp.sqlite_master WHERE name = ?", (name,))
    if found.fetchone() is None:
        database.executescript(script)


# The keys of each kind's record that `tp ask --json` shows (an FAQ entry: all of `to_json`).
JSON_KEYS = {
    "pilot": ("id", "name", "region"),
    "term": ("term", "expansion"),
    "fact": ("id", "date", "fact", "source"),
    "event": ("id", "date", "event", "source"),
}


class SearchResult(NamedTuple):
    """A record of some kind (an FAQ entry, a pilot, a term, a fact, an event), how well it
    matched (0-100), which query words matched, and why (a snippet)."""

    kind: str
    record: dict[str, Any]  # an FAQ entry's `from_record` form; another kind's JSON
    score: float
    matched: tuple[str, ...] = ()
    snippet: str = ""
    highlights: tuple[tuple[int, int], ...] = ()  # spans of `snippet` holding matched words

    @property
    def entry(self) -> FaqEntry:
        """The FAQ entry this result is (only for kind `faq`)."""
        if self.kind != "faq":
            raise ValueError(f"a {self.kind} is not an FAQ entry")
        return FaqEntry.from_record(self.record)

    @property
    def key(self) -> str:
        """What names the record: an FAQ entry's or pilot's id, a term, a fact's id."""
        return str(self.record["term" if self.kind == "term" else "id"])

    def to_json(self) -> dict[str, Any]:
        """The form used by `tp ask --json`: the kind, the record's own keys (an FAQ entry keeps
        id, slug, question, answer), then score, snippet and matched."""
        own = (
            self.entry.to_json()
            if self.kind == "faq"
            else {key: self.record[key] for key in JSON_KEYS[self.kind]}
        )
        found = {"score": self.score, "snippet": self.snippet, "matched": list(self.matched)}
        return {"kind": self.kind, **own, **found}


class Correction(NamedTuple):
    """A query word the data did not know and the word searched instead."""

    typed: str
    searched: str


class Answer(NamedTuple):
    """What a search found, and the corrections it made to the query."""

    results: list[SearchResult]
    corrections: list[Correction]


class QueryWord(NamedTuple):
    """One content word as searched, and how many documents hold it."""

    word: str
    documents: int


def query_words(query: str) -> list[tuple[str, int, int]]:
    """The normalised words of `query` with their spans, lower-case ("RIEPs" stays "rieps":
    Porter makes it "riep" like the data's "RIEP")."""
    found = []
    for match in WORD.finditer(query):
        word = match.group().lower().replace("\u2019", "'")
        if word.endswith("'s"):
            word = word[:-2]
        word = UNITS.get(word, word)
        if "iz" in word:  # `re` compiles a pattern on its first use: most runs never do
            word = re.sub(AMERICAN_IZE, r"is\1", word)
        if word:
            found.append((word, match.start(), match.end()))
    return found


def _phrase(words: Sequence[str]) -> str:
    """An FTS5 string (a phrase when it has several words), quoted so nothing is an operator."""
    return '"' + " ".join(words).replace('"', '""') + '"'


def _within(kinds: Collection[str] | None) -> tuple[str, list[str]]:
    """An SQL condition on `rowid` keeping documents of `kinds` (all when None), and its values."""
    if kinds is None:
        return "", []
    marks = ",".join("?" * len(kinds))
    return f" AND rowid IN (SELECT rowid FROM documents WHERE kind IN ({marks}))", [*kinds]


def _count(
    database: sqlite3.Connection, words: Sequence[str], kinds: Collection[str] | None = None
) -> int:
    """How many documents (of `kinds`) hold `words` (stemmed as the index is) as a phrase."""
    condition, values = _within(kinds)
    row = database.execute(
        f"SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?{condition}",
        (_phrase(words), *values),
    ).fetchone()
    return int(row[0])


def english_counts(database: sqlite3.Connection, words: Sequence[str]) -> dict[str, int]:
    """How common each word is in English (0: not a common English word)."""
    marks = ",".join("?" * len(words))
    query = f"SELECT word, count FROM english WHERE word IN ({marks})"
    found = dict(database.execute(query, [*words]).fetchall())
    return {word: found.get(word, 0) for word in words}


def is_common_english(database: sqlite3.Connection, word: str) -> bool:
    """Whether `word` is a correctly spelt, common English word."""
    return english_counts(database, [word])[word] >= COMMON_WORD_COUNT


def _vocabulary(database: sqlite3.Connection, first: str | None) -> dict[str, int]:
    """The data's words (with the documents holding each), those starting with `first` if set."""
    count_words(database)
    if first is None:
        rows = database.execute("SELECT word, documents FROM words")
    else:
        upper = first[:-1] + chr(ord(first[-1]) + 1)
        rows = database.execute(
            "SELECT word, documents FROM words WHERE word >= ? AND word < ?", (first, upper)
        )
    return {word: count for word, count in rows if not word[0].isdigit()}


def _correct(database: sqlite3.Connection, word: str) -> str | None:
    """The closest word of the data (or function word) to an unknown, misspelt `word`.

    A short word must keep its first letter, which typists rarely get wrong; among equally
    close words the commoner in English wins ("waht" is "what", not "want")."""
    if len(word) < 3 or word[0].isdigit() or is_common_english(database, word):
        return None
    # RapidFuzz costs ~15 ms to import: only a query with an unknown word pays for it.
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    short = len(word) <= 5
    known = _vocabulary(database, word[0] if short else None)
    known.update(dict.fromkeys((w for w in STOP_WORDS if w[0] == word[0] and len(w) > 2), 0))
    max_edits = 1 if short else 2
    candidates = process.extract(
        word, list(known), scorer=OSA.distance, score_cutoff=max_edits, limit=20
    )
    if not candidates:
        return None
    english = english_counts(database, [str(c[0]) for c in candidates])
    best = min(
        candidates,
        key=lambda c: (c[1], c[0][0] != word[0], -english[c[0]], -known[c[0]], c[0]),
    )
    return str(best[0])


def _same_root(database: sqlite3.Connection, word: str) -> str | None:
    """A word of the data sharing a long beginning with `word` ("geography", "geographical",
    which Porter stems apart): at least 7 letters shared, at most 4 left over on either side."""
    if len(word) < 8:
        return None
    best: tuple[int, int, str] | None = None
    for known, documents in _vocabulary(database, word[:7]).items():
        shared = len(os.path.commonprefix([known, word]))  # noqa: RUF071 (letters wanted)
        if len(known) - shared <= 4 and len(word) - shared <= 4:
            rank = (-shared, -documents, known)  # longest shared part, then commonest
            best = rank if best is None or rank < best else best
    return best[2] if best is not None else None


def _split(database: sqlite3.Connection, word: str) -> list[str]:
    """Two words of the data run together ("totalplace"), or nothing."""
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if _count(database, [head]) and _count(database, [tail]):
            return [head, tail]
    return []


class _Query(NamedTuple):
    words: list[QueryWord]
    corrections: list[Correction]
    unknown: list[str]  # content words left unknown (weighed as the rarest words)
    off_topic: list[str]  # of which real English words: the query is about something else
    only_function_words: bool


def _analyse(
    database: sqlite3.Connection, query: str, kinds: Collection[str] | None = None
) -> _Query:
    """The query's words as searched (corrected where needed) and what is left unknown."""
    typed = [word for word, _, _ in query_words(query)]
    # Each word once: a pasted paragraph repeats words, and so would its unknown ones count twice.
    content = list(dict.fromkeys(word for word in typed if word not in STOP_WORDS))
    if not content:
        words = [QueryWord(w, _count(database, [w], kinds)) for w in dict.fromkeys(typed)]
        found = [w for w in words if w.documents]
        return _Query(found if len(typed) > 1 else [], [], [], [], True)
    searched: dict[str, QueryWord] = {}
    corrections: list[Correction] = []
    unknown: list[str] = []
    off_topic: list[str] = []
    for word in content:
        documents = _count(database, [word], kinds)
        if documents:
            searched.setdefault(word, QueryWord(word, documents))
            continue
        if word[0].isdigit():
            continue  # a number the data lacks ("2012") says little about the topic
        if kinds is not None and _count(database, [word]):
            unknown.append(word)  # known to other kinds of record than those searched
            off_topic += [word] if is_common_english(database, word) else []
            continue
        corrected = _correct(database, word)
        if corrected is not None and corrected in STOP_WORDS:
            corrections.append(Correction(word, corrected))
            continue  # "waht" was "what": a function word, not searched
        root = None if corrected else _same_root(database, word)
        replacement = [corrected] if corrected else [root] if root else _split(database, word)
        if not replacement:
            unknown.append(word)
            off_topic += [word] if is_common_english(database, word) else []
            continue
        corrections.append(Correction(word, " ".join(replacement)))
        for part in replacement:
            count = _count(database, [part], kinds)
            searched.setdefault(part, QueryWord(part, count))
    return _Query(list(searched.values()), corrections, unknown, off_topic, False)


def _idf(total: int, documents: int) -> float:
    """How rare a word is across documents (BM25's IDF)."""
    return math.log(1.0 + (total - documents + 0.5) / (documents + 0.5))


def search(
    database: sqlite3.Connection,
    query: str,
    limit: int = 5,
    kinds: Collection[str] | None = None,
) -> Answer:
    """Records (of `kinds`, else all) matching `query`, best first, at most `limit`, and the
    corrections made."""
    analysed = _analyse(database, query, kinds)
    words = [word for word in analysed.words if word.documents]
    if not words:
        return Answer([], analysed.corrections)
    condition, values = _within(kinds)
    (total,) = database.execute(
        f"SELECT count(*) FROM documents WHERE 1{condition}", values
    ).fetchone()
    idf = {w.word: _idf(total, w.documents) for w in words}
    rarest = _idf(total, 0)
    query_weight = sum(idf.values()) + rarest * len(analysed.unknown)
    parts = [_phrase([w.word]) for w in words]
    parts += [_phrase([a.word, b.word]) for a, b in itertools.pairwise(words)]
    expression = terms = " OR ".join(parts)
    if analysed.only_function_words:
        expression = f"title : ({expression})"  # only the shape of a question says anything
    rows = database.execute(
        "SELECT rowid, -rank FROM documents_fts WHERE documents_fts MATCH ? AND rank MATCH ?"
        f"{condition} ORDER BY rank LIMIT ?",
        (expression, BM25_WEIGHTS, *values, CANDIDATES),
    ).fetchall()
    if not rows:
        return Answer([], analysed.corrections)
    candidates = {rowid: score for rowid, score in rows}
    marks = ",".join(map(str, candidates))
    matched: dict[int, list[str]] = {rowid: [] for rowid in candidates}
    column = "title : " if analysed.only_function_words else ""  # where the search looked
    for word in words:
        holding = database.execute(
            f"SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? AND rowid IN ({marks})",
            (column + _phrase([word.word]),),
        )
        for (rowid,) in holding:
            matched[rowid].append(word.word)
    coverage = {
        rowid: sum(idf[word] for word in found) / query_weight for rowid, found in matched.items()
    }
    kind_of = dict(
        database.execute(f"SELECT rowid, kind FROM documents WHERE rowid IN ({marks})").fetchall()
    )
    prior = {kind: KIND_PRIOR.get(kind, 1.0) for kind in set(kind_of.values())}
    if any(word in query.lower() for word in ("pilot", "area", "place")) and re.search(
        ASKS_FOR_PILOT, query
    ):
        prior["pilot"] = PILOT_ASKED
    ranked = {
        rowid: score * coverage[rowid] ** COVERAGE_POWER * prior[kind_of[rowid]]
        for rowid, score in rows
    }
    order = sorted(ranked, key=lambda rowid: (-ranked[rowid], rowid))
    best = order[0]
    off_topic = len(analysed.off_topic)
    if (
        coverage[best] < MIN_COVERAGE
        or off_topic > len(words)
        or _off_topic_words(database, analysed, matched[best])
    ):
        return Answer([], analysed.corrections)  # the query is mostly about something else
    kept = [rowid for rowid in order if ranked[rowid] >= RELATIVE_CUTOFF * ranked[best]][:limit]
    rows = [
        database.execute(
            "SELECT kind, title, body, record FROM documents WHERE rowid = ?", (rowid,)
        ).fetchone()
        for rowid in kept
    ]
    snippets = _snippets(database, terms, [body or title for _, title, body, _ in rows])
    results = []
    for rowid, (kind, title, body, stored), (snippet, highlights) in zip(
        kept, rows, snippets, strict=True
    ):
        record = json.loads(stored)
        if kind == "faq":
            record |= {"question": title, "answer": body}
        score = round(min(100.0, 100.0 * coverage[best] * ranked[rowid] / ranked[best]), 1)
        results.append(
            SearchResult(kind, record, score, tuple(matched[rowid]), snippet, highlights)
        )
    return Answer(results, analysed.corrections)


def _information(word_count: int) -> float:
    """How much a word says about a query's topic: the rarer in English, the more."""
    return max(0.0, math.log(INFORMATION_TOTAL / (word_count + INFORMATION_SMOOTHING)))


def _off_topic_words(
    database: sqlite3.Connection, analysed: _Query, matched: Collection[str]
) -> bool:
    """Whether the query names a topic the data lacks ("pothole", "restaurants", not a common
    verb such as "tried") and the words `matched` carry little of the query's information."""
    if not analysed.off_topic:
        return False
    counts = english_counts(database, [*(word.word for word in analysed.words), *analysed.unknown])
    if all(counts[word] >= GENERIC_WORD_COUNT for word in analysed.off_topic):
        return False
    information = {word: _information(count) for word, count in counts.items()}
    found = sum(information[word] for word in matched)
    missing = sum(information[word] for word in analysed.unknown)
    elsewhere = sum(information[w.word] for w in analysed.words if w.word not in matched)
    return found < MIN_TOPIC_SHARE * (found + missing + ELSEWHERE_WEIGHT * elsewhere)


def _snippets(
    database: sqlite3.Connection, terms: str, texts: Sequence[str]
) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    """For each text, FTS5's own snippet() of its line that best matches `terms` (verbatim, "…"
    where cut) and the spans of the matched words. Every text's lines, long ones cut into pieces
    of at most CHUNK characters, are indexed at once in a temporary table: snippet() takes time
    quadratic in the hits of what it reads, and a piece's are bounded."""
    database.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.pieces USING fts5(body, tokenize='{TOKENIZER}')"
    )
    pieces = [list(_pieces(text)) for text in texts]
    first = list(itertools.accumulate(map(len, pieces), initial=0))  # each text's first rowid
    rows = ((first[i] + n, piece) for i, own in enumerate(pieces) for n, piece in enumerate(own))
    with database:
        database.execute("DELETE FROM temp.pieces")
        database.executemany("INSERT INTO temp.pieces(rowid, body) VALUES (?, ?)", rows)
    return [_snippet(database, terms, own, first[i]) for i, own in enumerate(pieces)]


def _snippet(
    database: sqlite3.Connection, terms: str, pieces: Sequence[str], first: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The snippet of one text, whose pieces are rows `first` onwards of `temp.pieces`."""
    best = database.execute(
        "SELECT snippet(pieces, 0, char(2), char(3), ?, ?) FROM temp.pieces WHERE pieces MATCH ? "
        "AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT 1",
        (ELLIPSIS, SNIPPET_TOKENS, terms, first, first + len(pieces) - 1),
    ).fetchone()
    if best is None:  # the words matched elsewhere (a title): the text's first line
        line = pieces[0]
        if len(line) <= SNIPPET_WIDTH:
            return line, ()
        cut = line.rfind(" ", 0, SNIPPET_WIDTH)
        return line[: cut if cut > 0 else SNIPPET_WIDTH] + ELLIPSIS, ()
    parts = re.split(f"[{MARK_START}{MARK_END}]", best[0])  # unmarked, marked, unmarked, ...
    ends = list(itertools.accumulate(map(len, parts)))
    return "".join(parts), tuple((ends[i - 1], ends[i]) for i in range(1, len(parts), 2))


def _pieces(text: str) -> Iterator[str]:
    """`text` cut at line ends, and long lines between words, into pieces of at most CHUNK."""
    for line in text.split("\n"):
        start = 0
        while len(line) - start > CHUNK:
            cut = line.rfind(" ", start, start + CHUNK)
            cut = cut if cut > start else start + CHUNK
            yield line[start:cut]
            start = cut + 1
        yield line[start:]


def suggest_query(database: sqlite3.Connection, query: str) -> str | None:
    """The query with each word the data does not know replaced by the closest word it does
    know, when one is close enough to be a plausible misspelling; None when there is none."""
    unknown = [
        (word, start, end)
        for word, start, end in query_words(query)
        if word not in STOP_WORDS
        and not word[0].isdigit()
        and not _count(database, [word])
        and not is_common_english(database, word)  # "weather in Leeds" is not "leads"
    ]
    if not unknown:
        return None
    # RapidFuzz costs ~15 ms to import: only a failed search pays for it.
    from rapidfuzz import fuzz, process

    vocabulary = [word for word in _vocabulary(database, None) if len(word) > 2]
    suggestion = query
    for word, start, end in reversed(unknown):  # from the end, so earlier spans stay valid
        close = process.extractOne(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF
        )
        if close is not None:
            suggestion = f"{suggestion[:start]}{close[0]}{suggestion[end:]}"
    return suggestion if suggestion != query else None
