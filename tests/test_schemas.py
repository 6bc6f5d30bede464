"""Each command's real JSON output against its documented schema (src/totalplace_cli/schemas/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from typer.testing import Result

import totalplace_cli

Tp = Callable[..., Result]
SCHEMAS = Path(totalplace_cli.__file__).parent / "schemas"
COMMANDS = ["questions", "show", "ask", "pilots", "info", "validate", "timeline", "facts"]
COMMANDS += ["sources", "export"]


def load_schemas() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMAS.glob("*.json"))
    }


REGISTRY: Registry = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in load_schemas().values()
)


def conforms(command: str, output: str) -> Any:
    """Parse `output` and raise unless it matches the command's schema."""
    value = json.loads(output)
    Draft202012Validator(load_schemas()[command], registry=REGISTRY).validate(value)
    return value


def test_there_is_a_valid_schema_for_every_json_command_and_the_docs_name_it() -> None:
    schemas = load_schemas()
    assert sorted(schemas) == sorted(COMMANDS)
    docs = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    text = "\n".join(path.read_text(encoding="utf-8") for path in docs)
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert f"schemas/{name}.json" in text


def test_questions_and_show(tp: Tp) -> None:
    listed = conforms("questions", tp("questions", "--json").stdout)
    for item in listed:
        conforms("show", tp("show", str(item["id"]), "--json").stdout)


@pytest.mark.parametrize(
    "query", ["savings", "who pays the consultants", "pilots", "zzzzqqq", "poole", "RIEP", "2010"]
)
def test_ask(tp: Tp, query: str) -> None:
    result = tp("ask", query, "--json", "--limit", "10")
    found = conforms("ask", result.stdout)
    assert result.exit_code == (0 if found else 1)


@pytest.mark.parametrize("args", [[], ["--region", "London"]])
def test_pilots(tp: Tp, args: list[str]) -> None:
    assert conforms("pilots", tp("pilots", *args, "--json").stdout)


def test_info_and_validate_bundled_user_and_broken(tp: Tp, tmp_path: Path) -> None:
    conforms("info", tp("info", "--json").stdout)
    conforms("validate", tp("validate", "--json").stdout)
    (tmp_path / "pilots.yaml").write_text("pilots:\n  - {id: x, name: X, region: R}\n")
    (tmp_path / "faq.yaml").write_text("entries:\n  - {id: 1}\nextra: 1\n")
    (tmp_path / "faq.yml").write_text("stray: 1\n")
    info = conforms("info", tp("--data-dir", str(tmp_path), "info", "--json").stdout)
    assert [file["source"] for file in info["files"]] == ["user", "user", *["bundled"] * 4]
    report = conforms("validate", tp("validate", str(tmp_path), "--json").stdout)
    assert report["valid"] is False and report["errors"] == 3
    (tmp_path / "faq.yaml").write_bytes(b"\x00")
    conforms("validate", tp("validate", str(tmp_path), "--json").stdout)
    conforms("validate", tp("validate", str(tmp_path / "nope"), "--json").stdout)


def test_schemas_reject_what_they_should(tp: Tp) -> None:
    """The schemas are not vacuous: a missing key or a wrong type fails."""
    shown = json.loads(tp("show", "1", "--json").stdout)
    del shown["answer"]
    with pytest.raises(Exception, match="'answer' is a required property"):
        conforms("show", json.dumps(shown))
    asked = json.loads(tp("ask", "savings", "--json").stdout)
    asked[0]["score"] = 101
    with pytest.raises(Exception, match="101 is greater than the maximum of 100"):
        conforms("ask", json.dumps(asked))


# The data files' own schemas (schemas/data/KIND.schema.json), printed by `tp schema KIND`.

DATA_KINDS = ["faq", "pilots", "glossary", "programme", "sources"]


def data_schema(tp: Tp, kind: str) -> dict[str, Any]:
    result = tp("schema", kind)
    assert result.exit_code == 0
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


@pytest.mark.parametrize("kind", DATA_KINDS)
def test_tp_schema_prints_a_valid_schema_the_bundled_file_satisfies(tp: Tp, kind: str) -> None:
    schema = data_schema(tp, kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    bundled = yaml.safe_load((REPO / "data" / f"{kind}.yaml").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(bundled)  # as an editor would check it


def test_the_faq_schema_rejects_a_string_id_and_validate_locates_it(tp: Tp, tmp_path: Path) -> None:
    text = "entries:\n  - id: '1'\n    slug: a\n    question: Q?\n    answer: A.\n"
    errors = list(Draft202012Validator(data_schema(tp, "faq")).iter_errors(yaml.safe_load(text)))
    assert [list(error.absolute_path) for error in errors] == [["entries", 0, "id"]]
    (tmp_path / "faq.yaml").write_text(text, encoding="utf-8")
    result = tp("validate", str(tmp_path / "faq.yaml"))
    assert result.exit_code == 3
    assert result.stdout.startswith(
        f"{tmp_path / 'faq.yaml'}:2:9: error: entry 1 (id 1): 'id' must be a whole number of 1 "
        "or more, found text"
    )


def test_an_unknown_schema_kind_is_a_usage_error_listing_the_kinds(tp: Tp) -> None:
    result = tp("schema", "pilot")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "tp: unknown schema 'pilot'; choose one of: faq, pilots, glossary, programme, sources, "
        "synonyms, export\n"
    )


@pytest.mark.parametrize(
    "url",
    [
        'https://e.example/"><script>alert(1)</script>',
        "https://e.example/a page",
        "javascript:alert(1)",
        "https://",
        "<https://e.example/>",
    ],
)
def test_source_urls_must_be_plain_http_urls(tp: Tp, tmp_path: Path, url: str) -> None:
    source = {"id": "x", "url": url, "title": "T", "publisher": "P", "type": "blog"}
    (tmp_path / "sources.yaml").write_text(json.dumps({"sources": [source]}), encoding="utf-8")
    result = tp("validate", str(tmp_path / "sources.yaml"))
    assert result.exit_code == 3
    assert "'url' must be an http(s) URL (no spaces, quotes or angle brackets)" in (result.stdout)
