"""Rendering through an OutputContext that simulates a terminal or a pipe."""

from __future__ import annotations

import io

from totalplace_cli.data import bundled_data_dir, load_faq
from totalplace_cli.output import OutputContext
from totalplace_cli.render import render_ask
from totalplace_cli.search import rank_answers

FAQ = load_faq(bundled_data_dir() / "faq.yaml")


def context(is_terminal: bool, color: bool) -> tuple[OutputContext, io.StringIO]:
    stream = io.StringIO()
    return OutputContext(stream, io.StringIO(), is_terminal, color, width=200), stream


def test_terminal_highlights_matched_words_in_the_other_matches() -> None:
    out, stream = context(is_terminal=True, color=True)
    results = rank_answers(FAQ, "efficiency savings", limit=3)
    render_ask(out, results)
    text = stream.getvalue()
    assert "Other matches" in text
    assert "\x1b[1;33m" in text or "\x1b[33;1m" in text  # bold yellow on a matched word
    other = results[1]
    start, end = other.highlights[0]
    assert other.snippet[start:end].lower().startswith(("efficien", "saving"))


def test_terminal_without_colour_shows_the_snippet_plainly() -> None:
    out, stream = context(is_terminal=True, color=False)
    results = rank_answers(FAQ, "efficiency savings", limit=2)
    render_ask(out, results)
    assert "\x1b[" not in stream.getvalue()
    assert results[1].snippet in stream.getvalue()
