"""The page's search index: SQLite FTS5's own stems per entry and column, the thesaurus by stems,
the English counts and the constants of `tp ask`'s rules, as compact JSON."""

from __future__ import annotations

import sqlite3

from conftest import bundled_data, in_memory

from totalplace_cli import search
from totalplace_cli.export import build_page_index
from totalplace_cli.models import DataSet, FaqEntry
from totalplace_cli.search import TOKENIZER

DATA = bundled_data()
FAQ, GLOSSARY, THESAURUS = DATA.faq, DATA.glossary, DATA.thesaurus
INDEX = build_page_index(DATA)


def entries_with(stem: str) -> set[str]:
    number = INDEX["vocabulary"].index(stem)
    return {
        slug
        for slug, columns in zip(INDEX["slugs"], INDEX["tokens"], strict=True)
        if any(number in column for column in columns)
    }


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


def test_stems_are_kept_per_column_question_asked_keywords_answer() -> None:
    assert INDEX["columns"] == ["question", "asked", "keywords", "answer"]
    assert INDEX["rules"]["weights"] == [3, 3, 2, 1]
    entry = FaqEntry(1, "only", "Savings?", "Savings, savings.", ("cost",), ("money saved?",))
    index = build_page_index(DataSet(faq=(entry,)))
    stem = index["vocabulary"].__getitem__
    words = [[[stem(n) for n in column] for column in row] for row in index["tokens"]]
    assert words == [[["save"], ["monei", "save"], ["cost"], ["save", "save"]]]


def test_the_thesaurus_and_the_glossary_are_there_by_stems() -> None:
    assert ["hm", "treasuri"] in INDEX["synonyms"]["hmt"]  # "HMT" also finds "HM Treasury"
    assert ["lsp"] in INDEX["synonyms"]["local strateg partnership"]
    assert ["pilot"] in INDEX["synonyms"]["trial"]
    assert "idea" not in INDEX["synonyms"]  # "IDeA" is also an English word: never expanded


def test_the_rules_are_tp_asks() -> None:
    rules = INDEX["rules"]
    assert rules["expansion_weight"] == search.EXPANSION_WEIGHT
    assert rules["off_topic_ratio"] == search.OFF_TOPIC_RATIO
    english = {word for words in INDEX["english"].values() for word in words.split()}
    assert {"weather", "parking", "the"} <= english and "savings" in english


def test_words_are_folded_like_the_tokenizer() -> None:
    entry = FaqEntry(1, "x", "Caf\u00e9 r\u00f4le", "HAVEN\u2019T")
    index = build_page_index(DataSet(faq=(entry,)))
    assert {"cafe", "role", "haven", "t"} <= set(index["vocabulary"])
    assert "the" in INDEX["stop"] and "savings" not in INDEX["stop"]
