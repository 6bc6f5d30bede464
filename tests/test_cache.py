"""The parse cache makes runs faster, never different: stale, corrupt or unwritable caches."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from totalplace_cli import cache
from totalplace_cli.data import bundled_data_dir, load_faq
from totalplace_cli.errors import DataError

Tp = Callable[..., Result]

FAQ = """version: 1
entries:
  - id: 1
    slug: first
    question: What is first?
    answer: The first answer.
"""


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def stored(file: Path) -> tuple[dict[str, Any], Any]:
    """A cache file's header line and its value: both plain JSON."""
    header, _, body = file.read_bytes().partition(b"\n")
    return json.loads(header), json.loads(body)


def test_cached_load_equals_a_cache_less_load(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bundled_data_dir() / "faq.yaml"
    first = load_faq(path)
    assert len(cache_files(private_cache)) == 1
    second = load_faq(path)  # from the cache
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert first == second == load_faq(path)


def test_cache_file_is_plain_json_keyed_to_the_source(private_cache: Path) -> None:
    load_faq(bundled_data_dir() / "faq.yaml")
    [file] = cache_files(private_cache)
    header, value = stored(file)
    assert set(header) == {"key", "size", "crc32"}
    assert str(bundled_data_dir() / "faq.yaml") in header["key"]
    assert value[0]["question"] == "What is Total Place?"  # the validated entries


def test_an_edited_source_is_read_again(private_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(FAQ, encoding="utf-8")
    assert load_faq(path)[0].answer == "The first answer."
    path.write_text(FAQ.replace("The first answer.", "An edited answer!"), encoding="utf-8")
    assert load_faq(path)[0].answer == "An edited answer!"
    assert len(cache_files(private_cache)) == 1  # the stale entry was replaced, not kept


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\x80\x81", b'{"key": "x"}\n1', b"\n\n\n"])
def test_a_corrupt_cache_is_rebuilt_silently(
    private_cache: Path, tmp_path: Path, garbage: bytes
) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(FAQ, encoding="utf-8")
    expected = load_faq(path)
    [file] = cache_files(private_cache)
    file.write_bytes(garbage)
    assert load_faq(path) == expected
    assert stored(file)[1][0]["slug"] == "first"


def test_an_invalid_file_is_never_cached(private_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(FAQ.replace("id: 1", "id: one"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DataError, match="'id' must be"):
            load_faq(path)
    assert cache_files(private_cache) == []


def test_a_changed_byte_is_caught_by_the_checksum(private_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(FAQ, encoding="utf-8")
    expected = load_faq(path)
    [file] = cache_files(private_cache)
    damaged = file.read_bytes().replace(b"The first answer.", b"The first answeR.")
    file.write_bytes(damaged)  # still valid JSON, of the same size
    assert load_faq(path) == expected
    assert b"The first answer." in file.read_bytes()


def test_the_search_index_is_cached_and_gives_the_same_results(
    tp: Tp, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = tp("ask", "tribl consultng", "--json").output
    assert [f.name.split("-")[0] for f in cache_files(private_cache)] == ["index"]
    warm = tp("ask", "tribl consultng", "--json").output
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert cold == warm == tp("ask", "tribl consultng", "--json").output
    assert json.loads(cold)[0]["slug"].startswith("what-is-the-role-of-tribal")


def test_an_unwritable_cache_is_ignored(
    tp: Tp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("TP_CACHE_DIR", str(blocker / "tp"))
    result = tp("questions", "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert len(json.loads(result.output)) == 14


def test_a_read_only_cache_dir_is_ignored(
    private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write to read-only folders")
    private_cache.chmod(0o500)
    try:
        assert load_faq(bundled_data_dir() / "faq.yaml")
    finally:
        private_cache.chmod(0o700)


def test_writes_leave_no_temporary_files(private_cache: Path) -> None:
    load_faq(bundled_data_dir() / "faq.yaml")
    assert [p.name for p in private_cache.iterdir() if p.name.startswith(".tmp-")] == []


def test_values_json_would_change_are_not_cached(private_cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.yaml"
    source.write_text("x", encoding="utf-8")
    assert cache.cached(source, "t", lambda: {1: "integer key"}) == {1: "integer key"}
    assert cache.cached(source, "t", lambda: {1: "integer key"}) == {1: "integer key"}
    assert cache_files(private_cache) == []


def test_xdg_cache_home_is_followed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "tp"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache.cache_dir() == Path.home() / ".cache" / "tp"


def test_same_output_with_and_without_cache(tp: Tp, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = tp("ask", "savings", "--json").output
    warm = tp("ask", "savings", "--json").output
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert cold == warm == tp("ask", "savings", "--json").output


def large_value() -> dict[str, Any]:
    """More than MAP_AT_SIZE of JSON, with text JSON must escape, like a large FAQ's index."""
    rows = [f"answer {n}: \u00a34.5bn \u201csaved\u201d\nnext line" for n in range(40_000)]
    return {"rows": rows, "numbers": list(range(1000)), "nested": {"pi": 3.14, "none": None}}


def test_a_large_value_is_stored_as_ascii_and_read_back_unchanged(
    private_cache: Path, tmp_path: Path
) -> None:
    source = tmp_path / "big.yaml"
    source.write_text("x", encoding="utf-8")
    value = large_value()
    assert cache.cached(source, "t", large_value) == value
    [file] = cache_files(private_cache)
    body = file.read_bytes().partition(b"\n")[2]
    assert len(body) > cache.MAP_AT_SIZE and body.isascii()
    calls: list[int] = []
    assert cache.cached(source, "t", lambda: calls.append(1) or value) == value
    assert calls == []  # read from the cache file


def test_a_changed_byte_in_a_large_cache_is_caught(private_cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "big.yaml"
    source.write_text("x", encoding="utf-8")
    cache.cached(source, "t", large_value)
    [file] = cache_files(private_cache)
    data = file.read_bytes()
    file.write_bytes(data.replace(b"answer 39999", b"answer 39998"))
    calls: list[int] = []
    assert cache.cached(source, "t", lambda: calls.append(1) or large_value()) == large_value()
    assert calls == [1]  # rebuilt, and written again
    assert file.read_bytes() == data


@pytest.mark.parametrize(
    "value",
    [[("a", "tuple")], {"deep": [1, {"set": {1}}]}, {"rows": ["text", b"bytes"]}, [[[{2: "x"}]]]],
)
def test_values_json_would_change_anywhere_inside_are_not_cached(
    private_cache: Path, tmp_path: Path, value: Any
) -> None:
    source = tmp_path / "source.yaml"
    source.write_text("x", encoding="utf-8")
    assert cache.cached(source, "t", lambda: value) == value
    assert cache_files(private_cache) == []


@pytest.mark.parametrize("count", [3, 40_000])  # a small file is read, a large one mapped
def test_text_lists_are_kept_apart_and_read_back_lazily(
    private_cache: Path, tmp_path: Path, count: int
) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("x", encoding="utf-8")
    texts = [f"Answer {n}: \u00a34.5bn \u201csaved\u201d\n\ndone" for n in range(count)]
    value = {"id": list(range(count)), "nested": {"answer": cache.TextList(texts)}}
    assert cache.cached(source, "t", lambda: value) == value
    [file] = cache_files(private_cache)
    header, _, body = file.read_bytes().partition(b"\n")
    assert json.loads(header)["json"] < len(body)  # the texts follow the JSON, as UTF-8
    assert body.endswith(b"done") and "\u201csaved\u201d".encode() in body
    assert (len(body) > cache.MAP_AT_SIZE) == (count > 3)
    found = cache.cached(source, "t", lambda: pytest.fail("rebuilt"))
    stored_texts = found["nested"]["answer"]
    assert isinstance(stored_texts, cache.StoredTexts)
    assert len(stored_texts) == count
    assert stored_texts[0] == texts[0] and stored_texts[-1] == texts[-1]
    assert stored_texts[1:3] == texts[1:3]
    assert list(stored_texts) == texts
    with pytest.raises(IndexError):
        stored_texts[count]


def test_a_changed_byte_among_stored_texts_is_caught(private_cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("x", encoding="utf-8")
    value = {"answer": cache.TextList(["first text", "second text"])}
    cache.cached(source, "t", lambda: value)
    [file] = cache_files(private_cache)
    file.write_bytes(file.read_bytes().replace(b"second", b"Second"))
    assert list(cache.cached(source, "t", lambda: value)["answer"]) == ["first text", "second text"]
    assert list(cache.cached(source, "t", lambda: pytest.fail("rebuilt"))["answer"]) == [
        "first text",
        "second text",
    ]


def test_data_that_looks_like_a_text_marker_is_not_cached(
    private_cache: Path, tmp_path: Path
) -> None:
    source = tmp_path / "faq.yaml"
    source.write_text("x", encoding="utf-8")
    value = {"a": {cache.TEXTS_MARKER: [0, "1 2"]}}
    assert cache.cached(source, "t", lambda: value) == value
    assert cache_files(private_cache) == []
