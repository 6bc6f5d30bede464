"""Rank FAQ entries for a free-text query. Pure functions over plain data: no Typer or Rich here.

How ranking works, in short:
- Every entry is indexed in three fields: its question, its editorial `keywords` and its answer,
  as stemmed terms (see `text.py`). A query term scores in each entry by BM25F: the term's rarity
  across entries (IDF) times a saturating count where a hit in the question weighs most, then the
  keywords, then the answer, with longer fields counting each hit for less.
- Function words ("how", "does", "the") are left out unless the query has nothing else.
- A query word the FAQ does not know is corrected to the closest word it does know (a small edit
  distance, RapidFuzz); a word too far from any is left unmatched and lowers the score.
- Two query terms found side by side in an entry ("drugs and alcohol", "Home Office") add a bonus.
- An entry is scaled by the share of the query it covers: matching every word beats repeating one.
- Nothing is returned when no query word matches, or when what matches is a small and common part
  of the query (the best result's score, the share of the query it covers, is below MIN_SCORE);
  results far below the best are dropped.
The index is plain data (`SearchIndex.to_json`) so that a large FAQ's index can be cached.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from itertools import accumulate, chain, combinations, pairwise, repeat
from operator import add, mul, sub, truediv
from typing import Any, NamedTuple, overload

from totalplace_cli.cache import StoredTexts, TextList
from totalplace_cli.models import FaqEntry
from totalplace_cli.text import (
    Token,
    analyse,
    is_stop_word,
    matched_spans,
    raw_words,
    terms,
    tokenise,
)

INDEX_VERSION = 3
FIELDS = ("question", "keywords", "answer")
ENTRY_COLUMNS = ("id", "slug", "question", "answer", "keywords")  # a cached index's entries
FIELD_WEIGHTS = (3.0, 2.0, 1.0)  # a hit in the question counts three times one in the answer
FIELD_LENGTH_NORMS = (0.5, 0.3, 0.75)  # BM25's b per field: how much a long field dilutes a hit
SATURATION = 1.2  # BM25's k1: how quickly repeats of a term stop adding
PAIR_BONUS = 0.5  # share of two terms' IDF added when they stand side by side in an entry
CORRECTED_WEIGHT = 0.8  # a typo-corrected term counts a little less than one typed right
COVERAGE_POWER = 1.0  # how strongly covering more of the query lifts an entry
RERANK_DEPTH = 50  # leading candidates checked for phrases
RELATIVE_CUTOFF = 0.1  # results scoring below this share of the best one are dropped
MIN_SCORE = 15.0  # a best result covering less of the query than this (0-100) is no match
SUGGESTION_CUTOFF = 75  # RapidFuzz ratio (0-100) for a "did you mean" word
SNIPPET_WIDTH = 160  # characters of answer shown around the matched terms
ELLIPSIS = "\u2026"


class SearchResult(NamedTuple):
    """An entry, how well it matched (0-100), which query words matched, and why (a snippet)."""

    entry: FaqEntry
    score: float
    matched: tuple[str, ...] = ()
    snippet: str = ""
    highlights: tuple[tuple[int, int], ...] = ()  # spans of `snippet` holding matched terms

    def to_json(self) -> dict[str, Any]:
        """The form used by `tp ask --json`: the entry's keys plus score, snippet and matched."""
        return {
            **self.entry.to_json(),
            "score": self.score,
            "snippet": self.snippet,
            "matched": list(self.matched),
        }


class QueryTerm(NamedTuple):
    """One query term as searched: its stem, the word shown to the reader, and its weight."""

    term: str
    word: str
    weight: float


