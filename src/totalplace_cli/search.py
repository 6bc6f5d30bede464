"""The ranking of a data set's records for a query, over the search index `store.build_index`
fills (FTS5 over title, other ways of asking, keywords and body; Porter stems: "saved" finds
"savings"; the thesaurus of `synonyms.yaml` by stems; the English word counts). SQLite ranks with
`bm25()`; on top, only rules that measurably help on the quality sets (`benchmarks/ask_quality.py`):
- Function words ("how", "does", "actually") are left out, unless the query has nothing else.
- A run of words the thesaurus knows ("red tape", "town halls") also searches its other words,
  each counting half and never more than the word typed.
- A word the data does not know is corrected to the closest word it does know, unless it is a
  correctly spelt common English word ("fixtures" never becomes "figures"): see `_correct`.
- Each candidate is scaled by the share of the query's ideas it holds (weighted by rarity), and
  a kind of record the question's words ask for ("which pilot", "how many", "when did") by ten.
- Nothing is returned when the words the data lacks outweigh what the best record matches, or
  the query asks for what the data never answers (synonyms.yaml's `elsewhere`: a phone number).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from totalplace_cli.models import FaqEntry

KINDS = ("faq", "pilot", "term", "fact", "event")  # what `tp ask` searches, in the order shown
TOKENIZER = "porter unicode61 remove_diacritics 2"  # documents_fts's, as INDEX_SCHEMA spells it
COLUMN_WEIGHTS = {"title": 3.0, "asked": 3.0, "keywords": 2.0, "body": 1.0}  # a word's worth
BM25_WEIGHTS = "bm25(3.0, 3.0, 2.0, 1.0)"  # COLUMN_WEIGHTS as FTS5 takes them
COMMON_WORD_COUNT = 100  # a word this frequent in English is spelt right (pyspellchecker counts)
# The data's words as written (unstemmed) with the documents holding each: counted by FTS5 when
# a query first needs them (to correct a typo), not at each build.
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
# Words as FTS5's unicode61 tokenizer sees them (letters and digits: "9th", "PBR09"), except that
# a decimal stays whole ("5.5") and apart from its unit ("4.5bn"), and "'" joins ("children's").
WORD = re.compile(r"(?:\d+(?:\.\d+)+|[^\W_]+)(?:['\u2019][^\W_]+)*")
AMERICAN_IZE = r"iz(e|es|ed|er|ers|ing|ation|ations)$"
UNITS = {"bn": "billion", "mn": "million"}  # short forms readers type for amounts ("£4.5bn")
CANDIDATES = 50  # leading FTS5 matches re-ranked by coverage
COVERAGE_POWER = 1.0  # how strongly covering more of the query lifts an entry
RELATIVE_CUTOFF = 0.1  # results scoring below this share of the best one are dropped
MIN_COVERAGE = 0.15  # a best result covering less of the query (by rarity) is no match
# "No match" weighs what the best record matches against what the data lacks (`_off_topic`):
# - a matched idea counts by its keyness, how much likelier it is in the data than in English
#   (natural log of the ratio of rates; a name such as "Cumbria" is high, "school" near 0), above
#   KEYNESS_FLOOR (everyday usage says nothing) and up to KEYNESS_CAP (one name is not a topic);
# - an idea an FAQ entry holds only in its answer counts ANSWER_SHARE of that (a mention);
# - a word the data lacks counts by its information in English (the rarer, the more), unless
#   it is too common to name a topic ("brought", "another").
KEYNESS_FLOOR, KEYNESS_CAP = 1.0, 6.0
ANSWER_SHARE = 0.3
OFF_TOPIC_RATIO = 1.5  # the query is about something else when its lacking words outweigh this
INFORMATION_TOTAL, INFORMATION_SMOOTHING = 5e6, 5e3  # English counts: "come" 4e6, "pothole" 374
GENERIC_WORD_COUNT = 200_000  # an English word this common names no topic ("tried", "come")
SUGGESTION_CUTOFF = 75  # RapidFuzz ratio (0-100) for a "did you mean" word
# Words that ask for a kind of record: "which pilot ...", "how many ...", "when ...", "what does
# X stand for". Such a record is worth PRIOR_ASKED times more than otherwise.
ASKS_FOR = {
    "pilot": r"(?i)\b(?:which|what)\s+(?:\w+\s+)?(?:pilot|area|place)s?\b",
    "fact": r"(?i)\bhow (?:many|much)\b|\bcost|\bpa(?:y|ys|ying|id)\b|\bfund(?:s|ed|ing)?\b"
    r"|\bfigures?\b|\bnumber of\b|\bamount\b|£|%",
    "event": r"(?i)^\W*when\b|\bwhen (?:did|was|were|is|are|do|does|will|would|had)\b"
    r"|\bwhat (?:date|year|month|day)\b|\bdates?\b|\bdeadline",
    "term": r"(?i)\bstands? for\b|\bshort for\b|\babbreviat|\bacronym|\binitials\b|\bmean",
}
PRIOR_ASKED = 10.0
EXPANSION_WEIGHT = 0.5  # a word found through the thesaurus counts this much of one typed
MAX_PHRASE_WORDS = 6  # the longest run of query words looked up in the thesaurus
SNIPPET_TOKENS = 20  # words of a line shown around the matched ones (about 100-160 characters)
SNIPPET_WIDTH = 160  # characters shown of a text whose match is elsewhere (a title)
CHUNK = 4000  # a line longer than this is cut into pieces of this size for its snippet
ELLIPSIS = "\u2026"
MARK_START, MARK_END = "\x02", "\x03"  # snippet() markers; data never holds control characters

# Function words (Snowball's English list with its contractions, and the adverbs and verbs that
# questions wrap around a topic: "what was it actually trying to do", "why is X mentioned") carry
# no topic: a query keys on its other words, or, made only of them ("what is it"), on them in the
# questions.
_STOP_WORD_LIST = """
    a about above after again against all also am an and any are as at be been being both but by
    ca can could did do does doing down during each either for from further had has have having he
    her here hers him his how i if in into is it its itself just kind kinds let many may me might
    more most much must my nor not of off on once only or our ours ourselves out over own per
    same shall she should so some sort sorts such than that the their theirs them themselves then
    there these they this those through to too type types under until up upon us very was we were
    what whatever which while whom will with would you your yours yourself st nd rd th s t re
    ve ll d get gets got wo thing things try tries tried trying
    i'm i've i'd i'll you're you've you'd you'll he's she's it's we're we've we'd we'll they're
    they've they'd they'll that's what's who's where's when's why's how's here's there's let's
    isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't
    shouldn't can't cannot couldn't mustn't needn't actually basically really exactly simply
    always ever never still already anyway please perhaps maybe probably quite rather even often
    usually sometimes say says said saying tell tells told hear heard know knew wonder wondering
    mention mentions mentioned mentioning talk talks talked talking
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())
# The keys of each kind's record that `tp ask --json` shows (an FAQ entry: all of `to_json`).
JSON_KEYS = {
    "pilot": ("id", "name", "region"),
    "term": ("term", "expansion"),
    "fact": ("id", "date", "fact", "source"),
    "event": ("id", "date", "event", "source"),
}
Kinds = Collection[str] | None  # the kinds of record searched; None: all
Snippet = tuple[str, tuple[tuple[int, int], ...]]  # a snippet and the spans of matched words


