"""The first five minutes (issue 14): ambiguous slugs, places in themes, region lists, generous
limits and long queries, and completion in a real bash with a description beside every value."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Tp = Callable[..., Result]

TP = shutil.which("tp", path=str(Path(sys.executable).parent)) or shutil.which("tp")
BASH = shutil.which("bash")
needs_script = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
# A paragraph as someone might paste it: 3,000+ characters, the question somewhere inside.
PARAGRAPH = (
    "I have been reading about public service reform in England and would like to know "
    "what sort of savings can be made when every agency in a place pools its budgets. "
) * 20


def assert_one_line(stderr: str, start: str) -> None:
    assert stderr.startswith(start), stderr
    assert stderr.count("\n") == 1, stderr


# Item 2: an ambiguous slug prefix names every candidate


def test_an_ambiguous_slug_start_names_every_question_it_could_be(tp: Tp) -> None:
    result = tp("show", "what-sort")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "tp: 'what-sort' could be any of: what-sort-of-issues-will-the-pilots-look-at (4), "
        "what-sort-of-savings-can-be-made (12), "
        "what-sort-of-obstacles-would-government-be-prepared-to-lift (13); say which\n"
    )


def test_a_very_ambiguous_start_names_five_and_counts_the_rest(tp: Tp) -> None:
    result = tp("show", "w")
    assert result.exit_code == 2
    assert_one_line(result.stderr, "tp: 'w' could be any of: what-is-total-place (1), ")
    assert "and 4 more (see 'tp questions'); say which" in result.stderr


def test_a_unique_start_still_shows_and_a_typo_still_suggests(tp: Tp) -> None:
    assert tp("show", "what-sort-of-sav").stdout.startswith("12. What sort of savings")
    result = tp("show", "wat-sort-of-savings")
    assert result.exit_code == 2
    assert_one_line(result.stderr, "tp: no question with id or slug 'wat-sort-of-savings'; did")
    assert "what-sort-of-savings-can-be-made" in result.stderr


# Item 3: places in themes, and suggestions worth reading


def test_a_place_named_in_a_pilots_themes_finds_the_pilot(tp: Tp) -> None:
    for place in ("Margate", "margate central", "Cliftonville West"):
        result = tp("pilots", "--place", place, "--json")
        assert result.exit_code == 0, place
        assert [pilot["name"] for pilot in json.loads(result.stdout)] == ["Kent"]


def test_ordinary_theme_words_are_not_places(tp: Tp) -> None:
    result = tp("pilots", "--place", "benefits", "--json")  # Luton's "Access to benefits"
    assert result.exit_code == 1
    assert json.loads(result.stdout) == []


def test_an_unknown_place_gets_a_suggestion_only_when_one_is_close(tp: Tp) -> None:
    near = tp("pilots", "--place", "Marget")
    assert near.exit_code == 1
    assert near.stderr.endswith("; did you mean Margate?\n")
    far = tp("pilots", "--place", "Leeds")
    assert far.exit_code == 1
    assert "did you mean" not in far.stderr


def test_a_region_nothing_is_close_to_lists_all_the_regions(tp: Tp) -> None:
    result = tp("pilots", "--region", "scotland")
    assert result.exit_code == 2
    assert result.stderr == (
        "tp: unknown region 'scotland'; the regions are: East, East Midlands, London, "
        "North East, North West, South East, South West, West Midlands, Yorkshire & Humber\n"
    )


# Item 7: a generous --limit and long queries


def test_a_large_limit_returns_every_match(tp: Tp) -> None:
    every = tp("ask", "savings", "--limit", "1000", "--json")
    assert every.exit_code == 0
    records = tp("ask", "savings", "-n", "60", "--json")  # the data set has 60 records
    assert json.loads(every.stdout) == json.loads(records.stdout)
    assert tp("ask", "savings", "--limit", "1000").exit_code == 0


def test_a_pasted_paragraph_is_searched_by_its_first_words(tp: Tp) -> None:
    assert len(PARAGRAPH) > 3000
    result = tp("ask", PARAGRAPH, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["id"] == 12
    assert_one_line(result.stderr, f"tp: warning: the query is {len(PARAGRAPH) - 1:,} characters")
    assert "searching its first" in result.stderr


def test_a_query_of_exactly_1000_characters_is_searched_without_a_warning(tp: Tp) -> None:
    query = ("savings " * 200)[:1000]
    assert len(query.strip()) == 999  # the trailing space is not part of the query
    query = "s" + query.strip()
    result = tp("ask", query, "--json")
    assert result.exit_code in {0, 1}
    assert result.stderr == ""
    warned = tp("ask", query + "x", "--json")
    assert warned.stderr.startswith("tp: warning: the query is 1,001 characters long")


@needs_script
def test_the_installed_script_answers_a_pasted_paragraph() -> None:
    assert TP
    result = subprocess.run(
        [TP, "ask", PARAGRAPH, "--limit", "1000"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("12. What sort of savings can be made?")
    assert_one_line(result.stderr, "tp: warning: the query is")


# Item 4: completion in a real bash, and a description beside every value


def bash_complete(*words: str) -> list[str]:
    """What bash offers after `words` (the last one being typed), through tp's own script."""
    assert TP and BASH
    script = (
        'eval "$(_TP_COMPLETE=source_bash tp)"\n'
        'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))\n'
        "_tp_completion tp\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    environment = {k: v for k, v in os.environ.items() if k != "TP_DATA_DIR"}
    environment["PATH"] = f"{Path(TP).parent}{os.pathsep}{environment.get('PATH', '')}"
    result = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", script, "bash", *words],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.split("\n") if line]


def described(*words: str) -> list[tuple[str, str]]:
    """The values and descriptions tp gives a shell that shows them (fish's protocol)."""
    assert TP
    environment = {k: v for k, v in os.environ.items() if k != "TP_DATA_DIR"}
    environment |= {
        "_TP_COMPLETE": "complete_fish",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_ARGS": " ".join(words),
    }
    result = subprocess.run(
        [TP], capture_output=True, text=True, env=environment, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    pairs = [line.split("\t") for line in result.stdout.splitlines()]
    return [(pair[0], pair[1] if len(pair) > 1 else "") for pair in pairs]


pytestmark_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


@needs_script
@pytestmark_bash
@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (("tp", "pilots", "--region", "West"), ["West-midlands"]),
        (("tp", "pilots", "--region", "NORTH"), ["NORTH-EAST", "NORTH-WEST"]),
        (("tp", "pilots", "--region", "west"), ["west-midlands"]),
        (("tp", "show", ""), [str(number) for number in range(1, 15)]),
        (
            ("tp", "show", "what-sort"),
            [
                "what-sort-of-issues-will-the-pilots-look-at",
                "what-sort-of-savings-can-be-made",
                "what-sort-of-obstacles-would-government-be-prepared-to-lift",
            ],
        ),
        (("tp", "glossary", "r"), ["rieps"]),
        (("tp", "glossary", "PB"), ["PBR09"]),
        (("tp", "pilots", "--place", "Marg"), ["Margate", "Margate-central"]),
        (("tp", "pilot", "Cov"), ["Coventry"]),
    ],
)
def test_bash_completes_values_in_any_case(words: tuple[str, ...], offered: list[str]) -> None:
    assert bash_complete(*words) == offered


