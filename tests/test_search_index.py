"""The fast index gives the same answers as the plain definition of the index, cached or not.

The index is built by C builtins over whitespace-separated chunks and stored as per-field gap
lists; these tests hold it to what `tokenise` says each entry contains, and check that an index
written to the cache and read back ranks every query exactly as a freshly built one.
"""

from __future__ import annotations

import json
import os
import random
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from totalplace_cli import cache
from totalplace_cli.models import FaqEntry
from totalplace_cli.search import (
    FIELDS,
    SearchIndex,
    SearchResult,
    build_index,
    rank_answers,
    suggest_query,
)
from totalplace_cli.text import tokenise

# Words as the FAQ writes them (with their punctuation), plus spellings the word rules treat
# specially. Fixed here, so that the golden rankings below never depend on the data files.
_WORDS = """
& 1 13 2010, Centre Chief Cumbria, Department East Efficiency England, Executives From Government
Government, Health, How IDeA, Improvement It It\u2019s Leaders Leadership Local London Manchester
Michael Midlands North Pensions, Pilot Place Place? Some South The There They This Total Treasury,
Tribal We West What Whitehall, Who Work Yorkshire a about access across agencies all also an
analysis and any approach approach, are area areas areas, as asked at authorities, be been
benefits, better beyond billion bodies, but by can care, central change changes, changing chosen
collaboration community cost cost. councils councils, counting cuts, deep deliver delivering
delivery each earlier early efficiency efficient environment expect far final flows, for from
further government greater happen has have health help how ideas identify improve improved
improvements in initial initiative initiative? initiatives into involved is issues it it, key
launched leads learning least led local looking made make meeting mental method might misuse,
money money, more national need needs new next not of on one opportunities or organisations other
outside parallel part part, particular partners people, pilot pilots pilots, places places,
policy potential precedent, private project, public quality record redesign, reduced reinvest
report reporting results, same savings savings. scheme, schemes, sector sector, see seeking
seeks service services services, services. shared similar so some soon sort spend spending start
strong support taking that the their them theme these they things this through time to together
too track trying up using value want way ways we what where which while who will with within work
working working, would year year\u2019s you \u2013 can't won't haven't children\u2019s LSPs
organize £4.5bn 5.5% PBR09 (Home Office) e-mail drugs/alcohol \u201cquoted\u201d drugs alcohol
"""
VOCABULARY = _WORDS.split()


def generated_entries(count: int, seed: int) -> list[FaqEntry]:
    rng = random.Random(seed)

    def text(low: int, high: int) -> str:
        return " ".join(rng.choices(VOCABULARY, k=rng.randint(low, high)))

    entries = []
    for number in range(1, count + 1):
        paragraphs = [text(5, 40) for _ in range(rng.randint(1, 3))]
        keywords = tuple(text(1, 3) for _ in range(rng.choice([0, 0, 1, 3])))
        entries.append(
            FaqEntry(
                id=number,
                slug=f"entry-{number}",
                question=text(3, 12) + "?",
                answer="\n\n".join(paragraphs),
                keywords=keywords,
            )
        )
    return entries


ENTRIES = generated_entries(300, seed=2010)
INDEX = build_index(ENTRIES)


def queries(count: int, seed: int) -> list[str]:
    """Real words, misspellings, run-together words, function words and junk."""
    rng = random.Random(seed)
    words = [t.word for e in ENTRIES[:50] for t in tokenise(e.question)]
    found = ["savings", "what is it", "how does it work", "drugs and alcohol", "zzzz qqqq"]
    for _ in range(count):
        chosen = rng.choices(words, k=rng.randint(1, 4))
        roll = rng.random()
        if roll < 0.25 and len(chosen[0]) > 4:  # a typo
            at = rng.randrange(len(chosen[0]))
            chosen[0] = chosen[0][:at] + rng.choice("aeiost") + chosen[0][at + 1 :]
        elif roll < 0.35 and len(chosen) > 1:  # two words run together
            chosen[:2] = [chosen[0] + chosen[1]]
        found.append(" ".join(chosen))
    return found


