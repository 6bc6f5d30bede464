"""The data format: every problem found against the shipped schemas, located, and the same rules
for loading and `tp validate`."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, load_faq

from totalplace_cli.checking import MAIN_LISTS, check_file, load_schema, schema_path
from totalplace_cli.loading import KINDS, file_name
from totalplace_cli.models import Category, FaqEntry, GlossaryTerm, Pilot, Source
from totalplace_cli.streams import DataError

GOOD_ENTRY = "  - {id: 1, slug: a, question: Q?, answer: A.}\n"


def problems(
    tmp_path: Path, text: str, name: str = "faq.yaml"
) -> list[tuple[int | None, str, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [(p.line, p.severity, p.message) for p in check_file(path).problems]


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    text = (
        "version: 1\n"
        "entries:\n"
        "  - id: 1\n"  # line 3
        "    slug: first\n"
        "    question: 2010\n"  # line 5: a number, not text
        "    anwser: typo\n"  # line 6: unknown key, and 'answer' missing
        "  - id: 1\n"  # line 7: duplicate id
        "    slug: second\n"
        "    question: ''\n"  # line 9: empty
        "    answer: A.\n"
        "    keywords: [fine, 3]\n"  # line 11: a number in a list of text
    )
    found = problems(tmp_path, text)
    assert found == [
        (3, "error", "entry 1 (id 1): 'answer' is missing (non-empty text)"),
        (
            5,
            "error",
            "entry 1 (id 1): 'question' must be non-empty text, found the number 2010; "
            "put it in quotes",
        ),
        (6, "warning", "entry 1 (id 1): unknown key 'anwser' is ignored; did you mean 'answer'?"),
        (7, "error", "entry 2 (id 1): duplicate id 1 (first at line 3)"),
        (9, "error", "entry 2 (id 1): 'question' must not be empty"),
        (
            11,
            "error",
            "entry 2 (id 1): 'keywords[2]' must be non-empty text, found the number 3; "
            "put it in quotes",
        ),
    ]


def test_columns_point_at_the_value(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("entries:\n  - {id: 0, slug: a, question: Q?, answer: A.}\n", "utf-8")
    (problem,) = check_file(path).problems
    assert (problem.line, problem.column) == (2, 10)
    assert problem.location() == f"{path}:2:10"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a list\n", "expected a mapping with a list under 'entries', found a list"),
        ("version: 1\n", "'entries' is missing"),
        ("entries: {a: 1}\n", "'entries' must be a list, found a mapping"),
        ("entries:\n  - just text\n", "entry 1: must be a mapping, found text"),
        ("entries:\n" + GOOD_ENTRY + "  - {id: 2, slug: a, question: Q, answer: A}\n", "slug 'a'"),
        ("entries:\n  - {id: 1, id: 2, slug: a, question: Q, answer: A}\n", "duplicate key 'id'"),
        ("entries:\n  - {id: true, slug: a, question: Q, answer: A}\n", "true/false value"),
        ("entries:\n  - {id: 1.0, slug: a, question: Q, answer: A}\n", "found the number 1.0"),
        ("entries:\n  - {id: '1', slug: a, question: Q, answer: A}\n", "'id' must be a whole"),
        ("entries:\n  - {id: 1, slug: a, question: Q, answer: 2010-01-01}\n", "the date"),
        ("entries:\n  - {id: 1, slug: a, question: Q, answer: }\n", "found no value"),
        ("version: 0\nentries:\n" + GOOD_ENTRY, "'version' must be a whole number"),
        ("entries:\n  - {id: 1, slug: a, question: Q, answer: A, 3: x}\n", "keys must be"),
    ],
)
def test_errors_in_the_faq_file(tmp_path: Path, text: str, expected: str) -> None:
    errors = [m for _, severity, m in problems(tmp_path, text) if severity == "error"]
    assert any(expected in message for message in errors), errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entries: []\n", "'entries' is empty"),
        ("version: 9\nentries:\n" + GOOD_ENTRY, "format version 9 is newer"),
        ("entries:\n" + GOOD_ENTRY + "notes: x\n", "unknown key 'notes'"),
        ("entries:\n  - {id: 1, slug: Not A Slug, question: Q, answer: A}\n", "'slug' should"),
    ],
)
def test_warnings_do_not_stop_loading(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert [severity for _, severity, _ in found] == ["warning"]
    assert expected in found[0][2]
    load_faq(tmp_path / "faq.yaml")  # no DataError


def test_a_true_version_is_refused(tmp_path: Path) -> None:
    """`true` equals 1 in Python: the programme's `version: 1` must still refuse it."""
    found = problems(tmp_path, "version: true\nevents: []\n", "programme.yaml")
    assert (1, "error", "'version' must be 1") in found


