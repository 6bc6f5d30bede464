"""The glossary: its facts against the FAQ and the research notes, look-ups, and `tp show`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import load_faq, load_glossary, shared_file
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import Result

from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.lookup import (
    find_term,
    mark_terms,
    term_completions,
    terms_in,
)
from totalplace_cli.streams import DataError, ExitCode, UsageError

Tp = Callable[..., Result]
FAQ = load_faq(bundled_data_dir() / "faq.yaml")
GLOSSARY = load_glossary(bundled_data_dir() / "glossary.yaml")
RESEARCH = shared_file("research/pilots.md")
ANSWERS = "\n\n".join(entry.answer for entry in FAQ)

# Short words an expansion may contain without contributing a letter ("Department for ...").
_LINKING_WORDS = frozenset({"and", "for", "of", "the", "in", "on"})
_PARENTHESISED_ACRONYM = re.compile(r"\(([A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*|[A-Z]{2,})\)")


def extract_defined_acronyms(text: str) -> list[tuple[str, str]]:
    """Each "Expansion Words (ACRONYM)" in `text`, as (acronym, expansion): the capitalised words
    before the parenthesis whose initials spell its capitals (the FAQ's own definitions)."""
    found: list[tuple[str, str]] = []
    for match in _PARENTHESISED_ACRONYM.finditer(text):
        acronym = match.group(1)
        letters = [c for c in acronym if c.isupper()]
        words = text[: match.start()].split()
        taken: list[str] = []
        while letters and words:
            word = words.pop()
            if word[0].isupper() and word[0] == letters[-1]:
                letters.pop()
            elif word not in _LINKING_WORDS:
                break
            taken.insert(0, word)
        if not letters:
            found.append((acronym, " ".join(taken)))
    return found


def test_terms_the_faq_spells_out_are_in_its_own_words() -> None:
    from_faq = [term for term in GLOSSARY if term.source == "faq"]
    assert {t.term for t in from_faq} == {"RIEPs", "GO", "IDeA", "OEP", "LSP", "PBR09"}
    for term in from_faq:
        assert term.quote is not None and term.quote in ANSWERS, term.term
        # PBR09's year is the FAQ's by context ("this year", before "Budget 2010"): its
        # provenance says how; the rest of its expansion is in the quoted words.
        expansion = term.expansion.removesuffix(" 2009") if term.term == "PBR09" else term.expansion
        assert expansion in term.quote, term.term
        assert term.term != "PBR09" or "Budget 2010" in str(term.provenance)
        assert re.search(rf"(?<!\w){re.escape(term.term)}(?!\w)", ANSWERS), term.term


def test_every_acronym_the_faq_defines_is_extracted_into_the_glossary() -> None:
    extracted = extract_defined_acronyms(ANSWERS)
    assert extracted == [
        ("RIEPs", "Regional Improvement and Efficiency Partnerships"),
        ("GO", "Government Office"),
        ("IDeA", "Improvement and Development Agency"),
        ("OEP", "Operational Efficiency Programme"),
        ("LSP", "Local Strategic Partnership"),
    ]
    bundled = {(t.term, t.expansion) for t in GLOSSARY if t.source == "faq"}
    assert set(extracted) <= bundled
    for acronym, expansion in extracted:
        assert f"{expansion} ({acronym})" in ANSWERS


def test_extraction_needs_the_initials_to_match() -> None:
    text = "the Department for Work and Pensions (DWP) and some words (XYZ) and (I) and (A B)"
    assert extract_defined_acronyms(text) == [("DWP", "Department for Work and Pensions")]


def test_other_terms_come_from_the_research_notes_with_their_provenance() -> None:
    notes = RESEARCH.read_text(encoding="utf-8").split("## Acronyms in the FAQ", 1)[1]
    notes = " ".join(notes.split())
    assert "Not expanded there (general knowledge, widely documented):" in notes
    readable = notes.replace("(Department for) ", "Department for ")
    for term in GLOSSARY:
        if term.source == "research":
            assert term.provenance == "general knowledge, widely documented", term.term
            assert re.search(rf"(?<!\w){term.term}(?!\w)", notes), term.term
            assert term.expansion in readable or term.expansion in notes, term.term


@pytest.mark.parametrize("typed", ["RIEPs", "riep", "RIEP", "rieps", " Rieps "])
def test_look_up_ignores_case_and_plural(typed: str) -> None:
    assert find_term(GLOSSARY, typed).term == "RIEPs"


def test_look_up_by_alias_and_misspelling() -> None:
    assert find_term(GLOSSARY, "pbr").term == "PBR09"
    assert find_term(GLOSSARY, "NEETs").term == "NEET"
    assert find_term(GLOSSARY, "idea").term == "IDeA"
    with pytest.raises(UsageError, match=r"unknown acronym 'HTM'; closest: HMT \(HM Treasury\)"):
        find_term(GLOSSARY, "HTM")
    with pytest.raises(UsageError, match=r"closest: HMT \(HM Treasury\)"):
        find_term(GLOSSARY, "treasury")


def test_terms_in_an_answer_are_whole_words_in_their_own_case() -> None:
    savings = next(e for e in FAQ if e.slug == "what-sort-of-savings-can-be-made")
    assert "go further" in savings.answer
    assert [t.term for t in terms_in(GLOSSARY, savings.answer)] == ["HMT", "PBR09"]
    assert terms_in(GLOSSARY, "going GOOD ideas, a GOV.UK PCTs") == [find_term(GLOSSARY, "PCT")]


PIECES = ["RIEPs", "RIEP", "GO", "go", " ", "IDeA", "x", "(", "s", "\n", "PBR09", "é"]


@given(st.lists(st.sampled_from(PIECES)).map("".join))
def test_marking_terms_never_changes_the_text(text: str) -> None:
    assert "".join(piece for piece, _ in mark_terms(GLOSSARY, text)) == text


def test_tp_glossary_lists_every_term(tp: Tp) -> None:
    result = tp("glossary")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(GLOSSARY)
    assert lines[0] == "RIEPs  Regional Improvement and Efficiency Partnerships"
    assert "HMT    HM Treasury" in lines


def test_tp_glossary_one_term_says_where_it_comes_from(tp: Tp) -> None:
    result = tp("glossary", "riep")
    assert result.exit_code == 0
    assert result.stdout == (
        "RIEPs: Regional Improvement and Efficiency Partnerships\n"
        "Source: spelt out in the FAQ: \u201cRegional Improvement and Efficiency Partnerships "
        "(RIEPs)\u201d\n"
        "Used in: 7. Who is supporting the initiative?\n"
    )
    pct = tp("glossary", "PCTs").stdout
    assert "Source: general knowledge, widely documented (not spelt out in the FAQ)" in pct
    assert "Used in: none of the FAQ's answers" in pct


def test_tp_glossary_json(tp: Tp) -> None:
    listing = json.loads(tp("glossary", "--json").stdout)
    assert len(listing) == len(GLOSSARY)
    hmt = json.loads(tp("glossary", "hmt", "--json").stdout)
    assert hmt == {
        "term": "HMT",
        "expansion": "HM Treasury",
        "aliases": [],
        "source": "research",
        "quote": None,
        "provenance": "general knowledge, widely documented",
        "used_in": [12],
    }
    assert hmt in listing
    pbr = json.loads(tp("glossary", "PBR", "--json").stdout)
    assert (pbr["term"], pbr["source"], pbr["aliases"], pbr["used_in"]) == (
        "PBR09",
        "faq",
        ["PBR"],
        [12],
    )


def test_tp_glossary_unknown_term_exits_2_with_suggestions(tp: Tp) -> None:
    result = tp("glossary", "RIEPZ")
    assert result.exit_code == 2
    assert result.stderr.startswith("tp: unknown acronym 'RIEPZ'; closest: RIEPs (")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_tp_show_explains_the_acronyms_under_the_answer(tp: Tp) -> None:
    result = tp("show", "7")
    assert result.exit_code == 0
    answer = next(e for e in FAQ if e.id == 7).answer
    assert result.stdout.startswith(f"7. Who is supporting the initiative?\n\n{answer}\n")
    assert result.stdout.endswith(
        "\nAcronyms (tp glossary TERM):\n"
        "  RIEPs  Regional Improvement and Efficiency Partnerships\n"
        "  GO     Government Office\n"
        "  IDeA   Improvement and Development Agency\n"
        "  OEP    Operational Efficiency Programme\n"
    )
    assert "Acronyms" not in tp("show", "1").stdout


def test_tp_show_json_adds_a_glossary_key(tp: Tp) -> None:
    data = json.loads(tp("show", "8", "--json").stdout)
    assert data["glossary"] == [{"term": "LSP", "expansion": "Local Strategic Partnership"}]
    assert data["answer"] == next(e for e in FAQ if e.id == 8).answer
    assert json.loads(tp("show", "1", "--json").stdout)["glossary"] == []


def test_tp_ask_finds_the_answer_that_uses_an_acronym(tp: Tp) -> None:
    result = tp("ask", "RIEP", "--json", "--kind", "faq")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["question"] == "Who is supporting the initiative?"


def test_tp_ask_finds_the_acronym_itself_first(tp: Tp) -> None:
    best = json.loads(tp("ask", "RIEP", "--json").stdout)[0]
    assert (best["kind"], best["term"]) == ("term", "RIEPs")
    assert best["expansion"] == "Regional Improvement and Efficiency Partnerships"


def test_a_glossary_in_the_data_dir_replaces_the_bundled_one(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text(
        "version: 1\nterms:\n  - {term: FAQ, expansion: frequently asked questions, "
        "source: research, provenance: a test}\n",
        encoding="utf-8",
    )
    assert tp("--data-dir", str(tmp_path), "glossary").stdout == "FAQ  frequently asked questions\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("terms: 3\n", "'terms' must be a list, found the number 3"),
        (
            "terms:\n  - {term: X, source: faq, quote: q}\n",
            "term 1 (term X): 'expansion' is missing",
        ),
        (
            "terms:\n  - {term: X, expansion: Y, source: web}\n",
            "(term X): 'source' must be faq or research",
        ),
        ("terms:\n  - {term: X, expansion: Y, source: faq}\n", "a 'faq' term needs a 'quote'"),
        (
            "terms:\n  - {term: AB, expansion: Y, source: research, provenance: p}\n"
            "  - {term: ABs, expansion: Z, source: research, provenance: p}\n",
            "term 2 (term ABs): 'ABs' is already the term AB",
        ),
        (
            "terms:\n  - {term: X, expansion: Y, source: research, provenance: p, aliases: 5}\n",
            "'aliases' must be a list of non-empty text, found the number 5",
        ),
    ],
)
def test_bad_glossary_files_name_file_and_term(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_glossary(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.exit_code == ExitCode.DATA


def test_bad_glossary_is_exit_3_for_the_commands_that_read_it(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text("terms: [\n", encoding="utf-8")
    for command in (["glossary"], ["show", "7"], ["export", "html"]):
        result = tp("--data-dir", str(tmp_path), *command)
        assert result.exit_code == 3, command
        assert "glossary.yaml" in result.stderr and result.stderr.count("\n") == 1


def test_terminal_rendering_shows_acronyms_under_the_answer_and_a_table() -> None:
    from io import StringIO

    from totalplace_cli.render import render_entry, render_glossary
    from totalplace_cli.streams import OutputContext

    stream = StringIO()
    terminal = OutputContext(stdout=stream, is_terminal=True, color=False, width=90)
    savings = next(e for e in FAQ if e.id == 12)
    render_entry(terminal, savings, terms_in(GLOSSARY, savings.answer))
    shown = stream.getvalue()
    assert shown.rstrip().endswith(
        "Acronyms (tp glossary TERM)\n  HMT    HM Treasury\n  PBR09  Pre-Budget Report 2009"
    )
    render_glossary(terminal, GLOSSARY)
    assert "\u2502 HMT     \u2502 HM Treasury " in stream.getvalue()
    assert "general knowledge, widely documented" in stream.getvalue()


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("r", ["RIEPs"]),
        ("RIE", ["RIEPs"]),
        ("pbr", ["PBR09"]),  # through its alias PBR
        ("d", ["DCLG", "DWP"]),
        ("zz", []),
    ],
)
def test_completion_offers_terms_by_any_start_with_their_expansion(
    typed: str, offered: list[str]
) -> None:
    found = term_completions(GLOSSARY, typed)
    assert [term for term, _ in found] == offered
    expansions = {term.term: term.expansion for term in GLOSSARY}
    assert all(expansion == expansions[term] for term, expansion in found)


def test_completion_with_nothing_typed_offers_every_term() -> None:
    assert [term for term, _ in term_completions(GLOSSARY, "")] == [t.term for t in GLOSSARY]
