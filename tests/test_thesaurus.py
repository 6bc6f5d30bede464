"""The search aids as data: synonyms.yaml (the thesaurus) and each FAQ entry's `also_asked`,
validated like every data file, applied at query time, and never shown as the FAQ's words."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, SHARED_COPY, bundled_data, rank_answers
from rapidfuzz import fuzz
from typer.testing import Result

from totalplace_cli.loading import bundled_data_dir, resolve_data_files
from totalplace_cli.models import DataSet, FaqEntry, SynonymRule
from totalplace_cli.search import search
from totalplace_cli.store import build, build_index

Tp = Callable[..., Result]
FAQ_ONLY = frozenset({"faq"})


def bundled_faq() -> tuple[FaqEntry, ...]:
    from conftest import load_faq

    return load_faq(bundled_data_dir() / "faq.yaml")


FAQ = bundled_faq()
PHRASINGS = [(entry.id, text) for entry in FAQ for text in entry.also_asked]


# --- the format -------------------------------------------------------------------------------


def test_rules_are_solr_synonym_lines() -> None:
    assert SynonymRule.parse("trial, pilot, pathfinder") == SynonymRule(
        ("trial", "pilot", "pathfinder"), ("trial", "pilot", "pathfinder")
    )
    assert SynonymRule.parse("red tape => barriers, bureaucracy") == SynonymRule(
        ("red tape",), ("barriers", "bureaucracy")
    )


@pytest.mark.parametrize(
    ("rule", "valid"),
    [
        ("trial, pilot", True),
        ("red tape => barriers, bureaucracy", True),
        ("a, b => c", True),
        ("trial", False),  # one word means nothing
        ("red tape =>", False),
        ("=> barriers", False),
        ("trial, , pilot", False),
    ],
)
def test_tp_validate_checks_each_rule(tp: Tp, tmp_path: Path, rule: str, valid: bool) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text(f"version: 1\nsynonyms:\n  - {json.dumps(rule)}\n", encoding="utf-8")
    result = tp("validate", str(path))
    assert result.exit_code == (0 if valid else 3), result.output
    if not valid:
        assert f"{path}:3:5: error: rule 1: " in result.stdout


def test_the_bundled_thesaurus_is_valid_and_covers_the_faq_ideas(tp: Tp) -> None:
    path = bundled_data_dir() / "synonyms.yaml"
    result = tp("validate", str(path))
    assert result.exit_code == 0
    rules = bundled_data().thesaurus
    words = {word for rule in rules for word in (*rule.words, *rule.expansions)}
    ideas = "pilot, town hall, red tape, deadline, cops, booze, pensioners, kids, consultants, cuts"
    for idea in f"{ideas}, cash, quango, dole office, rehash".split(", "):
        assert idea in words, idea
    assert "synonyms" in tp("schema", "synonyms").stdout


def test_a_data_folder_may_bring_its_own_thesaurus(tp: Tp, tmp_path: Path) -> None:
    assert tp("ask", "zebra", "--json").exit_code == 1
    (tmp_path / "synonyms.yaml").write_text("synonyms:\n  - zebra => savings\n", "utf-8")
    found = json.loads(tp("--data-dir", str(tmp_path), "ask", "zebra", "--json").stdout)
    assert found[0]["id"] == 12 and found[0]["matched"] == ["savings"]


@pytest.mark.parametrize(
    ("also_asked", "message"),
    [("[]", None), ('[""]', "must not be empty"), ("explain it", "must be a list")],
)
def test_also_asked_is_checked_like_the_keywords(
    tp: Tp, tmp_path: Path, also_asked: str, message: str | None
) -> None:
    text = (
        "entries:\n  - id: 1\n    slug: a\n    question: Q?\n    answer: A.\n"
        f"    also_asked: {also_asked}\n"
    )
    (tmp_path / "faq.yaml").write_text(text, encoding="utf-8")
    result = tp("validate", str(tmp_path / "faq.yaml"))
    assert result.exit_code == (0 if message is None else 3)
    if message:
        assert message in result.stdout


# --- how the thesaurus is applied -------------------------------------------------------------


def database_of(entries: list[FaqEntry], *rules: str) -> object:
    database = sqlite3.connect(":memory:")
    thesaurus = tuple(SynonymRule.parse(rule) for rule in rules)
    build_index(database, DataSet(faq=tuple(entries), thesaurus=thesaurus))
    return database


def test_an_expansion_counts_less_than_the_word_typed() -> None:
    entries = [
        FaqEntry(1, "a", "Who ran the pilot?", "A council ran it."),
        FaqEntry(2, "b", "Who ran the trial?", "A council ran it."),
    ]
    database = database_of(entries, "trial, pilot")
    assert [r.entry.id for r in rank_answers(database, "trial")] == [2, 1]  # type: ignore[arg-type]
    assert [r.entry.id for r in rank_answers(database, "pilot")] == [1, 2]  # type: ignore[arg-type]


def test_phrases_match_whole_by_their_stems_and_one_way_rules_stay_one_way() -> None:
    entries = [
        FaqEntry(1, "a", "Which councils took part?", "Thirteen."),
        FaqEntry(2, "b", "What about barriers?", "Some."),
    ]
    database = database_of(entries, "town hall => council", "red tape => barriers")
    assert rank_answers(database, "which town halls")[0].matched == ("council",)  # type: ignore[arg-type]
    assert rank_answers(database, "red tape")[0].entry.id == 2  # type: ignore[arg-type]
    assert rank_answers(database, "barriers")[0].matched == ("barriers",)  # type: ignore[arg-type]


def test_each_acronym_searches_its_expansion_unless_it_is_an_english_word(tp: Tp) -> None:
    found = json.loads(tp("ask", "hmt", "--json", "--kind", "faq").stdout)
    assert {(row["id"], *row["matched"]) for row in found[:2]} == {(12, "hmt"), (7, "hm treasury")}
    found = json.loads(tp("ask", "the basic idea", "--json", "--kind", "faq", "-n", "20").stdout)
    assert all("Improvement and Development Agency" not in row["matched"] for row in found)


# --- the alternative questions ----------------------------------------------------------------


def test_each_entry_has_five_to_ten_other_phrasings() -> None:
    for entry in FAQ:
        assert 5 <= len(entry.also_asked) <= 10, entry.id
        assert len(set(entry.also_asked)) == len(entry.also_asked)


@pytest.fixture(scope="module")
def bundled() -> sqlite3.Connection:
    """The bundled data set's database, built once for this module's many searches."""
    return build(resolve_data_files(None, "bundled"))


@pytest.mark.parametrize(("entry_id", "phrasing"), PHRASINGS, ids=lambda value: str(value)[:40])
def test_every_other_phrasing_finds_its_own_entry_first(
    bundled: sqlite3.Connection, entry_id: int, phrasing: str
) -> None:
    found = search(bundled, phrasing, 5, FAQ_ONLY).results
    assert found and found[0].entry.id == entry_id, [r.entry.id for r in found]


def test_other_phrasings_are_never_shown_as_the_faqs_words(tp: Tp, tmp_path: Path) -> None:
    shown = [tp("questions").stdout, tp("questions", "--json").stdout]
    for entry in FAQ:
        shown += [tp("show", str(entry.id)).stdout, tp("show", str(entry.id), "--json").stdout]
    shown += [tp("ask", "savings", "--json").stdout, tp("export", "markdown").stdout]
    html = tp("export", "html").stdout
    shown.append(re.sub(r'<script id="search-index"[^>]*>.*?</script>', "", html, flags=re.S))
    everything = "\n".join(shown).lower()
    for _, phrasing in PHRASINGS:
        assert phrasing.lower() not in everything, phrasing


def query_rows() -> list[str]:
    files = [*SHARED_COPY.rglob("*.tsv"), *(REPO / "tests" / "data").glob("*.tsv")]
    rows = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                rows.append(line.split("\t")[0].lower())
    return rows


def test_other_phrasings_never_copy_or_lightly_reword_a_query_of_any_set() -> None:
    """Written for the ideas of each entry: none may be a row of a quality set, or nearly."""
    rows = query_rows()
    assert len(rows) > 500
    for _, phrasing in PHRASINGS:
        closest = max(rows, key=lambda row: fuzz.ratio(phrasing.lower(), row))
        assert fuzz.ratio(phrasing.lower(), closest) < 85, (phrasing, closest)


# --- what the data never answers (synonyms.yaml's `elsewhere`) --------------------------------


def test_an_elsewhere_phrase_turns_a_query_away_unless_the_record_holds_it() -> None:
    library = FaqEntry(1, "a", "Which library did the pilot study?", "The central library.")
    hours = FaqEntry(2, "b", "When is the library open?", "Its opening times were published.")
    phrases = ("opening times", "near me")

    def database(*entries: FaqEntry) -> sqlite3.Connection:
        found = sqlite3.connect(":memory:")
        build_index(found, DataSet(faq=entries, elsewhere=phrases))
        return found

    alone = database(library)
    assert search(alone, "central library opening times", kinds=FAQ_ONLY).results == []
    assert search(alone, "central library near me", kinds=FAQ_ONLY).results == []
    assert search(alone, "central library", kinds=FAQ_ONLY).results[0].entry.id == 1
    # A record that holds the phrase answers it: the data does cover it then.
    both = database(library, hours)
    assert search(both, "library opening times", kinds=FAQ_ONLY).results[0].entry.id == 2


def test_no_elsewhere_phrase_is_a_word_the_thesaurus_searches_for_a_topic() -> None:
    """A thesaurus word finds records that do not hold it ("timetable" finds the timescale):
    as an `elsewhere` phrase too, it would turn such questions away."""
    data = bundled_data()
    assert data.elsewhere, "synonyms.yaml lists what the data never answers"
    rules = data.thesaurus
    thesaurus = {text.lower() for rule in rules for text in (*rule.words, *rule.expansions)}
    assert [phrase for phrase in data.elsewhere if phrase in thesaurus] == []


@pytest.mark.parametrize(
    ("elsewhere", "message"),
    [
        ("[phone number, near me]", None),
        ("phone number", "a list"),
        ("['', x]", "must not be empty"),
    ],
)
def test_validate_checks_the_elsewhere_list(
    tp: Tp, tmp_path: Path, elsewhere: str, message: str | None
) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text(f"synonyms:\n  - trial, pilot\nelsewhere: {elsewhere}\n", encoding="utf-8")
    result = tp("validate", str(path))
    assert result.exit_code == (0 if message is None else 3), result.stdout
    if message:
        assert message in result.stdout