class SearchResult(NamedTuple):
    """A record found, how well it matched (0-100), which query words matched, and why."""

    kind: str
    record: dict[str, Any]  # an FAQ entry's `from_data` form; another kind's JSON
    score: float
    matched: tuple[str, ...] = ()
    snippet: str = ""
    highlights: tuple[tuple[int, int], ...] = ()  # spans of `snippet` holding matched words

    @property
    def entry(self) -> FaqEntry:
        """The FAQ entry this result is (only for kind `faq`)."""
        if self.kind != "faq":
            raise ValueError(f"a {self.kind} is not an FAQ entry")
        return FaqEntry.from_data(self.record)

    @property
    def key(self) -> str:
        """What names the record: an FAQ entry's or pilot's id, a term, a fact's id."""
        return str(self.record["term" if self.kind == "term" else "id"])

    def to_json(self) -> dict[str, Any]:
        """`tp ask --json`'s form: the kind, the record's own keys, score, snippet, matched."""
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


def query_words(query: str) -> list[tuple[str, int, int]]:
    """The normalised words of `query` with their spans, lower-case ("RIEPs" stays "rieps":
    Porter makes it "riep" like the data's "RIEP")."""
    found = []
    for match in WORD.finditer(query):
        word = match.group().lower().replace("\u2019", "'").removesuffix("'s")
        word = UNITS.get(word, word)
        if "iz" in word:  # `re` compiles a pattern on its first use: most runs never do
            word = re.sub(AMERICAN_IZE, r"is\1", word)
        if word[:-1].isdigit() and word[-1] == "k":  # "250k" is written "250,000" in the data
            found += [(word[:-1], match.start(), match.end()), ("000", match.start(), match.end())]
        elif word:
            found.append((word, match.start(), match.end()))
    return found