@pytest.mark.parametrize(
    "args",
    [
        ("pilots", "--region", "West-midlands"),
        ("pilots", "--region", "NORTH-EAST"),
        ("pilots", "--place", "Margate-central"),
        ("show", "What-Sort-of-savings-can-be-made"),
        ("glossary", "rieps"),
        ("pilot", "Coventry"),
    ],
)
def test_values_completed_in_the_typed_case_are_accepted(tp: Tp, args: tuple[str, ...]) -> None:
    result = tp(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout


@needs_script
@pytestmark_bash
def test_place_completion_offers_places_not_national_bodies() -> None:
    places = bash_complete("tp", "pilots", "--place", "")
    assert {"thanet", "margate", "poole", "west-mercia", "rutland"} <= set(places)
    national = {"ministry-of-justice", "crown-prosecution-service", "learning-and-skills-council"}
    assert not national & set(places)
    assert not [place for place in places if "council" in place or "police" in place]


@needs_script
@pytest.mark.parametrize(
    "words",
    [
        ("tp", "pilots", "--region", ""),
        ("tp", "pilots", "--theme", ""),
        ("tp", "pilots", "--place", ""),
        ("tp", "pilot", ""),
        ("tp", "show", ""),
        ("tp", "show", "wh"),
        ("tp", "glossary", ""),
    ],
)
def test_every_completion_has_a_description(words: tuple[str, ...]) -> None:
    offered = described(*words)
    assert offered
    assert all(description.strip() for _, description in offered), offered


@needs_script
def test_descriptions_say_what_a_value_means() -> None:
    assert ("12", "What sort of savings can be made?") in described("tp", "show", "1")
    assert described("tp", "glossary", "r") == [
        ("rieps", "Regional Improvement and Efficiency Partnerships")
    ]
    assert ("thanet", "Kent: Thanet District Council") in described("tp", "pilots", "--place", "")
    assert ("margate", "Kent: theme Margate Task Force") in described(
        "tp", "pilots", "--place", "m"
    )


@needs_script
def test_descriptions_from_your_data_are_shown_literally_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(
        "version: 1\nentries:\n  - id: 1\n    slug: odd\n"
        '    question: "What [bold]is[/bold] [/x] this? \\e[31m red"\n    answer: An answer.\n',
        encoding="utf-8",
    )
    assert described("tp", "--data-dir", str(tmp_path), "show", "") == [
        ("1", "What [bold]is[/bold] [/x] this? [31m red")
    ]
