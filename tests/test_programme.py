"""programme.yaml and `tp timeline` / `tp facts`: what happened after the FAQ, each item sourced."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import load_faq, load_programme, shared_file
from jsonschema import Draft202012Validator
from test_console_script import run
from typer.testing import Result

import totalplace_cli
from totalplace_cli.checking import check_file, schema_path
from totalplace_cli.loading import bundled_data_dir, resolve_data_files
from totalplace_cli.models import BEYOND_THE_FAQ, ProgrammeItem, timeline
from totalplace_cli.streams import DataError, ExitCode

Tp = Callable[..., Result]
SCHEMA = schema_path("programme")
PROGRAMME = load_programme(bundled_data_dir() / "programme.yaml")
RESEARCH = shared_file("research/pilots.md")
SCHEMAS = Path(totalplace_cli.__file__).parent / "schemas"
GOLDEN = Path(__file__).parent / "golden"
TP = shutil.which("tp", path=str(Path(sys.executable).parent)) or shutil.which("tp")


def assert_golden(name: str, output: str) -> None:
    """Compare with tests/golden/NAME; TP_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("TP_UPDATE_GOLDEN"):
        path.write_text(output, encoding="utf-8")
    assert output == path.read_text(encoding="utf-8")


def conforms(schema_name: str, output: str) -> Any:
    value = json.loads(output)
    schema = json.loads((SCHEMAS / schema_name).read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(value)
    return value


def flat(text: str) -> str:
    return " ".join(text.split())


# The bundled data


def test_every_item_is_sourced_from_the_research_notes_with_its_words() -> None:
    notes = RESEARCH.read_text(encoding="utf-8")
    urls = {url.rstrip(".,;") for url in re.findall(r"https?://[^\s)`]+", notes)}
    registry = PROGRAMME.registry()
    for item in (*PROGRAMME.events, *PROGRAMME.facts):
        assert item.source and {registry[source].url for source in item.source} <= urls, item.id
        if item.quote:
            assert flat(item.quote) in flat(notes), item.id


def test_the_timeline_runs_in_date_order_from_budget_2009_to_october_2010() -> None:
    events = timeline(PROGRAMME.events)
    dates = [event.date for event in events]
    assert len(events) >= 8 and all(dates)
    assert dates == sorted(dates, key=str)
    by_id = {event.id: event.date for event in events}
    assert by_id["launched-at-budget-2009"] == "2009-04-22"
    assert by_id["pilots-announced"] == "2009-04-22"  # in the Budget (Kent's own slides)
    assert by_id["clg-plans-for-the-pilots"] == "2009-07-30"  # CLG's plans, not the announcement
    assert by_id["interim-reports"] == "2009-09"
    assert by_id["final-reports-due"] == "2010-02-19"
    assert by_id["final-report-published"] == "2010-03-25"
    assert by_id["local-area-agreements-ended"] == "2010-10"


def test_a_partial_date_sorts_before_the_full_dates_within_it() -> None:
    def event(date: str) -> ProgrammeItem:
        return ProgrammeItem("event", date, "text", "https://example.org", date=date)

    events = [event(d) for d in ["2010-03-25", "2009-10", "2009", "2010"]]
    assert [e.date for e in timeline(events)] == ["2009", "2009-10", "2010", "2010-03-25"]


def test_the_march_2010_report_figures_are_there() -> None:
    facts = " | ".join(fact.text for fact in PROGRAMME.facts)
    for figure in (
        "£82 billion",
        "63 local authorities",
        "34 primary care trusts",
        "13 police authorities",
        "70 other local areas",
        "11 million",
        "2%",
        "£1.2 billion",
        "£20 billion",
    ):
        assert figure in facts, figure
    savings = next(fact for fact in PROGRAMME.facts if fact.id == "savings-estimate")
    assert savings.period == "2013-14"


def test_nothing_beyond_the_faq_is_in_the_faq_file() -> None:
    answers = " ".join(entry.answer for entry in load_faq(bundled_data_dir() / "faq.yaml"))
    for item in (*PROGRAMME.events, *PROGRAMME.facts):
        assert item.text not in answers


# The commands


def test_timeline_json(tp: Tp) -> None:
    result = tp("timeline", "--json")
    assert result.exit_code == 0
    events = conforms("timeline.json", result.stdout)
    assert len(events) >= 8
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    published = next(e for e in events if e["date"] == "2010-03-25" and "published" in e["event"])
    assert "Total Place: a whole area approach to public services" in published["event"]
    assert published["source"] == "http://www.hm-treasury.gov.uk/psr_total_place.htm"


def test_facts_json(tp: Tp) -> None:
    result = tp("facts", "--json")
    assert result.exit_code == 0
    facts = conforms("facts.json", result.stdout)
    mapped = next(fact for fact in facts if "£82 billion" in fact["fact"])
    assert mapped["figure"] == "more than £82 billion"
    assert mapped["quote"].startswith("The pilots have mapped more than £82 billion")
    assert all(fact["source"].startswith("http") for fact in facts)


def test_the_output_schemas_are_not_vacuous(tp: Tp) -> None:
    events = json.loads(tp("timeline", "--json").stdout)
    del events[0]["source"]
    with pytest.raises(Exception, match="'source' is a required property"):
        conforms("timeline.json", json.dumps(events))
    facts = json.loads(tp("facts", "--json").stdout)
    facts[0]["date"] = "March"
    with pytest.raises(Exception, match="does not match"):
        conforms("facts.json", json.dumps(facts))


@pytest.mark.parametrize(
    ("command", "golden"), [("timeline", "timeline.txt"), ("facts", "facts.txt")]
)
def test_text_is_labelled_beyond_the_faq_and_shows_sources(
    tp: Tp, command: str, golden: str
) -> None:
    result = tp(command)
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert result.output.startswith(BEYOND_THE_FAQ)
    assert "[HM Treasury, 2010] <http://www.hm-treasury.gov.uk/psr_total_place.htm>" in (
        result.output
    )
    assert_golden(golden, result.output)


def test_a_users_programme_file_wins(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "programme.yaml").write_text(
        "version: 1\nevents:\n  - id: mine\n    date: 2011-04\n    event: Something later\n"
        "    source: lc-cumbria\n",
        encoding="utf-8",
    )
    assert resolve_data_files(tmp_path).paths["programme"] == tmp_path / "programme.yaml"
    events = json.loads(tp("--data-dir", str(tmp_path), "timeline", "--json").stdout)
    assert [event["id"] for event in events] == ["mine"]
    assert tp("--data-dir", str(tmp_path), "facts", "--json").stdout == "[]\n"
    (tmp_path / "programme.yaml").unlink()
    assert resolve_data_files(tmp_path).paths["programme"] == bundled_data_dir() / "programme.yaml"


def test_a_broken_programme_file_is_one_line_with_exit_3(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "programme.yaml").write_text("events:\n  - {id: x, date: 2009}\n", "utf-8")
    result = tp("--data-dir", str(tmp_path), "timeline")
    assert result.exit_code == ExitCode.DATA
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"tp: {tmp_path / 'programme.yaml'}:2:")
    assert "(and 2 more; see 'tp validate" in result.stderr