def stem_texts(database: sqlite3.Connection, texts: Sequence[str]) -> list[tuple[str, ...]]:
    """Each text's words as Porter stems (normalised as `query_words` does), in order."""
    if not texts:
        return []
    create_once(database, "stemmed", STEMS_SCRIPT)
    rows = [(n, " ".join(w for w, _, _ in query_words(text))) for n, text in enumerate(texts)]
    with database:
        database.execute("DELETE FROM temp.stemmed")
        database.executemany("INSERT INTO temp.stemmed(rowid, text) VALUES (?, ?)", rows)
    stems: list[list[str]] = [[] for _ in texts]
    query = "SELECT term, doc FROM temp.stemmed_terms ORDER BY doc, offset"
    for term, row in database.execute(query):
        stems[row].append(term)
    return [tuple(stem) for stem in stems]


def create_once(database: sqlite3.Connection, name: str, script: str) -> None:
    """Run `script`, which makes the temporary table or view `name`, unless it exists."""
    found = database.execute("SELECT 1 FROM temp.sqlite_master WHERE name = ?", (name,))
    if found.fetchone() is None:
        database.executescript(script)


def _phrase(words: Sequence[str]) -> str:
    """An FTS5 string (a phrase when it has several words), quoted so nothing is an operator."""
    return '"' + " ".join(words).replace('"', '""') + '"'


def _within(kinds: Kinds) -> tuple[str, list[str]]:
    """An SQL condition on `rowid` keeping documents of `kinds` (all when None), and its values."""
    if kinds is None:
        return "", []
    marks = ",".join("?" * len(kinds))
    return f" AND rowid IN (SELECT rowid FROM documents WHERE kind IN ({marks}))", [*kinds]


def _fts(
    database: sqlite3.Connection, select: str, expression: str, then: str = "", *values: Any
) -> list[Any]:
    """`select` of the documents matching an FTS5 expression, `then` (SQL) narrowing them."""
    query = f"SELECT {select} FROM documents_fts WHERE documents_fts MATCH ?{then}"
    return database.execute(query, (expression, *values)).fetchall()


def _documents(database: sqlite3.Connection, expression: str, kinds: Kinds = None) -> int:
    """How many documents (of `kinds`) match an FTS5 expression."""
    condition, values = _within(kinds)
    return int(_fts(database, "count(*)", expression, condition, *values)[0][0])


def _holds(database: sqlite3.Connection, rowid: int, expression: str) -> bool:
    """Whether document `rowid` matches an FTS5 expression."""
    return bool(_fts(database, "1", expression, " AND rowid = ?", rowid))


def _document(database: sqlite3.Connection, rowid: int) -> tuple[str, str, str, dict[str, Any]]:
    """A document's kind, title, body and record (an FAQ entry's with its question and answer)."""
    kind, title, body, stored = database.execute(
        "SELECT kind, title, body, record FROM documents WHERE rowid = ?", (rowid,)
    ).fetchone()
    record = json.loads(stored)
    if kind == "faq":
        record |= {"question": title, "answer": body}
    return kind, title, body, record


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
    create_once(database, "words", WORDS_SCRIPT)
    query = "SELECT word, documents FROM words"
    values: tuple[str, ...] = ()
    if first is not None:
        query += " WHERE word >= ? AND word < ?"
        values = (first, first[:-1] + chr(ord(first[-1]) + 1))
    rows = database.execute(query, values)
    return {word: count for word, count in rows if not word[0].isdigit()}


