"""The search module: ranking, typos that are corrected and words that are not, honest "no
match", snippets, and quality floors on the query sets."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, in_memory, load_data_set, load_faq, rank_answers, shared_file
from typer.testing import Result

from totalplace_cli.data import bundled_data_dir
from totalplace_cli.models import FaqEntry
from totalplace_cli.search import search, suggest_query

FAQ = load_faq(bundled_data_dir() / "faq.yaml")
INDEX = in_memory(FAQ)
DEV_SET = shared_file("eval/ask_dev.tsv")
EXTRA_SET = REPO / "tests" / "data" / "ask_extra.tsv"
OFF_TOPIC_SET = REPO / "tests" / "data" / "off_topic.tsv"
NATURAL_SET = REPO / "tests" / "data" / "ask_natural.tsv"


def first_id(query: str) -> int | None:
    results = rank_answers(INDEX, query, limit=5)
    return results[0].entry.id if results else None


def load_benchmark() -> object:
    spec = importlib.util.spec_from_file_location(
        "ask_quality", REPO / "benchmarks" / "ask_quality.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


# --- ranking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("saved", 12),  # stemming: "saved" meets "savings"
        ("RIEP", 7),  # singular acronym finds "RIEPs"
        ("LSPs", 8),  # plural acronym finds "LSP"
        ("Primary Care Trusts", 8),
        ("HMT", 12),
        ("5.5 billion", 12),
        ("drugs and alcohol", 4),
        ("alcohol and drugs", 4),  # a pair counts in either order
        ("Gateshead", 2),  # a pilot from the FAQ's table
        ("Solihull", 2),  # a member place from the curated keywords
        ("Yorkshire", 2),  # a region
        ("red tape", 13),  # a curated synonym
        ("how long does it last", 5),  # keyed on "long" and "last", not "does it"
        ("what is it", 1),  # only function words: the shape of the question decides
    ],
)
def test_the_expected_answer_comes_first(query: str, expected: int) -> None:
    assert first_id(query) == expected


def test_question_outweighs_answer() -> None:
    # "obstacles" is in question 13 only, "barriers" in the answer of 12 and the keywords of 13.
    results = rank_answers(INDEX, "obstacles", limit=5)
    assert results[0].entry.id == 13
    entries = [
        FaqEntry(1, "a", "What about housing?", "Nothing to say here."),
        FaqEntry(2, "b", "Something else?", "Housing is mentioned in this answer."),
    ]
    assert [r.entry.id for r in rank_answers(entries, "housing")] == [1, 2]


def test_scores_run_from_100_down_and_respect_the_limit() -> None:
    results = rank_answers(INDEX, "pilots", limit=3)
    assert len(results) == 3
    assert results[0].score == 100.0
    assert results[0].score >= results[1].score >= results[2].score > 0


# --- typos, thresholds, suggestions --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected", "matched"),
    [
        ("tribl consultng", 9, ("tribal", "consulting")),
        ("pilts", 2, ("pilots",)),
        ("obstacels", 13, ("obstacles",)),
        ("Bichad", 7, ("bichard",)),
    ],
)
def test_misspelt_words_are_corrected_to_the_closest_faq_word(
    query: str, expected: int, matched: tuple[str, ...]
) -> None:
    best = rank_answers(INDEX, query)[0]
    assert best.entry.id == expected
    assert best.matched == matched


def test_a_word_the_stemmer_keeps_apart_meets_its_longer_form() -> None:
    # Snowball stems "geography" to "geographi" and "geographical" to "geograph".
    best = rank_answers(INDEX, "geography")[0]
    assert (best.entry.id, best.matched) == (1, ("geographical",))
    assert rank_answers(INDEX, "geometrical") == []  # "geo" alone is no shared root


def test_two_words_run_together_are_split() -> None:
    assert rank_answers(INDEX, "totalplace")[0].matched == ("total", "place")


def test_a_short_word_is_not_corrected_to_a_word_with_another_first_letter() -> None:
    # "pays" is one edit from "ways" (entry 7): it must not pull entry 7 above the consultants.
    best = rank_answers(INDEX, "who pays the consultants")[0]
    assert best.entry.id == 9
    assert "ways" not in best.matched


def test_a_cached_search_of_known_words_loads_neither_rapidfuzz_nor_the_english_list() -> None:
    code = (
        "import sys\n"
        "from totalplace_cli.data import query_data_set, resolve_data_files\n"
        "from totalplace_cli.search import search\n"
        "files = resolve_data_files(None, 'bundled')\n"
        "assert query_data_set(files, lambda database: search(database, 'savings').results)\n"
        "print('rapidfuzz' in sys.modules, 'spellchecker' in sys.modules)\n"
    )
    run = [sys.executable, "-c", code]
    subprocess.run(run, capture_output=True, text=True, check=True)  # builds the cache
    result = subprocess.run(run, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"  # the English counts are in the database


@pytest.mark.parametrize(
    "query", ["weather forecast", "football fixtures", "weather in Leeds", "plain English"]
)
def test_a_correctly_spelt_english_word_is_never_corrected_into_a_faq_word(query: str) -> None:
    # "forecast" is not "forest", "fixtures" not "figures", "Leeds" not "leads", "plain" not "plan"
    answer = search(INDEX, query)
    assert answer.results == []
    assert answer.corrections == []
    assert suggest_query(INDEX, query) is None


def test_misspelt_function_words_are_corrected_and_reported() -> None:
    answer = search(INDEX, "waht is totl place")
    assert answer.results[0].entry.id == 1
    assert [(c.typed, c.searched) for c in answer.corrections] == [
        ("waht", "what"),
        ("totl", "total"),
    ]
    assert search(INDEX, "teh pilts").results[0].entry.id == 2


def test_corrections_are_reported_beside_the_results() -> None:
    answer = search(INDEX, "savngs")
    assert answer.results[0].entry.id == 12
    assert [(c.typed, c.searched) for c in answer.corrections] == [("savngs", "savings")]
    assert search(INDEX, "savings").corrections == []


@pytest.mark.parametrize("query", ["zzzz qqqq", "banana", "what is banana", "banana pilots", "the"])
def test_junk_returns_nothing(query: str) -> None:
    assert rank_answers(INDEX, query) == []


def test_one_real_word_among_unknown_ones_still_works() -> None:
    assert first_id("savings 2012") == 12
    assert first_id("asdf savings") == 12


def test_did_you_mean_offers_the_closest_words() -> None:
    assert rank_answers(INDEX, "obstaaaaacles") == []
    assert suggest_query(INDEX, "obstaaaaacles") == "obstacles"
    assert suggest_query(INDEX, "zzzz qqqq") is None
    assert suggest_query(INDEX, "savings") is None


# --- snippets ------------------------------------------------------------------------------


def test_snippet_is_a_verbatim_excerpt_around_the_matched_words() -> None:
    result = rank_answers(INDEX, "5.5 billion")[0]
    assert len(result.snippet) <= 170
    assert result.snippet.strip("\u2026") in result.entry.answer
    highlighted = [result.snippet[start:end] for start, end in result.highlights]
    assert "billion" in highlighted


def test_snippet_of_a_table_row_and_of_an_answer_without_matches() -> None:
    kent = rank_answers(INDEX, "Kent")[0]
    assert kent.snippet == "South East | Kent |"
    assert kent.highlights == ((13, 17),)
    entry = FaqEntry(1, "widgets", "What about widgets?", "First line of the answer.\nSecond line.")
    [found] = rank_answers([entry], "widgets")  # in the question only: the answer's first line
    assert (found.snippet, found.highlights) == ("First line of the answer.", ())


def test_long_lines_are_cut_between_words_with_an_ellipsis() -> None:
    text = " ".join(["word"] * 60 + ["needle"] + ["word"] * 60)
    [found] = rank_answers([FaqEntry(1, "long", "A long answer?", text)], "needle")
    assert found.snippet.startswith("\u2026") and found.snippet.endswith("\u2026")
    assert " ".join(found.snippet.strip("\u2026").split()) in text
    assert [found.snippet[s:e] for s, e in found.highlights] == ["needle"]


def test_a_huge_answer_is_searched_and_cut_to_a_snippet() -> None:
    # Two million words once took minutes (and FTS5's highlight() alone is quadratic in the hits):
    # the snippet must stay linear in the answer's length (FTS5 reads it in pieces).
    answer = "pilots savings councils " * 666_667 + "needle in the haystack"
    entries = [FaqEntry(1, "huge", "A huge answer?", answer), FaqEntry(2, "b", "Pilots?", "Yes.")]
    database = in_memory(entries)
    [result] = rank_answers(database, "haystack")
    assert result.snippet.endswith("needle in the haystack")
    assert len(result.snippet) <= 161
    best = rank_answers(database, "savings pilots")[0]
    assert best.snippet.startswith("pilots savings") and len(best.snippet) <= 161
    assert [best.snippet[s:e] for s, e in best.highlights][:2] == ["pilots", "savings"]


# --- properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", FAQ, ids=lambda e: str(e.id))
def test_each_question_asked_verbatim_ranks_itself_first(entry: FaqEntry) -> None:
    assert first_id(entry.question) == entry.id


@pytest.mark.parametrize(
    "query", ["pilots", "savings councils", "tribl", "who is supporting the initiative", "time"]
)
def test_results_exist_and_scores_never_rise_down_the_list(query: str) -> None:
    ids = {entry.id for entry in FAQ}
    results = rank_answers(INDEX, query, limit=10)
    assert results
    assert all(r.entry in FAQ and r.entry.id in ids for r in results)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 100 for score in scores)
    assert len({r.entry.id for r in results}) == len(results)


# --- quality floors ------------------------------------------------------------------------


FAQ_ONLY = frozenset({"faq"})


def data_set() -> sqlite3.Connection:
    """The bundled data set's database, every kind, as `tp ask` searches it."""
    from totalplace_cli.data import resolve_data_files

    return load_data_set(resolve_data_files(None, "bundled"))


