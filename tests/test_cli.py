"""Every command and flag through Typer's CliRunner (in-process, the real app)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from totalplace_cli import __version__

Tp = Callable[..., Result]


def test_no_arguments_prints_the_help_and_succeeds(tp: Tp) -> None:
    result = tp()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: tp [OPTIONS] COMMAND [ARGS]...")
    assert "  tp ask who pays for it" in result.stdout and "Exit codes" in result.stdout
    assert result.stderr == ""
    assert result.stdout == tp("--help").stdout


def test_export_without_a_format_is_one_readable_line(tp: Tp) -> None:
    result = tp("export")
    assert result.exit_code == 2
    assert result.stderr == (
        "tp: Missing argument 'FORMAT'. Choose from: html, markdown, sqlite, json "
        "(try 'tp export --help')\n"
    )


def test_help_uses_uppercase_metavars(tp: Tp) -> None:
    expected = {
        ("show",): ["ID"],
        ("ask",): ["QUERY", "--limit N"],
        ("pilot",): ["PILOT"],
        ("glossary",): ["TERM"],
        ("export",): ["FORMAT", "--output FILE"],
        ("validate",): ["PATH"],
        ("pilots",): ["--region REGION", "--theme THEME", "--place PLACE"],
        (): ["--data-dir DIR"],
    }
    for command, metavars in expected.items():
        shown = tp(*command, "--help").stdout
        for metavar in metavars:
            assert metavar in shown, (command, metavar)
        # Typer 0.29 adds an argument's type ("ID <str>"); options keep the metavar given.
        assert "{question}" not in shown and "{query}" not in shown and "[term]" not in shown
        assert not re.search(r"-[a-z-]+ <(str|int)", shown), shown


def test_validate_help_points_to_what_an_installed_user_has(tp: Tp) -> None:
    shown = tp("validate", "--help").stdout
    assert "docs/data-format.md" not in shown
    assert "tp schema" in shown


def test_help_keeps_examples_on_their_own_lines(tp: Tp) -> None:
    shown = tp("ask", "--help").stdout
    assert "\n    tp ask who pays the consultants --json --limit 3 --kind faq\n" in shown


def test_version(tp: Tp) -> None:
    result = tp("--version")
    assert result.exit_code == 0
    assert result.output == f"tp {__version__}\n"


def test_every_command_has_help_with_an_example(tp: Tp) -> None:
    for command in ["questions", "show", "ask", "pilots", "info", "validate"]:
        result = tp(command, "--help")
        assert result.exit_code == 0, command
        assert "Example" in result.output, command


def test_questions_lists_all_fourteen(tp: Tp) -> None:
    result = tp("questions")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 14
    assert lines[11] == "12. What sort of savings can be made?"


def test_questions_json(tp: Tp) -> None:
    data = json.loads(tp("questions", "--json").output)
    assert len(data) == 14
    assert data[0] == {"id": 1, "slug": "what-is-total-place", "question": "What is Total Place?"}


def test_show_by_number_and_by_slug(tp: Tp) -> None:
    by_number = tp("show", "12")
    by_slug = tp("show", "what-sort-of-savings-can-be-made")
    assert by_number.exit_code == by_slug.exit_code == 0
    assert by_number.output == by_slug.output
    assert "£5.5 billion by 2011" in by_number.output


def test_show_json_is_verbatim(tp: Tp) -> None:
    data = json.loads(tp("show", "14", "--json").output)
    assert {"id", "slug", "question", "answer"} <= set(data)  # later versions only add keys
    assert data["question"] == "Haven\u2019t you done this all before?"
    assert "£4.5 billion since April 2004" in data["answer"]


def test_show_unknown_number_is_a_usage_error(tp: Tp) -> None:
    result = tp("show", "99")
    assert result.exit_code == 2
    assert "no question number 99" in result.stderr
    assert "1-14" in result.stderr


def test_show_misspelt_slug_suggests(tp: Tp) -> None:
    result = tp("show", "where-are-the-pilot")
    assert result.exit_code == 0  # a unique prefix is accepted
    result = tp("show", "were-are-the-pilots")
    assert result.exit_code == 2
    assert "did you mean where-are-the-pilots" in result.stderr


def test_ask_forgives_typos(tp: Tp) -> None:
    data = json.loads(tp("ask", "savngs", "--json").output)
    assert data[0]["question"] == "What sort of savings can be made?"


def test_ask_json_shape_and_limit(tp: Tp) -> None:
    data = json.loads(tp("ask", "pilots", "--json", "--limit", "2").output)
    assert len(data) == 2
    assert {"id", "slug", "question", "answer", "score"} <= set(data[0])
    assert 0 <= data[1]["score"] <= data[0]["score"] <= 100


def test_ask_terminal_output_has_best_answer_then_others(tp: Tp) -> None:
    result = tp("ask", "savings")
    assert result.exit_code == 0
    assert result.output.startswith("12. What sort of savings can be made?")
    assert "Other matches" in result.output


def test_ask_no_match_exits_1(tp: Tp) -> None:
    result = tp("ask", "zzzzqqqq xxyyzz")
    assert result.exit_code == 1
    assert "nothing matches" in result.stderr


def test_ask_empty_query_is_a_usage_error(tp: Tp) -> None:
    result = tp("ask", "   ")
    assert result.exit_code == 2
    assert "empty" in result.stderr


def test_ask_bad_limit_is_a_usage_error(tp: Tp) -> None:
    result = tp("ask", "savings", "--limit", "0")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1


def test_unknown_option_is_one_line_with_a_hint(tp: Tp) -> None:
    result = tp("ask", "savings", "--limt", "3")
    assert result.exit_code == 2
    assert result.stderr.startswith("tp: No such option: --limt")
    assert "--help" in result.stderr


def test_pilots_table(tp: Tp) -> None:
    result = tp("pilots")
    assert result.exit_code == 0
    assert "Dorset, Poole & Bournemouth" in result.output
    assert "\x1b[" not in result.output


def test_pilots_region_ignores_case(tp: Tp) -> None:
    data = json.loads(tp("pilots", "--region", "west midlands", "--json").output)
    assert [p["name"] for p in data] == ["Birmingham", "Coventry", "Worcestershire"]
    assert set(data[0]) >= {"id", "name", "region"}


def test_pilots_unknown_region_lists_the_regions(tp: Tp) -> None:
    result = tp("pilots", "--region", "Wales")
    assert result.exit_code == 2
    assert "unknown region 'Wales'; the regions are: East, East Midlands, London" in result.stderr


def test_data_dir_option_and_environment(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "version: 1\npilots:\n  - {id: x, name: Xtown, region: Nowhere}\n", encoding="utf-8"
    )
    data = json.loads(tp("--data-dir", str(tmp_path), "pilots", "--json").output)
    assert len(data) == 1
    # The original keys keep their values; the added ones are present and empty (nothing sourced).
    assert {key: data[0][key] for key in ("id", "name", "region")} == {
        "id": "x",
        "name": "Xtown",
        "region": "Nowhere",
    }
    assert data[0]["themes"] == [] and data[0]["official_name"] is None
    assert json.loads(tp("--data-dir", str(tmp_path), "questions", "--json").output)


def test_bad_data_file_is_one_line_exit_3(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text("entries: 5\n", encoding="utf-8")
    result = tp("--data-dir", str(tmp_path), "questions")
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "faq.yaml" in result.stderr


def test_missing_data_dir_is_reported(tp: Tp, tmp_path: Path) -> None:
    result = tp("--data-dir", str(tmp_path / "nope"), "questions")
    assert result.exit_code == 3
    assert "data directory not found" in result.stderr


def test_ask_json_adds_snippet_and_matched(tp: Tp) -> None:
    result = tp("ask", "tribl consultng", "--json", "--limit", "1")
    assert result.exit_code == 0
    [best] = json.loads(result.output)
    assert set(best) == {"kind", "id", "slug", "question", "answer", "score", "snippet", "matched"}
    assert best["kind"] == "faq"
    assert best["id"] == 9
    assert best["score"] == 100.0
    assert best["matched"] == ["tribal", "consulting"]
    assert best["snippet"].startswith("Tribal have been commissioned")
    assert best["snippet"].rstrip("\u2026") in best["answer"]


def test_ask_piped_other_matches_show_a_plain_snippet(tp: Tp) -> None:
    result = tp("ask", "efficiency savings", "--limit", "3", "--kind", "faq")
    assert result.exit_code == 0
    others = result.output.split("Other matches:\n")[1].splitlines()
    assert len(others) == 4  # two results, each a question line and a snippet line
    assert others[1].startswith("    ") and "savings" in others[1]
    assert "\x1b[" not in result.output


def test_ask_junk_is_no_match_without_a_poor_first_result(tp: Tp) -> None:
    for query in ["zzzz qqqq", "banana", "banana pilots"]:
        result = tp("ask", query, "--json")
        assert result.exit_code == 1, query
        assert result.stdout == "[]\n"  # scripts still get valid JSON
        assert result.stderr.startswith(f"tp: nothing matches '{query}'")
        assert result.stderr.count("\n") == 1


def test_ask_no_match_offers_did_you_mean(tp: Tp) -> None:
    result = tp("ask", "obstaaaaacles")
    assert result.exit_code == 1
    assert "did you mean 'obstacles'?" in result.stderr