def _correct(database: sqlite3.Connection, word: str) -> str | None:
    """The closest word of the data (or function word) to an unknown, misspelt `word`.

    A short word must keep its first letter, which typists rarely get wrong; among equally
    close words one reached by leaving out or adding letters wins, then the commoner in English
    ("waht" is "what", not "want")."""
    if len(word) < 3 or word[0].isdigit() or is_common_english(database, word):
        return None
    # RapidFuzz costs ~15 ms to import: only a query with an unknown word pays for it.
    from rapidfuzz import process
    from rapidfuzz.distance import OSA, Indel

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
    # A letter left out or swapped is likelier than one mistyped ("wher" is "where", not "when").
    ranked = [
        (edits, Indel.distance(word, w), w[0] != word[0], -english[w], -known[w], w)
        for w, edits, _ in candidates
    ]
    return str(min(ranked)[-1])


def _same_root(database: sqlite3.Connection, word: str) -> str | None:
    """A word of the data sharing a long beginning with `word` ("geography", "geographical",
    which Porter stems apart): at least 7 letters shared, at most 4 left over on either side."""
    if len(word) < 8:
        return None
    close = []
    for known, documents in _vocabulary(database, word[:7]).items():
        shared = len(os.path.commonprefix([known, word]))  # noqa: RUF071 (letters wanted)
        if len(known) - shared <= 4 and len(word) - shared <= 4:
            close.append((-shared, -documents, known))  # longest shared part, then commonest
    return min(close)[2] if close else None


def _split(database: sqlite3.Connection, word: str) -> list[str]:
    """Two words of the data run together ("totalplace"), or nothing."""
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if _documents(database, _phrase([head])) and _documents(database, _phrase([tail])):
            return [head, tail]
    return []


class Term(NamedTuple):
    """One way an idea of the query is searched, and how much finding it counts."""

    expression: str  # an FTS5 query: a word, a phrase, or the words of a phrase all present
    label: str  # what `matched` shows for it
    weight: float  # 1 as typed; a share for part of a phrase, or EXPANSION_WEIGHT
    typed: bool = True  # False: found through the thesaurus
    documents: int = 0  # how many documents hold it


class Idea(NamedTuple):
    """One idea of the query: a content word, or a run of words the thesaurus knows ("red
    tape"), with the terms searched for it (as typed first, then through the thesaurus)."""

    typed: tuple[str, ...]
    terms: list[Term]


class _Query(NamedTuple):
    ideas: list[Idea]  # each with at least one term the data holds
    corrections: list[Correction]
    unknown: list[str]  # content words left unknown (weighed as the rarest words)
    off_topic: list[str]  # of which real English words: the query is about something else
    only_function_words: bool
    stems: tuple[str, ...]  # every word of the query, as the index stems it
    asks_for: dict[str, float]  # PRIOR_ASKED for each kind of record the question asks for


def _thesaurus(
    database: sqlite3.Connection, stems: Sequence[str], content: Sequence[bool]
) -> dict[int, tuple[int, list[str]]]:
    """Where the thesaurus knows a run of the query's words (given as their stems): start ->
    (end, expansions), the longest run first, runs not overlapping."""
    runs = {
        (start, end): " ".join(stems[start:end])
        for start in range(len(stems))
        for end in range(start + 1, min(len(stems), start + MAX_PHRASE_WORDS) + 1)
        if any(content[start:end])
    }
    if not runs:
        return {}
    query = f"SELECT stems, expansion FROM synonyms WHERE stems IN ({','.join('?' * len(runs))})"
    known: dict[str, list[str]] = {}
    for key, expansion in database.execute(query, list(runs.values())):
        known.setdefault(key, []).append(expansion)
    found: dict[int, tuple[int, list[str]]] = {}
    taken: set[int] = set()
    for (start, end), key in sorted(runs.items(), key=lambda run: run[0][0] - run[0][1]):
        if key in known and taken.isdisjoint(range(start, end)):
            found[start] = (end, known[key])
            taken.update(range(start, end))
    return found