# Problems in a user's file, each with file:line:column


EVENT = "events:\n  - id: a\n    date: '2009'\n    event: E\n    source: example-page\n"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("", "", "file is empty"),
        ("events: [\n", ":2:1", "invalid YAML"),
        ("- a list\n", ":1:1", "a list under 'events' and/or 'facts', found a list"),
        ("version: 1\n", ":1:1", "a list under 'events' and/or 'facts'"),
        (
            EVENT.replace("    source: example-page\n", ""),
            ":2:5",
            "event 1 (id a): 'source' is missing (a source id, or a list of source ids)",
        ),
        (
            EVENT.replace("'2009'", "2009"),
            ":3:11",
            "'date' must be a date as text: 2009, 2009-10 or 2009-07-30, found the number 2009; "
            "put it in quotes",
        ),
        (EVENT.replace("'2009'", "2009-13"), ":3:11", "'date' must be a date as text"),
        (
            EVENT.replace("    event", "    evnt"),
            ":2:5",
            "'event' is missing",
        ),
        (
            EVENT.replace("example-page", "'<https://x>'"),
            ":5:13",
            "event 1 (id a): 'source' must be a source id, or a list of source ids",
        ),
        (EVENT + EVENT.replace("events:\n", ""), ":6:9", "duplicate id 'a' (first at line 2)"),
        (EVENT + "    id: b\n", ":6:5", "duplicate key 'id' (first at line 2)"),
        ("facts:\n  - {id: f, fact: F}\n", ":2:5", "fact 1 (id f): 'source' is missing"),
        (
            "events:\n  - !!python/object/apply:os.system ['echo hacked']\n",
            ":2:5",
            "tag !!python/object/apply:os.system is not allowed",
        ),
    ],
)
def test_problems_name_file_line_and_column(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    problems = [str(problem) for problem in check_file(path, "programme").errors]
    assert problems[0].startswith(f"{path}{where}:"), problems
    assert message in problems[0]
    with pytest.raises(DataError) as caught:
        load_programme(path)
    assert caught.value.exit_code == ExitCode.DATA


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "programme.yaml"
    path.write_text("events:\n  - {id: A, date: x}\nfacts:\n  - {fact: ''}\nextra: 1\n", "utf-8")
    problems = [str(problem) for problem in check_file(path, "programme").errors]
    assert len(problems) >= 6
    assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", problem) for problem in problems)


def test_the_data_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
def test_the_installed_script_prints_the_timeline_and_reports_a_bad_file(tmp_path: Path) -> None:
    timeline = run("timeline", "--json", cwd=tmp_path)
    assert timeline.returncode == 0, timeline.stderr
    assert "2010-03-25" in [event["date"] for event in json.loads(timeline.stdout)]
    (tmp_path / "programme.yaml").write_text("facts: 5\n", encoding="utf-8")
    broken = run("--data-dir", str(tmp_path), "facts", cwd=tmp_path)
    assert broken.returncode == ExitCode.DATA
    assert broken.stdout == ""
    assert broken.stderr.startswith("tp: ") and broken.stderr.count("\n") == 1
    assert "Traceback" not in broken.stderr


def test_an_id_names_one_item_across_events_and_facts(tmp_path: Path) -> None:
    path = tmp_path / "programme.yaml"
    path.write_text(EVENT + "facts:\n  - {id: a, fact: F, source: f-page}\n", "utf-8")
    problems = [str(problem) for problem in check_file(path, "programme").errors]
    assert problems == [f"{path}:7:10: fact 1 (id a): id 'a' is also an id in 'events'"]


def test_an_unknown_key_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "programme.yaml"
    path.write_text(EVENT.replace("    quote", "") + "    qoute: Q\n", "utf-8")
    warnings = [str(problem) for problem in check_file(path, "programme").warnings]
    assert warnings == [
        f"{path}:6:5: event 1 (id a): unknown key 'qoute' is ignored; did you mean 'quote'?"
    ]
