"""Every command and flag through Typer's CliRunner (in-process, the real app)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import Result

from totalplace_cli import __version__
from totalplace_cli.cli import app

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
    assert (
        result.stderr.startswith("tp: tp export takes FORMAT: html") and "markdown" in result.stderr
    )
    assert result.stderr.endswith(
        "for example: tp export html -o faq.html (try 'tp export --help')\n"
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
    assert "\n    tp ask consultants -n 3 --kind faq\n" in shown


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
    assert (
        result.stderr
        == "tp: tp ask has no option --limt; did you mean --limit? (try 'tp ask --help')\n"
    )


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


# Commands by meaning and by spelling (#25)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (["search", "savings", "--json"], ["ask", "savings", "--json"]),
        (["find", "who", "pays"], ["ask", "who", "pays"]),
        (["query", "poole", "--kind", "pilot"], ["ask", "poole", "--kind", "pilot"]),
        (["list"], ["questions"]),
        (["areas", "--region", "london"], ["pilots", "--region", "london"]),
        (["area", "kent"], ["pilot", "kent"]),
        (["version"], ["info"]),
        (["ASK", "savings"], ["ask", "savings"]),
        (["help"], ["--help"]),
        (["help", "ask"], ["ask", "--help"]),
    ],
    ids=" ".join,
)
def test_a_word_meaning_a_command_runs_it(tp: Tp, typed: list[str], meant: list[str]) -> None:
    """As git and gh aliases do: `tp search savings` is `tp ask savings`, output and all."""
    result, expected = tp(*typed), tp(*meant)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, "")


def test_help_through_an_alias_teaches_the_command_s_own_name(tp: Tp) -> None:
    assert tp("search", "--help").stdout.startswith("Usage: tp ask [OPTIONS]")


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("serch", "ask"),
        ("serach", "ask"),
        ("qeury", "ask"),
        ("question", "questions"),
        ("qestions", "questions"),
        ("aera", "pilot"),
        ("pilto", "pilot"),
        ("glosary", "glossary"),
        ("timline", "timeline"),
    ],
)
def test_a_mistyped_command_suggests_what_it_means_on_one_line(
    tp: Tp, typo: str, meant: str
) -> None:
    result = tp(typo, "savings")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"tp: No such command '{typo}'. Did you mean '{meant}'? (try 'tp --help')\n"
    )


def test_a_command_like_nothing_gets_no_suggestion(tp: Tp) -> None:
    assert tp("xyzzy").stderr == "tp: No such command 'xyzzy'. (try 'tp --help')\n"


# Option errors in plain words (#25)

JARGON = (
    "Invalid value",
    "Missing argument",
    "No such option",
    "requires an argument",
    "is not one of",
    "is not a valid",
    "x>=",
    "Got unexpected",
)


def assert_plain_line(result: Result, start: str) -> None:
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1, result.stderr
    assert not [word for word in JARGON if word in result.stderr], result.stderr


def value_options() -> list[tuple[list[str], str, str]]:
    """Every option of every command that takes a value: (command, option, its longest name)."""
    group = typer.main.get_command(app)
    commands = [([], group), *(([name], command) for name, command in group.commands.items())]
    return [
        (path, option, max(param.opts, key=len))
        for path, command in commands
        for param in command.params
        if param.param_type_name == "option" and not getattr(param, "is_flag", False)
        for option in param.opts
        if not param.name.endswith("_completion")
    ]


@pytest.mark.parametrize(("path", "option", "name"), value_options(), ids=str)
def test_every_option_missing_its_value_says_what_it_takes(
    tp: Tp, path: list[str], option: str, name: str
) -> None:
    assert_plain_line(tp(*path, *(["x"] if path == ["ask"] else []), option), f"tp: {name} takes ")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ask", "savings", "--limit", "abc"], "--limit takes a whole number such as 5"),
        (["ask", "savings", "-n", "0"], "--limit takes a whole number such as 5, at least 1"),
        (["ask", "savings", "-n", "-3"], "--limit takes a whole number such as 5, at least 1"),
        (["ask", "savings", "--kind", "bogus"], "unknown --kind bogus; choose from: faq, pilot"),
        (["ask", "savings", "--kind"], "--kind takes KIND: search only these kinds: faq, pilot"),
        (["ask"], "tp ask takes QUERY...: words to look for"),
        (["export", "pdf"], "tp export takes FORMAT: html"),
        (["export", "html", "-o"], "--output takes FILE: write to FILE"),
        (["show"], "tp show takes ID: question number, slug or the question itself"),
        (["pilot"], "tp pilot takes PILOT: pilot id, name or a place in it"),
        (["schema"], "tp schema takes KIND: faq, pilots, glossary, programme"),
        (["pilots", "--region"], "--region takes REGION: only pilots in this region, e.g."),
        (["--data-dir"], "--data-dir takes DIR: folder with your own data files"),
        (["questions", "--limit", "3"], "tp questions has no option --limit; its options: --json"),
        (["pilots", "--jsn"], "tp pilots has no option --jsn; did you mean --json?"),
        (["-x"], "tp has no option -x; its options: --data-dir, --no-color, --version"),
        (["pilots", "kent"], "unexpected 'kent' after tp pilots; did you mean 'tp pilot kent'?"),
        (["questions", "12"], "unexpected '12' after tp questions; its options: --json"),
        (
            ["pilots", "--region", "West", "Midlands"],
            "unexpected 'Midlands' after tp pilots; if they go together, quote them: "
            "tp pilots --region 'West Midlands'",
        ),
        (
            ["pilot", "west", "midlands"],
            "unexpected 'midlands' after tp pilot; if they go together, quote them: "
            "tp pilot 'west midlands'",
        ),
        (["help", "serch"], "No such command 'serch'. Did you mean 'ask'?"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_option_and_argument_errors_are_plain_words(tp: Tp, args: list[str], expected: str) -> None:
    assert_plain_line(tp(*args), f"tp: {expected}")


@pytest.mark.parametrize(
    ("option", "listed"),
    [
        ("--region", "the regions are: East, East Midlands, London, North East"),
        ("--theme", "the themes are: children-and-young-people, older-people"),
        ("--place", "places such as Central Bedfordshire, Leicestershire, Gateshead"),
    ],
)
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_filter_lists_what_there_is(tp: Tp, option: str, listed: str, value: str) -> None:
    assert_plain_line(tp("pilots", option, value), f"tp: the {option} value is empty; {listed}")


def test_show_opens_a_question_from_the_start_of_its_words(tp: Tp) -> None:
    """A newcomer types the question as they remember it, not its slug."""
    assert tp("show", "what sort of savings").stdout == tp("show", "12").stdout
    assert_plain_line(
        tp("show", "What is"), "tp: 'What is' could be any of: what-is-total-place (1)"
    )