def _analyse(database: sqlite3.Connection, query: str, kinds: Kinds = None) -> _Query:
    """The query's ideas as searched (corrected, with the thesaurus's words) and its unknown."""
    spans = query_words(query)
    typed = [word for word, _, _ in spans]
    content = [word not in STOP_WORDS for word in typed]
    word_stems = [" ".join(stem) for stem in stem_texts(database, typed)]
    stems = tuple(" ".join(word_stems).split())  # the whole query's, for `_elsewhere`
    asks = {kind: PRIOR_ASKED for kind, pattern in ASKS_FOR.items() if re.search(pattern, query)}

    def held(terms: Iterable[Term]) -> list[Term]:
        counted = (t._replace(documents=_documents(database, t.expression, kinds)) for t in terms)
        return [term for term in counted if term.documents]

    if not any(content):
        shape = held(Term(_phrase([w]), w, 1.0) for w in dict.fromkeys(typed))
        found = [Idea((term.label,), [term]) for term in shape]
        return _Query(found if len(typed) > 1 else [], [], [], [], True, stems, asks)
    runs = _thesaurus(database, word_stems, content)
    ideas: list[Idea] = []
    corrections: list[Correction] = []
    unknown: list[str] = []
    off_topic: list[str] = []
    seen: set[tuple[str, ...]] = set()  # a pasted paragraph repeats words: each counts once
    end = 0
    while end < len(typed):
        start = end
        end, expansions = runs.get(start, (start + 1, []))
        words = tuple(typed[start:end])
        if words in seen or not any(content[start:end]):
            continue
        seen.add(words)
        if len(words) == 1:
            terms = [Term(_phrase(words), words[0], 1.0)]
        else:  # the run as typed ("children's services"), all its words, or a share of them
            text = query[spans[start][1] : spans[end - 1][2]]
            own = [word for word in words if word not in STOP_WORDS]
            together = " AND ".join(_phrase([word]) for word in own)
            terms = [Term(_phrase([text]), text, 1.0), Term(together, " ".join(own), 1.0)]
            if len(own) > 1:
                terms += [Term(_phrase([word]), word, 1.0 / len(own)) for word in own]
        terms += [Term(_phrase([text]), text, EXPANSION_WEIGHT, False) for text in expansions]
        unique = {term.expression.lower(): term for term in reversed(terms)}  # the first wins
        found_terms = held(reversed(unique.values()))
        if any(term.typed and term.documents >= CANDIDATES for term in found_terms):
            # The words as typed fill the candidates: their synonyms would bring no new record.
            found_terms = [term for term in found_terms if term.typed]
        if found_terms:
            ideas.append(Idea(words, found_terms))
            continue
        if len(words) > 1 or expansions:
            unknown += [word for word in words if word not in STOP_WORDS]
            continue
        word = words[0]
        if word[0].isdigit():
            continue  # a number the data lacks ("2012") says little about the topic
        replacement: list[str] = []
        if kinds is None or not _documents(database, _phrase([word])):  # else in other kinds
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
            if (part,) not in seen:
                seen.add((part,))
                ideas += [Idea((part,), [t]) for t in held([Term(_phrase([part]), part, 1.0)])]
    return _Query(ideas, corrections, unknown, off_topic, False, stems, asks)


def _idf(total: int, documents: int) -> float:
    """How rare a word is across documents (BM25's IDF)."""
    return math.log(1.0 + (total - documents + 0.5) / (documents + 0.5))


class _Ranking(NamedTuple):
    """The candidates for a query, best first, and what each matched."""

    order: list[int]  # rowids
    ranked: dict[int, float]
    coverage: dict[int, float]  # the share of the query each holds (ideas weighted by rarity)
    matched: dict[int, list[tuple[Idea, Term]]]  # each idea held, and its best term held
    terms: str  # every term as one FTS5 expression, for the snippets