def quality_of(path: Path, kinds: frozenset[str] | None = FAQ_ONLY) -> Any:
    """The benchmark's figures for one query file, searched as `tp ask --kind faq` does."""
    benchmark = load_benchmark()
    return benchmark.measure(data_set(), benchmark.read_queries(path), kinds)  # type: ignore[attr-defined]


def test_dev_set_quality_floor() -> None:
    quality = quality_of(DEV_SET)
    assert quality.top1 >= 0.95, quality.misses
    assert quality.mrr >= 0.97, quality.misses


def test_extra_set_quality_floor() -> None:
    quality = quality_of(EXTRA_SET)
    assert quality.top1 >= 0.95, quality.misses
    assert quality.mrr >= 0.96, quality.misses  # its paraphrases use words the FAQ lacks


def test_natural_questions_quality_floor() -> None:
    quality = quality_of(NATURAL_SET)
    assert quality.count >= 60
    assert quality.top1 >= 0.9, quality.misses
    assert quality.mrr >= 0.93, quality.misses


@pytest.mark.parametrize("kinds", [FAQ_ONLY, None])
def test_off_topic_queries_find_nothing_and_their_look_alikes_still_do(
    kinds: frozenset[str] | None,
) -> None:
    quality = quality_of(OFF_TOPIC_SET, kinds)
    assert quality.off_topic >= 70
    assert quality.rejected >= 0.83 * quality.off_topic, quality.misses
    if kinds is not None:  # with every kind, "pilots in Manchester" may answer with the pilot
        assert quality.top1 >= 0.9, quality.misses