class _LazyEntries(Sequence[FaqEntry]):
    """The entries of a cached index, kept as its columns and made into records when used.

    A search touches a few dozen entries; making all 10,000 of a large FAQ would cost more than
    the search itself.
    """

    def __init__(self, columns: dict[str, Sequence[Any]]) -> None:
        self._columns = columns
        self._made: dict[int, FaqEntry] = {}

    def __len__(self) -> int:
        return len(self._columns["id"])

    @property
    def columns(self) -> dict[str, Sequence[Any]]:
        """The entries as stored: one list per field."""
        return self._columns

    @overload
    def __getitem__(self, index: int) -> FaqEntry: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[FaqEntry]: ...

    def __getitem__(self, index: int | slice) -> FaqEntry | Sequence[FaqEntry]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        entry = self._made.get(index)
        if entry is None:
            columns = self._columns
            entry = FaqEntry(
                id=columns["id"][index],
                slug=columns["slug"][index],
                question=columns["question"][index],
                answer=columns["answer"][index],
                keywords=tuple(columns["keywords"][index]),
            )
            self._made[index] = entry
        return entry


FieldCounts = tuple[dict[int, int], dict[int, int], dict[int, int]]


class _LazyPostings(Mapping[str, FieldCounts]):
    """Posting lists stored as text, turned into numbers only when a query uses them: loading a
    large index then costs a few JSON strings per term, not millions of numbers.

    Per term, one text per field lists the entries holding the term there, once per occurrence,
    as gaps from the previous one ("3 0 14": entry 3 twice, then entry 17). That is short to store,
    quick to write (no counting) and quick to read (`accumulate` and `Counter` run in C).
    """

    def __init__(self, encoded: dict[str, list[str]], entry_counts: dict[str, int]) -> None:
        self._encoded = encoded
        self._entry_counts = entry_counts
        self._decoded: dict[str, FieldCounts] = {}

    def __getitem__(self, term: str) -> FieldCounts:
        """Per field (question, keywords, answer): entry index -> count, in entry order."""
        found = self._decoded.get(term)
        if found is None:
            question, keywords, answer = (
                Counter(accumulate(map(int, text.split()))) for text in self._encoded[term]
            )
            found = self._decoded[term] = (question, keywords, answer)
        return found

    def __contains__(self, term: object) -> bool:
        return term in self._encoded

    def __iter__(self) -> Iterator[str]:
        return iter(self._encoded)

    def __len__(self) -> int:
        return len(self._encoded)

    def entry_count(self, term: str) -> int:
        """How many entries hold `term`, without decoding its lists."""
        return self._entry_counts.get(term, 0)

    @property
    def encoded(self) -> dict[str, list[str]]:
        """The lists as text, per term and field (what `SearchIndex.to_json` stores)."""
        return self._encoded

    @property
    def entry_counts(self) -> dict[str, int]:
        """Per term, how many entries hold it (what `SearchIndex.to_json` stores)."""
        return self._entry_counts


def _only(values: Any, kind: type) -> bool:
    """Whether `values` is a list of `kind` only (checked at C speed: a large index is big)."""
    return isinstance(values, list) and set(map(type, values)) <= {kind}


def _texts(values: Any) -> bool:
    """Whether `values` is a list of texts, or texts a cache file holds (always text)."""
    return isinstance(values, StoredTexts) or _only(values, str)