def _rank(
    database: sqlite3.Connection, analysed: _Query, kinds: Kinds, limit: int = CANDIDATES
) -> _Ranking | None:
    """The records (of `kinds`) matching the query's ideas, ranked; None when none does."""
    ideas = analysed.ideas
    if not ideas:
        return None
    condition, values = _within(kinds)
    sizes = dict(database.execute("SELECT name, size FROM sizes WHERE name LIKE 'documents%'"))
    rows_in_index = int(sizes["documents"])
    of_kinds = (int(sizes.get(f"documents {kind}", 0)) for kind in kinds or ())
    total = rows_in_index if kinds is None else sum(of_kinds)
    # An idea weighs as much as its rarest term: how much finding it says.
    weight = [max(_idf(total, term.documents) for term in idea.terms) for idea in ideas]
    query_weight = sum(weight) + _idf(total, 0) * len(analysed.unknown)
    # Two words side by side are also searched as a phrase ("total place").
    singles = [idea.typed[0] for idea in ideas if len(idea.typed) == 1]
    pair_terms = [Term(_phrase(pair), " ".join(pair), 1.0) for pair in itertools.pairwise(singles)]
    every_term = list(dict.fromkeys([*(t for idea in ideas for t in idea.terms), *pair_terms]))
    terms = " OR ".join(f"({term.expression})" for term in every_term)
    column = "title : " if analysed.only_function_words else ""  # where the search looked
    then = f" AND rank MATCH ?{condition} ORDER BY rank LIMIT ?"
    top = max(CANDIDATES, min(limit, 1 << 62))  # any `limit`, as SQLite's LIMIT takes it
    rows = _fts(database, "rowid", f"{column}({terms})", then, BM25_WEIGHTS, *values, top)
    if not rows:
        return None
    candidates = [rowid for (rowid,) in rows]
    ids = ",".join(map(str, candidates))
    among = f" AND rowid IN ({ids})"  # the candidates
    bm25 = BM25_WEIGHTS.replace("bm25(", "bm25(documents_fts, ")

    def scores(expression: str) -> list[tuple[int, float]]:
        """FTS5's BM25 of an expression for each candidate holding it."""
        return _fts(database, f"rowid, -{bm25}", f"{column}({expression})", among)

    def idf(documents: int) -> float:
        """FTS5's IDF, except that a word in half the records or more keeps BM25's usual one:
        FTS5 gives it 1e-6, and "pilots" would count for nothing."""
        if documents < rows_in_index / 2:
            return math.log((rows_in_index - documents + 0.5) / (documents + 0.5))
        return _idf(rows_in_index, documents)

    # BM25 of the words typed, plus a share of the words the thesaurus added for them, each
    # counting at most as much as the word typed (a rare synonym must not outweigh it).
    everywhere = {term: _documents(database, term.expression) for term in every_term}
    alone = {  # scored one by one: FTS5 would give each an IDF of 1e-6
        term
        for term in every_term
        if term.typed and " AND " not in term.expression and everywhere[term] >= rows_in_index / 2
    }
    summed = [f"({t.expression})" for t in every_term if t.typed and t not in alone]
    score = dict.fromkeys(candidates, 0.0)
    for rowid, value in scores(" OR ".join(summed)) if summed else []:
        score[rowid] += value
    typed_documents = {
        term: max((t.documents for t in idea.terms if t.typed), default=0)
        for idea in ideas
        for term in idea.terms
    }
    holds: dict[Term, set[int]] = {}  # the candidates holding each term
    for term in every_term:
        matching = scores(term.expression)
        holds[term] = {rowid for rowid, _ in matching}
        if term.typed and term not in alone:
            continue  # in the sum above
        n = everywhere[term]
        fts5_idf = max(math.log((rows_in_index - n + 0.5) / (n + 0.5)), 1e-6)
        share = 1.0
        if not term.typed:
            own = typed_documents.get(term, 0)  # records holding the word it stands for
            share = EXPANSION_WEIGHT * min(idf(n), idf(own) if own else math.inf) / idf(n)
        for rowid, value in matching:
            score[rowid] += share * value / fts5_idf * idf(n)
    # Each idea counts by its weight, as much as the best of its terms the record holds.
    coverage = dict.fromkeys(candidates, 0.0)
    matched: dict[int, list[tuple[Idea, Term]]] = {rowid: [] for rowid in candidates}
    for idea, idea_weight in zip(ideas, weight, strict=True):
        for rowid in candidates:
            held = [term for term in idea.terms if rowid in holds[term]]
            if held:
                best_term = max(held, key=lambda term: term.weight)
                coverage[rowid] += idea_weight * best_term.weight / query_weight
                matched[rowid].append((idea, best_term))
    kind_of = dict(database.execute(f"SELECT rowid, kind FROM documents WHERE rowid IN ({ids})"))
    prior = dict.fromkeys(set(kind_of.values()), 1.0) | analysed.asks_for
    ranked = {
        rowid: score[rowid] * coverage[rowid] ** COVERAGE_POWER * prior[kind_of[rowid]]
        for rowid in candidates
    }
    order = sorted(ranked, key=lambda rowid: (-ranked[rowid], rowid))
    return _Ranking(order, ranked, coverage, matched, terms)