def test_benchmark_script_prints_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "ask_quality.py"), str(EXTRA_SET)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "top-1" in result.stdout and "MRR@5" in result.stdout


def test_keywords_never_copy_the_dev_set() -> None:
    benchmark = load_benchmark()
    queries = {query.text.lower() for query in benchmark.read_queries(DEV_SET)}  # type: ignore[attr-defined]
    keywords = {keyword.lower() for entry in FAQ for keyword in entry.keywords}
    assert not queries & keywords


def test_extra_set_is_independent_of_the_dev_set() -> None:
    benchmark = load_benchmark()
    dev = {query.text.lower() for query in benchmark.read_queries(DEV_SET)}  # type: ignore[attr-defined]
    extra = [query.text.lower() for query in benchmark.read_queries(EXTRA_SET)]  # type: ignore[attr-defined]
    assert len(extra) >= 150
    assert not dev & set(extra)


def test_the_off_topic_set_is_independent_of_the_other_sets() -> None:
    benchmark = load_benchmark()
    texts = {
        path: {query.text.lower() for query in benchmark.read_queries(path)}  # type: ignore[attr-defined]
        for path in (DEV_SET, EXTRA_SET, OFF_TOPIC_SET)
        if path.exists()
    }
    off_topic = texts.pop(OFF_TOPIC_SET)
    assert all(not off_topic & other for other in texts.values())


def test_ask_says_first_what_it_corrected_and_json_stays_clean(tp: Callable[..., Result]) -> None:
    result = tp("ask", "savngs")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == 'Showing results for "savings" (you typed "savngs")'
    assert "12. What sort of savings can be made?" in result.output
    assert "Showing results" not in tp("ask", "savings").output
    data = json.loads(tp("ask", "savngs", "--json").output)
    assert data[0]["id"] == 12 and data[0]["matched"] == ["savings"]


def test_ask_off_topic_exits_1_with_one_line_and_no_bad_suggestion(
    tp: Callable[..., Result],
) -> None:
    result = tp("ask", "weather in Leeds")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "tp: nothing matches 'weather in Leeds'; try fewer or other words (or see 'tp questions')\n"
    )


@pytest.mark.parametrize(
    ("query", "answered"),
    [
        ("best restaurants in Birmingham", False),  # "restaurants" is the topic, not "best"
        ("house prices in Kent", False),
        ("Birmingham", True),
        ("has this been tried before", True),  # "tried" is too common to name a topic
        ("could reporting requirements be relaxed", True),
    ],
)
def test_a_topic_the_data_lacks_outweighs_a_common_word_it_has(
    tp: Callable[..., Result], query: str, answered: bool
) -> None:
    result = tp("ask", query, "--kind", "faq", "--json")
    assert result.exit_code == (0 if answered else 1), result.stdout


def test_a_pipe_gets_the_correction_on_one_line_however_narrow(
    tp: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like every other line in a pipe, the correction is never wrapped (it was, to COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "30")
    first = tp("ask", "savngs").output.splitlines()[0]
    assert first == 'Showing results for "savings" (you typed "savngs")'
