"""Property-based: whatever the query or data file, no exception escapes and JSON always parses."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import invoke, load_faq, load_pilots
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from totalplace_cli.checking import check_file
from totalplace_cli.streams import DataError

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Any text a shell could hand over, including lone surrogates from undecodable bytes.
ANY_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=60
) | st.sampled_from(["", " ", "savings", "£5.5bn", "\udcff", "\x1b[31m", "😀", "مدخرات"])


def tp(*args: str) -> Result:
    result = invoke(args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    return result


def assert_clean(result: Result, codes: set[int]) -> None:
    assert result.exit_code in codes, (result.exit_code, result.stderr)
    if result.exit_code:
        assert result.stderr.startswith("tp: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@FAST
@given(query=ANY_TEXT)
def test_any_query(query: str) -> None:
    result = tp("ask", "--json", "--", query)  # after "--", "-h" is a query, not the help
    assert_clean(result, {0, 1, 2})
    if result.exit_code in {0, 1}:
        found = json.loads(result.stdout)
        assert isinstance(found, list) and (len(found) > 0) == (result.exit_code == 0)
    plain = tp("ask", "--", query)
    assert plain.exit_code == result.exit_code


@FAST
@given(key=ANY_TEXT)
def test_any_show_key(key: str) -> None:
    result = tp("show", key, "--json")
    assert_clean(result, {0, 2})
    if result.exit_code == 0:
        assert json.loads(result.stdout)["question"]


@FAST
@given(region=ANY_TEXT)
def test_any_region(region: str) -> None:
    result = tp("pilots", "--region", region, "--json")
    assert_clean(result, {0, 1, 2})
    if result.exit_code == 0:
        assert json.loads(result.stdout)


# Generated data files: mostly the right shape, with wrong types, odd keys and odd text mixed in.

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=20),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FAQ_KEYS = st.sampled_from(["id", "slug", "question", "answer", "keywords", "anwser", "x"])
FAQ_VALUES = st.one_of(
    st.integers(min_value=-1, max_value=5),
    st.text(max_size=15),
    st.lists(st.text(max_size=5), max_size=3),
    VALUES,
)
WELL_FORMED_ENTRY = st.fixed_dictionaries(
    {
        "id": st.integers(min_value=1, max_value=6),
        "slug": st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True),
        "question": st.text(min_size=1, max_size=30),
        "answer": st.text(min_size=1, max_size=60),
    },
    optional={"keywords": st.lists(st.text(min_size=1, max_size=8), max_size=3)},
)
FAQ_RECORD = WELL_FORMED_ENTRY | st.dictionaries(FAQ_KEYS, FAQ_VALUES, max_size=6) | VALUES
PILOT_KEYS = st.sampled_from(["id", "name", "region", "official_name", "nom"])
WELL_FORMED_PILOT = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8), "name": st.text(min_size=1, max_size=12)},
    optional={"region": st.sampled_from(["London", "North East", " ", "Nowhere"])},
)
PILOT_RECORD = (
    WELL_FORMED_PILOT
    | st.dictionaries(PILOT_KEYS, st.text(max_size=10) | VALUES, max_size=5)
    | VALUES
)


def documents(list_key: str, record: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    shaped = st.fixed_dictionaries(
        {list_key: st.lists(record, max_size=5)},
        optional={"version": st.integers(min_value=-1, max_value=3) | VALUES, "extra": VALUES},
    )
    return shaped | VALUES


def as_file(document: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    dumped = document.map(lambda value: yaml.safe_dump(value, allow_unicode=True).encode("utf-8"))
    return (
        dumped | st.binary(max_size=80) | ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    faq=as_file(documents("entries", FAQ_RECORD)), pilots=as_file(documents("pilots", PILOT_RECORD))
)
def test_any_data_files(faq: bytes, pilots: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        (data / "faq.yaml").write_bytes(faq)
        (data / "pilots.yaml").write_bytes(pilots)

        # Loading and validating agree: a file loads exactly when validate finds no error.
        for path, load in ((data / "faq.yaml", load_faq), (data / "pilots.yaml", load_pilots)):
            valid = check_file(path).valid
            try:
                load(path)
                assert valid, path.read_bytes()
            except DataError:
                assert not valid

        for command in (["questions"], ["show", "1"], ["ask", "savings"], ["pilots"]):
            result = tp("--data-dir", folder, *command, "--json")
            assert_clean(result, {0, 1, 2, 3})
            if result.exit_code == 0:
                json.loads(result.stdout)
            assert_clean(tp("--data-dir", folder, *command), {0, 1, 2, 3})
        for command in (["info"], ["validate"], ["validate", folder]):
            result = tp("--data-dir", folder, *command, "--json")
            assert_clean(result, {0, 3})
            report = json.loads(result.stdout)  # printed even when the data is invalid
            assert isinstance(report, dict)
            assert_clean(tp("--data-dir", folder, *command), {0, 3})


@pytest.mark.parametrize("seed", range(3))
def test_valid_generated_faq_round_trips(seed: int, tmp_path: Path) -> None:
    """A well-formed file of any size loads with the exact text it holds."""
    entries = [
        {"id": n, "slug": f"q-{n}-{seed}", "question": f"Q {n} \u2019£?", "answer": "A\n\n| x |"}
        for n in range(1, 50 * (seed + 1))
    ]
    path = tmp_path / "faq.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "entries": entries}, allow_unicode=True))
    loaded = load_faq(path)
    assert [(e.id, e.slug, e.question, e.answer) for e in loaded] == [
        (e["id"], e["slug"], e["question"], e["answer"]) for e in entries
    ]
