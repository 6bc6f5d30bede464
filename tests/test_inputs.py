"""Odd queries, arguments and option values: a clear message or a sensible result, never a crash."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import Result

from totalplace_cli.streams import MAX_QUERY_CHARS, clean_query, from_argv, printable

Tp = Callable[..., Result]


def assert_one_line_error(result: Result, code: int, fragment: str) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("tp: ") and result.stderr.count("\n") == 1
    assert fragment in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "\x00\x1b", "\u202e\u200f"])
def test_empty_or_blank_queries(tp: Tp, query: str) -> None:
    assert_one_line_error(tp("ask", query), 2, "the query is empty; try for example")


def test_a_100_kb_query_is_searched_by_its_first_words_with_a_warning(tp: Tp) -> None:
    query = "savings " * 12_800  # 102,400 characters
    result = tp("ask", query, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["id"] == 12
    assert result.stderr == (
        "tp: warning: the query is 102,399 characters long; "
        "searching its first 125 words (999 characters)\n"
    )


def test_a_query_at_the_limit_is_searched(tp: Tp) -> None:
    query = ("savings " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]
    result = tp("ask", query, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["id"] == 12


def test_undecodable_bytes_from_the_shell_are_replaced_not_fatal(tp: Tp) -> None:
    # Python passes argv bytes that are not UTF-8 as lone surrogates (surrogateescape).
    argument = b"savings \xff\xfe".decode("utf-8", "surrogateescape")
    result = tp("ask", argument, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["id"] == 12
    assert from_argv(argument) == "savings \ufffd\ufffd"
    assert_one_line_error(tp("show", "\udcff"), 2, "no question with id or slug '\ufffd'")


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("savings 💷", 12),  # emoji beside words are ignored
        ("\u202esavings\u202c", 12),  # a right-to-left override around a word
        ("sav\x00ings", None),  # a control character splits the word
    ],
)
def test_emoji_rtl_and_control_characters_in_queries(tp: Tp, query: str, best: int | None) -> None:
    result = tp("ask", query, "--json")
    assert result.exit_code in {0, 1}
    found = json.loads(result.stdout)
    if best is not None:
        assert found[0]["id"] == best


@pytest.mark.parametrize("query", ["😀🎉", "مدخرات", "שלום"])
def test_queries_with_no_latin_words_find_nothing_cleanly(tp: Tp, query: str) -> None:
    result = tp("ask", query)
    assert_one_line_error(result, 1, f"nothing matches '{query}'")


def test_escape_sequences_are_never_echoed_to_the_terminal(tp: Tp) -> None:
    result = tp("show", "\x1b]0;pwned\x07\x1b[31mred")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert_one_line_error(result, 2, "no question with id or slug ']0;pwned  [31mred'")


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "", "2.5", None])
def test_bad_or_missing_limits_say_what_limit_takes(tp: Tp, limit: str | None) -> None:
    result = tp("ask", "savings", *(["--limit", limit] if limit is not None else ["--limit"]))
    assert_one_line_error(result, 2, "--limit takes a whole number such as 5, at least 1")


def test_limit_bounds_are_accepted(tp: Tp) -> None:
    assert len(json.loads(tp("ask", "pilots", "-n", "1", "--json").stdout)) == 1
    assert len(json.loads(tp("ask", "pilots", "-n", "100", "--json", "-k", "faq").stdout)) <= 14
    every = json.loads(tp("ask", "pilots", "-n", "99999999999999999999999999", "--json").stdout)
    assert every == json.loads(tp("ask", "pilots", "-n", "1000", "--json").stdout)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("0", "no question number 0 (valid numbers: 1-14)"),
        ("#99", "no question number 99"),
        ("-1", "tp show has no option -1"),  # as for any command-line tool: tp show -- -1
        ("²", "no question with id or slug '²'"),  # a digit to str.isdigit, not to int()
        ("9" * 5000, "is 5,000 characters long"),
        ("1" * 30, "no question number " + "1" * 30 + " (valid numbers: 1-14)"),
        ("no-such-slug", "no question with id or slug 'no-such-slug'"),
        ("", "the question number or slug is empty"),
        ("   ", "the question number or slug is empty"),
    ],
)
def test_unknown_ids_and_slugs(tp: Tp, key: str, fragment: str) -> None:
    assert_one_line_error(tp("show", key), 2, fragment)


def test_padded_and_hash_ids_still_work(tp: Tp) -> None:
    assert tp("show", " 12 ").stdout == tp("show", "#12").stdout == tp("show", "12").stdout


@pytest.mark.parametrize("region", ["", "   ", "\x1b[2J", "x" * 1000])
def test_odd_regions(tp: Tp, region: str) -> None:
    result = tp("pilots", "--region", region)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr


def test_clean_query_collapses_whitespace_and_controls() -> None:
    assert clean_query("  who\tpays\x00the\u202e consultants \n") == "who pays the consultants"


def test_printable_shows_controls_as_escapes() -> None:
    assert printable("a\x1b[31mb\nc\u202ed") == "a\\x1b[31mb\\nc\\u202ed"
    assert printable("café 😀 \u200d") == "café 😀 \u200d"