class SearchIndex(NamedTuple):
    """An inverted index over FAQ entries, made of plain data so it can be stored as JSON.

    A NamedTuple rather than a dataclass, as are the other records on the path of `tp ask`:
    creating a dataclass costs ~0.5 ms of start-up, a NamedTuple a tenth of that."""

    entries: Sequence[FaqEntry]
    lengths: list[int]  # flat: per entry, the count of content terms in each field
    average_lengths: list[float]  # per field, over all entries
    postings: _LazyPostings  # term -> per field: entry index -> count of the term there
    words: dict[str, str]  # each content word of the FAQ -> its term (for typo correction)

    def to_json(self) -> dict[str, Any]:
        """Everything the index holds as JSON-ready data: entries as columns, postings as text.

        Questions and answers are TextLists: a cache file keeps them apart, and a run that reads
        the index back decodes only the few that it shows (see `cache.TextList`)."""
        entries = self.entries
        if isinstance(entries, _LazyEntries):
            columns = dict(entries.columns)
            columns["question"] = TextList(columns["question"])
            columns["answer"] = TextList(columns["answer"])
        else:
            columns = {
                "id": [e.id for e in entries],
                "slug": [e.slug for e in entries],
                "question": TextList(e.question for e in entries),
                "answer": TextList(e.answer for e in entries),
                "keywords": [list(e.keywords) for e in entries],
            }
        return {
            "version": INDEX_VERSION,
            "entries": columns,
            "lengths": self.lengths,
            "average_lengths": self.average_lengths,
            "postings": self.postings.encoded,
            "entry_counts": self.postings.entry_counts,
            "words": self.words,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchIndex:
        """Rebuild an index from `to_json()`; data of another version or shape raises ValueError."""
        if data.get("version") != INDEX_VERSION:
            raise ValueError(f"search index version {data.get('version')!r} != {INDEX_VERSION}")
        columns, lengths, postings = data["entries"], data["lengths"], data["postings"]
        entry_counts = data["entry_counts"]
        count = len(columns["id"])
        shaped = (
            type(columns) is dict
            and set(columns) == set(ENTRY_COLUMNS)
            and _only(columns["id"], int)
            and _only(columns["slug"], str)
            and all(_texts(columns[name]) for name in ("question", "answer"))
            and _only(columns["keywords"], list)
            and set(map(type, chain.from_iterable(columns["keywords"]))) <= {str}
            and all(len(column) == count for column in columns.values())
            and _only(lengths, int)
            and len(lengths) == count * len(FIELDS)
            and _only(data["average_lengths"], float)
            and len(data["average_lengths"]) == len(FIELDS)
            and type(postings) is dict
            and set(map(type, postings.values())) <= {list}
            and set(map(len, postings.values())) <= {len(FIELDS)}
            and set(map(type, chain.from_iterable(postings.values()))) <= {str}
            and type(entry_counts) is dict
            and entry_counts.keys() == postings.keys()
            and set(map(type, entry_counts.values())) <= {int}
            and type(data["words"]) is dict
            and set(map(type, data["words"].values())) <= {str}
        )
        if not shaped:
            raise ValueError("search index data has the wrong shape")
        return cls(
            entries=_LazyEntries(columns),
            lengths=lengths,
            average_lengths=data["average_lengths"],
            postings=_LazyPostings(postings, entry_counts),
            words=data["words"],
        )

    def idf(self, term: str) -> float:
        """How rare a term is across entries (BM25's IDF; an unknown term counts as rarest)."""
        count = len(self.entries)
        found = self.postings.entry_count(term)
        return math.log(1.0 + (count - found + 0.5) / (found + 0.5))


def _field_segments(entry: FaqEntry) -> tuple[list[str], ...]:
    # Each keyword is its own segment, so that two keywords never form a phrase together.
    return [entry.question], list(entry.keywords), [entry.answer]


class _ChunkTerms(dict[str, tuple[str, ...]]):
    """The terms of each whitespace-separated chunk of text ("savings," -> ("save",)), memoised.

    A token never spans whitespace, so the terms of a text are those of its chunks in order; a
    large FAQ repeats its chunks, so each is analysed once. Also notes, per chunk, how many of its
    terms are content terms, and every raw word seen (the vocabulary for typo correction).
    """

    def __init__(self) -> None:
        super().__init__()
        self.content: dict[str, int] = {}
        self.raw: set[str] = set()

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        raws = raw_words(chunk)
        self.raw.update(raws)
        analysed = [found for raw in raws for found in analyse(raw)]
        self.content[chunk] = sum(not stop for _, _, stop in analysed)
        terms = self[chunk] = tuple(term for term, _, _ in analysed)
        return terms


def _gaps(entries: list[int], numerals: list[str]) -> str:
    """An ascending list of entry indexes as the text of its gaps ("3 3 17" -> "3 0 14");
    `numerals[n]` is `str(n)`, made once."""
    return " ".join(map(numerals.__getitem__, map(sub, entries, chain((0,), entries))))


def build_index(entries: Sequence[FaqEntry]) -> SearchIndex:
    """Index the question, keywords and answer of every entry."""
    # Written for a large FAQ (10,000 entries, a million words): the work per word is done by C
    # builtins (str.split, map, chain, list.append, str.join); Python code runs once per entry.
    chunk_terms = _ChunkTerms()
    content = chunk_terms.content
    # Per field: term -> the index of the entry of each of its occurrences, ascending.
    occurrences: list[defaultdict[str, list[int]]] = [defaultdict(list) for _ in FIELDS]
    lengths: list[int] = []
    for index, entry in enumerate(entries):
        chunks = (
            entry.question.split(),
            [chunk for keyword in entry.keywords for chunk in keyword.split()],
            entry.answer.split(),
        )
        for field, field_chunks in enumerate(chunks):
            field_terms = chain.from_iterable(map(chunk_terms.__getitem__, field_chunks))
            targets = map(occurrences[field].__getitem__, field_terms)
            deque(map(list.append, targets, repeat(index)), maxlen=0)  # runs the appends
            lengths.append(sum(map(content.__getitem__, field_chunks)))
    question, keywords, answer = occurrences
    postings: dict[str, list[str]] = {}
    entry_counts: dict[str, int] = {}
    empty: list[int] = []
    numerals = list(map(str, range(len(entries) + 1)))
    for term in sorted(question.keys() | keywords.keys() | answer.keys()):
        lists = [field.pop(term, empty) for field in occurrences]
        postings[term] = [_gaps(found, numerals) for found in lists]
        entry_counts[term] = len(set(chain.from_iterable(lists)))
    words: dict[str, str] = {}
    for raw in sorted(chunk_terms.raw):  # sorted: the same index whatever the order of a set
        for term, word, stop in analyse(raw):
            if not stop:
                words.setdefault(word, term)
    count = max(len(entries), 1)
    average_lengths = [sum(lengths[f :: len(FIELDS)]) / count for f in range(len(FIELDS))]
    return SearchIndex(
        tuple(entries), lengths, average_lengths, _LazyPostings(postings, entry_counts), words
    )


def _as_index(index_or_entries: SearchIndex | Sequence[FaqEntry]) -> SearchIndex:
    if isinstance(index_or_entries, SearchIndex):
        return index_or_entries
    return build_index(index_or_entries)


def _frequencies(
    index: SearchIndex,
    counts: FieldCounts,
    field_weights: tuple[float, float, float],
    averages: list[float],
) -> dict[int, float]:
    """BM25F's weighted, length-normalised count of one term in each entry holding it (> 0).

    Per field: weight * count / (1 - b + b * length / average length), computed by C builtins
    (`map` over `operator` functions: the same float operations, in the same order, as the
    formula); an entry's shares are then summed in field order. Fields of weight 0 add nothing.
    """
    lengths = index.lengths
    shares: list[dict[int, float]] = []
    for field, found in enumerate(counts):
        if not found or not field_weights[field]:
            continue
        norm = FIELD_LENGTH_NORMS[field]
        docs = list(found)
        field_lengths = map(
            lengths.__getitem__, map(add, map(mul, docs, repeat(len(FIELDS))), repeat(field))
        )
        divisors = map(
            add,
            repeat(1.0 - norm),
            map(truediv, map(mul, repeat(norm), field_lengths), repeat(averages[field])),
        )
        weighted = map(mul, repeat(field_weights[field]), found.values())
        shares.append(dict(zip(docs, map(truediv, weighted, divisors), strict=True)))
    if len(shares) == 1:
        return shares[0]
    # Most entries hold the term in one field: only those holding it in more are summed in Python.
    combined: dict[int, float] = {}
    for share in shares:
        combined.update(share)
    keys = [share.keys() for share in shares]
    for doc in set().union(*(a & b for a, b in combinations(keys, 2))):
        combined[doc] = sum([share[doc] for share in shares if doc in share])
    docs = sorted(combined)  # in entry order, like every other list of entries
    return dict(zip(docs, map(combined.__getitem__, docs), strict=True))


def _entry_pairs(entry: FaqEntry, wanted: set[str]) -> dict[str, int]:
    """Each pair of neighbouring content terms of an entry that are both `wanted`, with the best
    field holding it."""
    pairs: dict[str, int] = {}
    for field, segments in enumerate(_field_segments(entry)):
        for segment in segments:
            content = [term for term, _, stop in terms(segment) if not stop]
            for first, second in pairwise(content):
                if first in wanted and second in wanted:
                    pairs.setdefault(_pair_key(first, second), field)
    return pairs


def _pair_key(first: str, second: str) -> str:
    # In either order: "alcohol and drugs" finds "drugs and alcohol".
    return f"{first} {second}" if first <= second else f"{second} {first}"


def _correct(index: SearchIndex, word: str) -> str | None:
    """The FAQ word closest to an unknown `word` within a small edit distance, if any."""
    if len(word) < 4 or word[0].isdigit():
        return None
    # RapidFuzz costs ~15 ms to import: only a query with an unknown word pays for it.
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    max_edits = 1 if len(word) <= 5 else 2
    candidates = process.extract(
        word, list(index.words), scorer=OSA.distance, score_cutoff=max_edits, limit=20
    )
    if len(word) <= 5:
        # A short word one edit from a FAQ word is often another real word ("pays" and "ways"):
        # trust the correction only if the first letter, which typists rarely get wrong, agrees.
        candidates = [c for c in candidates if c[0][0] == word[0]]
    if not candidates:
        return None
    # Fewest edits first; then a word with the same first letter; then the commoner word.
    best = min(
        candidates,
        key=lambda c: (c[1], c[0][0] != word[0], index.idf(index.words[c[0]])),
    )
    return str(best[0])


def _same_root(index: SearchIndex, word: str) -> str | None:
    """A FAQ word that shares a long beginning with an unknown `word` ("geography" and
    "geographical", which the stemmer leaves apart), or None.

    The shared part must be at least 7 letters and leave at most 4 letters of either word.
    """
    if len(word) < 8:
        return None
    best: tuple[int, float, str] | None = None
    for known in index.words:
        if known[:7] != word[:7]:
            continue
        shared = next(
            (at for at, pair in enumerate(zip(known, word, strict=False)) if pair[0] != pair[1]),
            min(len(known), len(word)),
        )
        if len(known) - shared <= 4 and len(word) - shared <= 4:
            rank = (-shared, index.idf(index.words[known]), known)  # longest, then commonest
            best = rank if best is None or rank < best else best
    return best[2] if best is not None else None


def _split(index: SearchIndex, word: str) -> list[str]:
    """Two known words run together ("totalplace"), or nothing."""
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if head in index.words and tail in index.words:
            return [head, tail]
    return []


def _query_terms(index: SearchIndex, query: str) -> tuple[list[QueryTerm], list[str]]:
    """The query's terms as searched (corrected where needed) and the words left unknown."""
    tokens = tokenise(query)
    content = [token for token in tokens if not token.stop]
    # A query of function words only ("what is it") is searched on them, if there are two or more.
    chosen: list[Token] = content or (tokens if len(tokens) > 1 else [])
    found: list[QueryTerm] = []
    unknown: list[str] = []
    for token in chosen:
        if token.term in index.postings:
            found.append(QueryTerm(token.term, token.word, 1.0))
            continue
        corrected = _correct(index, token.word)
        if corrected is not None:
            found.append(QueryTerm(index.words[corrected], corrected, CORRECTED_WEIGHT))
            continue
        parts = _split(index, token.word) if len(token.word) >= 6 else []
        root = None if parts else _same_root(index, token.word)
        if parts:
            found.extend(QueryTerm(index.words[p], p, CORRECTED_WEIGHT) for p in parts)
        elif root is not None:
            found.append(QueryTerm(index.words[root], root, CORRECTED_WEIGHT))
        else:
            unknown.append(token.word)
    unique: dict[str, QueryTerm] = {}
    for term in found:
        unique.setdefault(term.term, term)
    return list(unique.values()), unknown


def rank_answers(
    index_or_entries: SearchIndex | Sequence[FaqEntry], query: str, limit: int = 5
) -> list[SearchResult]:
    """Entries matching `query`, best first, at most `limit`; empty when nothing matches."""
    index = _as_index(index_or_entries)
    query_terms, unknown = _query_terms(index, query)
    if not query_terms or not index.entries:
        return []
    # Function words alone say something only about the shape of a question ("what is it").
    only_function_words = all(is_stop_word(qt.word) for qt in query_terms)
    field_weights = (FIELD_WEIGHTS[0], 0.0, 0.0) if only_function_words else FIELD_WEIGHTS
    rarest = math.log(1.0 + (len(index.entries) + 0.5) / 0.5)
    idf = {qt.term: index.idf(qt.term) for qt in query_terms}
    total = sum(idf[qt.term] * qt.weight for qt in query_terms) + rarest * len(unknown)
    scores: dict[int, float] = {}
    covered: dict[int, float] = {}
    matched: defaultdict[int, list[QueryTerm]] = defaultdict(list)
    averages = [max(average, 1.0) for average in index.average_lengths]
    for qt in query_terms:
        weight = idf[qt.term] * qt.weight
        frequencies = _frequencies(index, index.postings[qt.term], field_weights, averages)
        # score += weight * gain and covered += weight for every entry: C builtins, in entry order.
        docs = list(frequencies)
        gains = map(
            truediv,
            map(mul, frequencies.values(), repeat(SATURATION + 1.0)),
            map(add, repeat(SATURATION), frequencies.values()),
        )
        added = map(add, map(scores.get, docs, repeat(0.0)), map(mul, repeat(weight), gains))
        scores.update(zip(docs, added, strict=True))
        covered_now = map(add, map(covered.get, docs, repeat(0.0)), repeat(weight))
        covered.update(zip(docs, covered_now, strict=True))
        deque(map(list.append, map(matched.__getitem__, docs), repeat(qt)), maxlen=0)
    if not scores:
        return []
    raw = {doc: score * (covered[doc] / total) ** COVERAGE_POWER for doc, score in scores.items()}
    # Phrases are checked on the leading candidates only, so the index needs no pair lists.
    candidates = heapq.nlargest(max(RERANK_DEPTH, limit), raw, key=raw.__getitem__)
    if len(query_terms) > 1:
        wanted = set(idf)
        for doc in candidates:
            pairs = _entry_pairs(index.entries[doc], wanted)
            for first, second in pairwise(query_terms):
                field = pairs.get(_pair_key(first.term, second.term))
                if field is not None:
                    bonus = PAIR_BONUS * (idf[first.term] + idf[second.term])
                    scores[doc] += bonus * FIELD_WEIGHTS[field] / FIELD_WEIGHTS[0]
            raw[doc] = scores[doc] * (covered[doc] / total) ** COVERAGE_POWER
    best_raw = max(raw[doc] for doc in candidates)
    kept = [doc for doc in candidates if raw[doc] >= RELATIVE_CUTOFF * best_raw]
    top = heapq.nsmallest(limit, kept, key=lambda doc: (-raw[doc], index.entries[doc].id))
    best_coverage = covered[top[0]] / total
    if 100.0 * best_coverage < MIN_SCORE:
        return []  # what matched is a small, common part of the query ("banana pilots")
    results = []
    for doc in top:
        entry = index.entries[doc]
        terms = {qt.term: idf[qt.term] for qt in matched[doc]}
        snippet, highlights = make_snippet(entry.answer, terms)
        results.append(
            SearchResult(
                entry=entry,
                score=round(min(100.0, 100.0 * best_coverage * raw[doc] / best_raw), 1),
                matched=tuple(qt.word for qt in matched[doc]),
                snippet=snippet,
                highlights=highlights,
            )
        )
    return results


def make_snippet(text: str, terms: dict[str, float]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A short verbatim excerpt of one line of `text` around its rarest `terms` (term -> weight),
    with "…" where it was cut, and the spans of the matched words within it."""
    tokens = matched_spans(text, terms)  # (start, end, term if it is one of `terms`)
    line_of = [text.count("\n", 0, start) for start, _, _ in tokens]
    best = (0.0, 0, 0)  # weight of the distinct terms in a window, its first and last token
    for i, (first_start, _, first_term) in enumerate(tokens):
        if first_term is None:
            continue
        seen: set[str] = set()
        weight = 0.0
        for j in range(i, len(tokens)):
            _, end, term = tokens[j]
            if line_of[j] != line_of[i] or end - first_start > SNIPPET_WIDTH - 40:
                break
            if term is not None and term not in seen:
                seen.add(term)
                weight += terms[term]
                # The most (and rarest) distinct terms; among equals, the tightest window.
                compact = weight - (end - first_start) / 10_000
                if compact > best[0]:
                    best = (compact, i, j)
    weight, first_index, last_index = best
    anchor = tokens[first_index][0] if weight > 0.0 else 0
    line_start = text.rfind("\n", 0, anchor) + 1
    line_end = text.find("\n", anchor) % (len(text) + 1)  # -1 (last line) becomes len(text)
    focus_start = tokens[first_index][0] if weight > 0.0 else line_start
    focus_end = tokens[last_index][1] if weight > 0.0 else line_start
    # Some context before the matches, then fill the width; cut only between words.
    start = max(line_start, min(focus_start - 40, focus_end - SNIPPET_WIDTH))
    if start > line_start:
        start = next(t[0] for t in tokens if t[0] >= start)
    end = min(line_end, start + SNIPPET_WIDTH)
    if end < line_end:
        end = max([focus_end, *(t[1] for t in tokens if start < t[1] <= end)])
    prefix = ELLIPSIS if start > line_start else ""
    suffix = ELLIPSIS if end < line_end else ""
    highlights = {
        (t_start - start + len(prefix), t_end - start + len(prefix))
        for t_start, t_end, term in tokens
        if term is not None and start <= t_start and t_end <= end
    }
    return f"{prefix}{text[start:end]}{suffix}", tuple(sorted(highlights))


def suggest_query(index_or_entries: SearchIndex | Sequence[FaqEntry], query: str) -> str | None:
    """The query with each word the FAQ does not know replaced by the closest word it does know,
    when one is close enough to be a plausible misspelling; None when there is nothing to offer."""
    index = _as_index(index_or_entries)
    unknown = [
        token
        for token in tokenise(query)
        if not token.stop and token.term not in index.postings and not token.word[0].isdigit()
    ]
    if not unknown:
        return None
    # RapidFuzz costs ~15 ms to import: only a failed search pays for it.
    from rapidfuzz import fuzz, process

    vocabulary = [word for word in index.words if not word[0].isdigit() and len(word) > 2]
    suggestion = query
    for token in reversed(unknown):  # from the end, so earlier spans stay valid
        close = process.extractOne(
            token.word, vocabulary, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF
        )
        if close is not None:
            suggestion = f"{suggestion[: token.start]}{close[0]}{suggestion[token.end :]}"
    return suggestion if suggestion != query else None