def search(database: sqlite3.Connection, query: str, limit: int = 5, kinds: Kinds = None) -> Answer:
    """Records (of `kinds`, else all) matching `query`, best first, at most `limit`."""
    analysed = _analyse(database, query, kinds)
    ranking = _rank(database, analysed, kinds, limit)
    if ranking is None:
        return Answer([], analysed.corrections)
    best = ranking.order[0]
    if (
        ranking.ranked[best] <= 0
        or ranking.coverage[best] < MIN_COVERAGE
        or len(analysed.off_topic) > len(analysed.ideas)
        or _off_topic(database, analysed, [idea for idea, _ in ranking.matched[best]], best)
    ):
        return Answer([], analysed.corrections)  # the query is mostly about something else
    cutoff = RELATIVE_CUTOFF * ranking.ranked[best]
    kept = [rowid for rowid in ranking.order if ranking.ranked[rowid] >= cutoff][:limit]
    documents = [_document(database, rowid) for rowid in kept]
    texts = [body or title for _, title, body, _ in documents]
    results = []
    for rowid, (kind, _, _, record), (snippet, highlights) in zip(
        kept, documents, _snippets(database, ranking.terms, texts), strict=True
    ):
        share = ranking.ranked[rowid] / ranking.ranked[best]
        points = round(min(100.0, 100.0 * ranking.coverage[best] * share), 1)
        words = tuple(term.label for _, term in ranking.matched[rowid])
        results.append(SearchResult(kind, record, points, words, snippet, highlights))
    return Answer(results, analysed.corrections)


def closest_questions(database: sqlite3.Connection, query: str, limit: int = 3) -> list[FaqEntry]:
    """The FAQ entries nearest to a query that found nothing: those sharing most of its words,
    then the FAQ's first entries, so that "no match" always offers somewhere to go."""
    faq = frozenset({"faq"})
    ranking = _rank(database, _analyse(database, query, faq), faq)
    near = ranking.order if ranking else []
    rest = [row for (row,) in database.execute("SELECT rowid FROM documents WHERE kind = 'faq'")]
    chosen = list(dict.fromkeys([*near, *rest]))[:limit]
    return [FaqEntry.from_data(_document(database, rowid)[3]) for rowid in chosen]


def _information(word_count: int) -> float:
    """How much a word says about a query's topic: the rarer in English, the more."""
    return max(0.0, math.log(INFORMATION_TOTAL / (word_count + INFORMATION_SMOOTHING)))


def _occurrences(database: sqlite3.Connection, stems: Sequence[str]) -> float:
    """How often a run of stems occurs in the data, each column weighted as in ranking."""
    if len(stems) == 1:
        rows = database.execute("SELECT col, cnt FROM vocabulary WHERE term = ?", (stems[0],))
        return sum(COLUMN_WEIGHTS[column] * float(count) for column, count in rows)
    query = "SELECT doc, col, offset - ? FROM vocabulary_instances WHERE term = ?"
    places = [set(database.execute(query, (n, stem))) for n, stem in enumerate(stems)]
    return sum(COLUMN_WEIGHTS[column] for _, column, _ in set.intersection(*places))