QUERIES = queries(400, seed=9)
GOLDEN = Path(__file__).parent / "golden" / "search_index_rankings.json"


def golden_row(result: SearchResult) -> list[Any]:
    """A result as stored in the golden file: the snippet and its highlights by checksum."""
    shown = json.dumps([result.snippet, result.highlights], ensure_ascii=False)
    return [result.entry.id, result.score, list(result.matched), zlib.crc32(shown.encode())]


def test_rankings_are_those_of_the_golden_file() -> None:
    """Entries, scores, matched words and snippets as recorded (first by the index before the
    speed work, commit 72d637d): a faster index must not change a single answer. A deliberate
    change of ranking rules rewrites the file with TP_UPDATE_GOLDEN=1."""
    if os.environ.get("TP_UPDATE_GOLDEN"):
        rows = {query: [golden_row(r) for r in rank_answers(INDEX, query)] for query in QUERIES}
        lines = (f"{json.dumps(q, ensure_ascii=False)}: {json.dumps(r)}" for q, r in rows.items())
        GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")  # a query a line
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(golden) > 150 and sum(bool(rows) for rows in golden.values()) > 100
    for query, expected in golden.items():
        assert [golden_row(r) for r in rank_answers(INDEX, query)] == expected, query


def test_postings_lengths_and_words_match_the_tokens_of_each_entry() -> None:
    expected: dict[str, list[Counter[int]]] = {}
    lengths: list[int] = []
    words: dict[str, str] = {}
    for index, entry in enumerate(ENTRIES):
        segments = ([entry.question], list(entry.keywords), [entry.answer])
        for field, texts in enumerate(segments):
            tokens = [token for text in texts for token in tokenise(text)]
            for token in tokens:
                per_field = expected.setdefault(token.term, [Counter() for _ in FIELDS])
                per_field[field][index] += 1
                if not token.stop:
                    words[token.word] = token.term
            lengths.append(sum(not token.stop for token in tokens))
    assert sorted(INDEX.postings) == sorted(expected)
    for term, per_field in expected.items():
        assert list(INDEX.postings[term]) == per_field, term
        holding = set().union(*per_field)
        assert INDEX.postings.entry_count(term) == len(holding), term
    assert INDEX.lengths == lengths
    assert INDEX.words == words
    for field in range(len(FIELDS)):
        assert INDEX.average_lengths[field] == sum(lengths[field :: len(FIELDS)]) / len(ENTRIES)


def cached_index(source: Path) -> SearchIndex:
    """The index through the real cache: written to a file on the first call, read after."""
    return cache.cached(
        source, "index", lambda: build_index(ENTRIES).to_json(), SearchIndex.from_json
    )


def test_a_cached_and_reloaded_index_ranks_every_query_like_a_fresh_one(
    private_cache: Path, tmp_path: Path
) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("stands in for the FAQ the index was built from", encoding="utf-8")
    cached_index(source)  # writes the cache file
    [file] = private_cache.glob("index-*.json")
    reloaded = cached_index(source)
    assert file.stat().st_mtime_ns == next(private_cache.glob("index-*.json")).stat().st_mtime_ns
    fresh = build_index(ENTRIES)
    answered = 0
    for query in QUERIES:
        expected = rank_answers(fresh, query, limit=10)
        assert rank_answers(reloaded, query, limit=10) == expected, query
        assert suggest_query(reloaded, query) == suggest_query(fresh, query), query
        answered += bool(expected)
    assert answered > len(QUERIES) // 2  # the queries exercise ranking, not only "no match"


def test_ranking_an_index_or_its_entries_is_the_same() -> None:
    for query in QUERIES[:60]:
        assert rank_answers(INDEX, query) == rank_answers(ENTRIES, query), query


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_indexes_round_trip(count: int) -> None:
    index = build_index(ENTRIES[:count])
    restored = SearchIndex.from_json(index.to_json())
    assert restored.lengths == index.lengths
    assert rank_answers(restored, "savings") == rank_answers(index, "savings")