def test_a_large_clean_file_has_no_problems_and_a_late_error_is_found(tmp_path: Path) -> None:
    """A clean file is told clean at once; one bad record among thousands is still located."""
    entries = "".join(
        f"  - {{id: {n}, slug: q-{n}, question: Q{n}?, answer: A.}}\n" for n in range(1, 3001)
    )
    assert problems(tmp_path, "entries:\n" + entries) == []
    bad = entries.replace("question: Q2999?", "question: 2999")
    assert problems(tmp_path, "entries:\n" + bad) == [
        (
            2999 + 1,
            "error",
            "entry 2999 (id 2999): 'question' must be non-empty text, found the number 2999; "
            "put it in quotes",
        )
    ]


def test_optional_field_may_be_absent_or_null(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("entries:\n  - {id: 1, slug: a, question: Q?, answer: A., keywords: }\n")
    assert load_faq(path) == (FaqEntry(1, "a", "Q?", "A.", ()),)


def test_loading_stops_at_the_first_error_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("entries:\n  - {id: 0, slug: a, question: '', answer: A.}\n", "utf-8")
    with pytest.raises(DataError) as caught:
        load_faq(path)
    assert str(caught.value) == (
        f"{path}:2:10: entry 1 (id 0): 'id' must be a whole number of 1 or more, found the "
        f"number 0 (and 1 more; see 'tp validate {path}')"
    )


def test_pilots_file_problems(tmp_path: Path) -> None:
    text = "pilots:\n  - {id: a, name: A, region: R}\n  - {id: a, name: '', region: R}\n"
    found = problems(tmp_path, text, "pilots.yaml")
    assert [m for _, _, m in found] == [
        "pilot 2 (id a): duplicate id 'a' (first at line 2)",
        "pilot 2 (id a): 'name' must not be empty",
    ]


def test_a_file_is_recognised_by_its_content_when_its_name_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("pilots:\n  - {id: a, name: A, region: R}\n", "utf-8")
    checked = check_file(path)
    assert checked.kind == "pilots" and checked.valid and checked.entries == 1
    path.write_text("things: []\n", "utf-8")
    (problem,) = check_file(path).problems
    assert "cannot tell what this file holds" in problem.message


def test_bundled_files_are_clean() -> None:
    for kind in KINDS:
        checked = check_file(REPO / "data" / file_name(kind))
        assert checked.problems == [], checked.problems


# The schemas, the record classes and docs/data-format.md describe the same format.

RECORDS = [
    ("faq", "entries", FaqEntry, {"also_asked"}),
    ("pilots", "pilots", Pilot, {"authorities_source"}),
    ("pilots", "categories", Category, set()),
    ("glossary", "terms", GlossaryTerm, set()),
    ("sources", "sources", Source, set()),
]
DOC_ROW = re.compile(r"^\| `(\w+)` \| (.+?) \| (yes|no) \| (yes|no) \| (.+) \|$")


def record_schema(kind: str, list_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record's schema, and each of its keys' schemas with a local `$ref` followed."""
    schema = load_schema(kind)
    record = schema["$defs"][schema["properties"][list_key]["items"]["$ref"].rsplit("/", 1)[-1]]
    keys = {}
    for key, value in record["properties"].items():
        target = value.get("$ref", "").removeprefix("#/$defs/")
        keys[key] = {**schema["$defs"][target], **value} if target else value
    return record, keys


def documented_rows() -> list[tuple[str, str, str, str, str]]:
    docs = (REPO / "docs" / "data-format.md").read_text(encoding="utf-8")
    rows = []
    for line in docs.splitlines():
        found = DOC_ROW.match(line.replace("\\|", "\x00"))
        if found:
            key, title, required, unique, meaning = found.groups()
            rows.append((key, title, required, unique, meaning.replace("\x00", "|")))
    return rows


def test_docs_tables_say_what_the_schemas_say() -> None:
    """Each documented key has the schema's title, required, x-unique and description."""
    expected = []
    for kind, list_key, _, _ in RECORDS:
        record, keys = record_schema(kind, list_key)
        for key, spec in keys.items():
            required = "yes" if key in record["required"] else "no"
            unique = "yes" if spec.get("x-unique") else "no"
            expected.append((key, spec["title"], required, unique, spec["description"]))
    assert documented_rows() == expected


def test_every_schema_key_is_an_attribute_of_its_record_class() -> None:
    for kind, list_key, model, derived in RECORDS:
        _, keys = record_schema(kind, list_key)
        attributes = getattr(model, "_fields", None) or [f.name for f in dataclasses.fields(model)]
        assert set(keys) | derived == set(attributes), model


def test_docs_show_the_editor_recipe() -> None:
    docs = (REPO / "docs" / "data-format.md").read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=faq.schema.json" in docs
    assert "tp schema faq > mydata/faq.schema.json" in docs


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_its_schema_in_the_package(kind: str) -> None:
    assert schema_path(kind).is_file()
    assert MAIN_LISTS[kind] in load_schema(kind)["properties"]