def _keyness(database: sqlite3.Connection, stems: Sequence[str], english: int) -> float:
    """How much likelier a run of stems is in the data than its rarest word in English (log)."""
    sizes: dict[str, float] = dict(database.execute("SELECT name, size FROM sizes"))
    data = (_occurrences(database, stems) + 0.5) / sizes["data"]
    return math.log(data / ((english + 50) / sizes["english"]))


def _off_topic(
    database: sqlite3.Connection, analysed: _Query, found: Sequence[Idea], best: int
) -> bool:
    """Whether the words of the query that the data lacks outweigh what the best record
    matches: "croydon parking fine appeal" is about parking, "why is cumbria mentioned so
    often" about Cumbria (see KEYNESS_FLOOR)."""
    counts = english_counts(database, analysed.off_topic).values()
    against = sum(_information(count) for count in counts if count < GENERIC_WORD_COUNT)
    against += _information(0) * len(_elsewhere(database, analysed.stems, best))
    if not against:
        return False
    words = [w for idea in found for w in idea.typed if w not in STOP_WORDS]
    english = english_counts(database, words)
    labels = [term.label for idea in found for term in idea.terms]
    stems = dict(zip([*words, *labels], stem_texts(database, [*words, *labels]), strict=True))
    is_faq = _document(database, best)[0] == "faq"

    def share(idea: Idea) -> float:
        """1, or ANSWER_SHARE when an FAQ entry holds the idea only in its answer."""
        salient = (f"{{title asked keywords}} : ({t.expression})" for t in idea.terms)
        return (
            1.0 if any(not is_faq or _holds(database, best, e) for e in salient) else ANSWER_SHARE
        )

    def keyness(words: Sequence[str]) -> float:
        """The keyness of words typed side by side: as a phrase, else the rarest alone."""
        own = [word for word in words if word not in STOP_WORDS]
        if not own:
            return 0.0  # function words alone ("near me") name no topic
        rarest = min(english[word] for word in own)
        run = [stem for word in words for stem in stems.get(word, ())]
        if len(own) == 1 or _occurrences(database, run):
            return _keyness(database, run, rarest)
        return min(_keyness(database, stems[word], english[word]) for word in own)

    support = 0.0
    ideas = [idea for idea in analysed.ideas if idea in found]  # in the query's order
    while ideas:
        idea, *ideas = ideas
        # Two ideas side by side that the data holds as a phrase are one ("council tax").
        pair = [*idea.typed, *ideas[0].typed] if ideas else []
        if len(pair) == 2 and all(w in stems for w in pair):
            run = [stem for word in pair for stem in stems[word]]
            if _occurrences(database, run):
                key = keyness(pair) * min(share(idea), share(ideas[0]))
                support += max(0.0, min(key, KEYNESS_CAP) - KEYNESS_FLOOR)
                ideas = ideas[1:]
                continue
        if any(term.typed for term in idea.terms):
            key = keyness(idea.typed)
        else:  # found through the thesaurus: the data's rate of what it found
            own = [english[word] for word in idea.typed if word not in STOP_WORDS]
            key = EXPANSION_WEIGHT * max(
                (_keyness(database, stems[term.label], min(own)) for term in idea.terms if own),
                default=0.0,
            )
        support += max(0.0, min(key * share(idea), KEYNESS_CAP) - KEYNESS_FLOOR)
    return support < OFF_TOPIC_RATIO * against


def _elsewhere(database: sqlite3.Connection, stems: Sequence[str], best: int) -> list[str]:
    """The phrases of the query that ask for what the data never answers (a phone number,
    opening times: synonyms.yaml's `elsewhere`), unless the best record holds them."""
    text = f" {' '.join(stems)} "
    return [
        phrase
        for key, phrase in database.execute("SELECT stems, phrase FROM elsewhere")
        if f" {key} " in text and not _holds(database, best, _phrase([phrase]))
    ]


def _snippets(database: sqlite3.Connection, terms: str, texts: Sequence[str]) -> list[Snippet]:
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


def _snippet(database: sqlite3.Connection, terms: str, pieces: list[str], first: int) -> Snippet:
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
        and not _documents(database, _phrase([word]))
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
