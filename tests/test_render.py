"""Text for people: golden renderings at 100 and 40 columns, and what a real terminal shows.

The golden files (tests/golden/*-100.txt, *-40.txt) are what a terminal of that width shows with
NO_COLOR set, taken from the console script on a pseudo-terminal. After a deliberate change,
rewrite them with TP_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from conftest import load_faq, rank_answers
from test_console_script import TP
from test_streams import run_in_terminal

from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.render import render_ask
from totalplace_cli.streams import OutputContext, csv_cell

FAQ = load_faq(bundled_data_dir() / "faq.yaml")
GOLDEN = Path(__file__).parent / "golden"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
URL_LINE = re.compile(r" *<?https?://[^\s<>]+>?")
needs_script = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")

RENDERINGS = {
    "questions": ("questions",),
    "show-2": ("show", "2"),
    "show-12": ("show", "12"),
    "ask-savings": ("ask", "savings"),
    "pilot-kent": ("pilot", "kent"),
}


def too_wide(shown: str, columns: int) -> list[str]:
    """The lines over `columns` wide, but for a URL alone on its line: never cut, it runs past."""
    lines = ANSI.sub("", shown).splitlines()
    return [line for line in lines if len(line) > columns and not URL_LINE.fullmatch(line)]


def terminal_text(*args: str, columns: int, **env: str) -> str:
    """What a terminal `columns` wide shows for `tp ARGS`, newlines as in a file."""
    return run_in_terminal(*args, columns=columns, **env).decode("utf-8").replace("\r\n", "\n")


@needs_script
@pytest.mark.parametrize("width", [100, 40])
@pytest.mark.parametrize("name", RENDERINGS)
def test_terminal_rendering_matches_the_golden_file(name: str, width: int) -> None:
    shown = terminal_text(*RENDERINGS[name], columns=width, NO_COLOR="1")
    path = GOLDEN / f"{name}-{width}.txt"
    if os.environ.get("TP_UPDATE_GOLDEN"):
        path.write_text(shown, encoding="utf-8")
    assert shown == path.read_text(encoding="utf-8")


@needs_script
@pytest.mark.parametrize(
    "args",
    [
        ("questions",),
        ("show", "2"),
        ("show", "12"),
        ("ask", "savings"),
        ("pilot", "kent"),
        ("pilot", "south tyneside"),
        ("pilots",),
        ("regions",),
        ("themes",),
        ("glossary",),
    ],
)
def test_a_real_40_column_terminal_gets_lines_of_at_most_40(args: tuple[str, ...]) -> None:
    shown = ANSI.sub("", terminal_text(*args, columns=40))
    assert shown.strip()
    assert too_wide(shown, 40) == []
    assert not [line for line in shown.splitlines() if line != line.rstrip()]  # no padding


@needs_script
def test_narrow_listings_keep_names_whole() -> None:
    """At 40 columns no pilot, region or category is cut or shortened to fit a column."""
    themes = ANSI.sub("", terminal_text("themes", columns=40))
    for name in ("children-and-young-people", "Worcestershire", "Leicester & Leicestershire"):
        assert name in themes
    regions = ANSI.sub("", terminal_text("regions", columns=40))
    for name in ("Yorkshire & Humber", "East Midlands", "Luton & Central Bedfordshire"):
        assert name in regions
    pilots = ANSI.sub("", terminal_text("pilots", columns=40))
    assert "drugs-and-alcohol" in pilots and "Dorset, Poole & Bournemouth" in pilots


@needs_script
def test_pilot_wraps_under_its_indent_not_at_column_0() -> None:
    shown = ANSI.sub("", terminal_text("pilot", "kent", columns=40, NO_COLOR="1"))
    headings = {"Kent", "Themes", "Member authorities and bodies", "Sources", "Figures"}
    for line in shown.splitlines():
        if line and not line.startswith("  "):
            assert line in headings or line.startswith("In the FAQ:"), line


@needs_script
def test_terminal_shows_colour_and_highlights_matched_words() -> None:
    shown = terminal_text("ask", "efficiency savings", columns=100)
    assert "Other matches" in shown
    assert re.search(r"\x1b\[[0-9;]*1;33m|\x1b\[[0-9;]*33;1m|\x1b\[1;[0-9;]*33m", shown)


@needs_script
@pytest.mark.parametrize("setting", [{"TERM": "dumb"}, {"NO_COLOR": "1"}])
def test_dumb_terminals_and_no_color_get_no_escape_codes(setting: dict[str, str]) -> None:
    for args in (("show", "12"), ("ask", "savings"), ("pilots",), ("questions",)):
        assert "\x1b" not in terminal_text(*args, columns=80, **setting)


@needs_script
@pytest.mark.parametrize("columns", ["0", "-5", "5000", "abc"])
def test_columns_out_of_range_is_ignored_and_text_never_disappears(columns: str) -> None:
    for args, expected in (
        (("pilots",), "Kent"),
        (("regions",), "Bradford"),
        (("pilot", "poole"), "Older"),
    ):
        shown = ANSI.sub("", terminal_text(*args, columns=80, COLUMNS=columns))
        assert expected in shown
        assert too_wide(shown, 80) == []


def test_a_pipe_gets_the_best_answer_verbatim_and_plain_snippets() -> None:
    stream = io.StringIO()
    out = OutputContext(stdout=stream, is_terminal=False, color=False, width=20)
    results = rank_answers(FAQ, "efficiency savings", limit=2)
    render_ask(out, results)
    text = stream.getvalue()
    assert "\x1b" not in text
    assert results[0].entry.answer in text  # not wrapped to the 20 columns
    assert results[1].snippet in text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://e.example")', '\'=HYPERLINK("http://e.example")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Kent", "Kent"),
        ("a\x1b[2Jb", "ab"),
    ],
)
def test_csv_cells_never_start_a_formula(cell: str, expected: str) -> None:
    assert csv_cell(cell) == expected
