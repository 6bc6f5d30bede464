"""The page's search index: SQLite FTS5's own terms per entry and column, as compact JSON."""

from __future__ import annotations

import sqlite3

from conftest import in_memory, load_faq

from totalplace_cli.data import bundled_data_dir, load_glossary
from totalplace_cli.models import FaqEntry
from totalplace_cli.page_index import build_page_index
from totalplace_cli.search import TOKENIZER

FAQ = load_faq(bundled_data_dir() / "faq.yaml")
GLOSSARY = load_glossary(bundled_data_dir() / "glossary.yaml")
INDEX = build_page_index(FAQ, GLOSSARY)


def entries_with(stem: str) -> set[str]:
    return {INDEX["slugs"][row[0]] for row in INDEX["postings"].get(stem, [])}


def test_terms_are_stemmed_by_fts5_with_the_search_tokenizer() -> None:
    # The constant the page stems words with is the one `tp ask`'s database is built with.
    (definition,) = (
        in_memory(FAQ)
        .execute("SELECT sql FROM sqlite_master WHERE name = 'documents_fts'")
        .fetchone()
    )
    assert f"tokenize='{TOKENIZER}'" in definition
    connection = sqlite3.connect(":memory:")
    connection.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    connection.execute("INSERT INTO t VALUES ('consultants savings')")
    connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, row)")
    stems = {term for (term,) in connection.execute("SELECT term FROM v")}
    assert stems == {INDEX["stems"]["consultants"], INDEX["stems"]["savings"]}
    assert "what-sort-of-savings-can-be-made" in entries_with(INDEX["stems"]["savings"])


def test_counts_are_kept_per_column_question_asked_keywords_answer() -> None:
    assert INDEX["columns"] == ["question", "asked", "keywords", "answer"]
    assert INDEX["weights"] == [3, 3, 2, 1]
    entry = FaqEntry(1, "only", "Savings?", "Savings, savings.", ("cost",), ("money saved?",))
    index = build_page_index((entry,))
    assert index["postings"]["save"] == [[0, 1, 1, 0, 2]]
    assert index["postings"]["cost"] == [[0, 0, 0, 1, 0]]
    assert index["lengths"] == [[1, 2, 1, 2]]


def test_glossary_expansions_find_entries_that_use_the_acronym() -> None:
    hmt = entries_with("hmt")
    assert hmt and hmt <= entries_with("treasuri")  # "HM Treasury" finds what says "HMT"
    assert "who-else-is-involved-in-the-pilots-at-the-local-level" in entries_with("lsp")


def test_words_are_folded_like_the_tokenizer() -> None:
    entry = FaqEntry(1, "x", "Caf\u00e9 r\u00f4le", "HAVEN\u2019T")
    index = build_page_index((entry,))
    assert {"cafe", "role", "haven", "t"} <= set(index["postings"])
    assert "the" in INDEX["stop"] and "savings" not in INDEX["stop"]
