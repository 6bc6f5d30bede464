"""`tp ask` over every kind of record: the FAQ, the pilots, the glossary, the programme."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO
from test_schemas import conforms
from typer.testing import Result

from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.search import KINDS

Tp = Callable[..., Result]
KINDS_SET = REPO / "tests" / "data" / "ask_kinds.tsv"


def best(tp: Tp, *args: str) -> dict[str, object]:
    result = tp("ask", *args, "--json")
    assert result.exit_code == 0, result.output
    first: dict[str, object] = json.loads(result.stdout)[0]
    return first


@pytest.mark.parametrize(
    ("query", "kind", "key", "value"),
    [
        ("poole", "pilot", "id", "dorset-poole-and-bournemouth"),
        ("which pilot looked at services for older people", "pilot", "name",
         "Dorset, Poole & Bournemouth"),
        ("how much public spending did the pilots map", "fact", "id", "spending-mapped"),
        ("savings", "faq", "id", 12),
        ("RIEP", "term", "term", "RIEPs"),
        # Issue #20: a place inside a pilot finds the pilot; a question's words ask for a kind.
        ("maidstone", "pilot", "id", "kent"),
        ("Solihull", "pilot", "id", "coventry"),
        ("how many PCTs took part", "fact", "id", "bodies-involved"),
        ("how much funding did each pilot get", "fact", "id", "start-up-funding"),
        ("when were the 13 pilot areas announced", "event", "id", "pilots-announced"),
        ("what does LSP stand for", "term", "term", "LSP"),
        # A date as people write it finds the event; "250k" is the data's "£250,000".
        ("what happened in january 2010", "event", "id", "denham-early-savings"),
        ("£250k for each area", "fact", "id", "start-up-funding"),
    ],
)  # fmt: skip
def test_the_issue_examples_hold(tp: Tp, query: str, kind: str, key: str, value: object) -> None:
    found = best(tp, query)
    assert (found["kind"], found[key]) == (kind, value)


def test_each_kind_keeps_its_own_fields_and_the_schema_holds(tp: Tp) -> None:
    seen = {}
    for query in ("poole", "RIEP", "82 billion", "when were the 13 pilots announced", "savings"):
        result = tp("ask", query, "--json", "--limit", "20")
        for row in conforms("ask", result.stdout):
            seen.setdefault(row["kind"], row)
    assert set(seen) == set(KINDS)
    assert set(seen["faq"]) == {
        *("kind", "id", "slug", "question", "answer", "score", "snippet", "matched")
    }
    assert {"id", "name", "region"} <= set(seen["pilot"])
    assert {"term", "expansion"} <= set(seen["term"])
    assert {"id", "date", "fact", "source"} <= set(seen["fact"])
    assert {"id", "date", "event", "source"} <= set(seen["event"])


@pytest.mark.parametrize("kinds", [["--kind", "pilot,term"], ["-k", "pilot", "-k", "TERM"]])
def test_kind_restricts_the_search(tp: Tp, kinds: list[str]) -> None:
    rows = json.loads(tp("ask", "pilots", "--json", "-n", "100", *kinds).stdout)
    assert rows and {row["kind"] for row in rows} <= {"pilot", "term"}


def test_kind_faq_answers_as_the_faq_alone(tp: Tp) -> None:
    rows = json.loads(tp("ask", "poole", "--json", "--kind", "faq").stdout)
    assert [row["id"] for row in rows][:1] == [2]
    assert {row["kind"] for row in rows} == {"faq"}


def test_an_unknown_kind_is_a_usage_error_listing_the_kinds(tp: Tp) -> None:
    result = tp("ask", "savings", "--kind", "faq,pilots")
    assert result.exit_code == 2
    assert "unknown --kind pilots; choose from: faq, pilot, term, fact, event" in result.stderr
    assert "Traceback" not in result.output


def test_the_terminal_names_the_kind_and_labels_what_is_beyond_the_faq(tp: Tp) -> None:
    text = tp("ask", "poole").stdout
    assert text.startswith("Pilot: Dorset, Poole & Bournemouth\n")
    assert "Beyond the FAQ: from later sources." in text
    assert "More: tp pilot dorset-poole-and-bournemouth" in text
    assert "2. Where are the pilots?" in text.split("Other matches:")[1]
    fact = tp("ask", "how much public spending did the pilots map").stdout
    assert fact.startswith("Fact: 2010-03-25 The pilots mapped more than £82 billion")
    assert "<http://www.hm-treasury.gov.uk/psr_total_place.htm>" in fact
    term = tp("ask", "RIEP").stdout
    assert term.startswith("Term: RIEPs (Regional Improvement and Efficiency Partnerships)\n")


def test_an_faq_answer_is_shown_word_for_word_as_tp_show_prints_it(tp: Tp) -> None:
    shown = tp("show", "12").stdout.split("\nAcronyms")[0]
    asked = tp("ask", "savings").stdout
    assert asked.startswith(shown)


def test_an_edit_of_pilots_yaml_is_seen_by_the_next_search(tp: Tp, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(bundled_data_dir() / "pilots.yaml", folder / "pilots.yaml")
    assert best(tp, "--kind", "pilot", "poole")["id"] == "dorset-poole-and-bournemouth"
    first = tp("--data-dir", str(folder), "ask", "Zanzibar", "--json")
    assert first.exit_code == 1
    path = folder / "pilots.yaml"
    path.write_text(path.read_text().replace("Poole", "Zanzibar"), encoding="utf-8")
    found = json.loads(tp("--data-dir", str(folder), "ask", "Zanzibar", "--json").stdout)
    assert found[0]["id"] == "dorset-poole-and-bournemouth"


def test_an_invalid_pilots_file_fails_every_run_with_its_error(tp: Tp, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "pilots.yaml").write_text("pilots: [1, 2]\n", encoding="utf-8")
    for _ in range(2):
        result = tp("--data-dir", str(folder), "ask", "savings")
        assert result.exit_code == 3
        assert "pilots.yaml" in result.stderr and "Traceback" not in result.output


def test_ask_help_lists_the_kinds() -> None:
    text = subprocess.run(
        [sys.executable, "-m", "totalplace_cli", "ask", "--help"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "--kind" in text and "faq, pilot, term, fact, event" in text
