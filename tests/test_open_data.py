"""`tp export sqlite` and `tp export json`: open data that the standard library, sqlite-utils and
Datasette read as they are (docs/open-data.md describes the schema these tests hold it to)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, bundled_data
from test_console_script import TP
from test_export_files import leftovers
from test_export_files import tp as tp_process
from test_schemas import conforms
from typer.testing import Result

from totalplace_cli.export import OPEN_DATA_VERSION
from totalplace_cli.loading import bundled_data_dir

pytestmark = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
Tp = Callable[..., Result]
SAVINGS = "What sort of savings can be made?"
TABLES = {
    *("faq", "pilots", "pilot_categories", "pilot_themes", "pilot_authorities", "pilot_figures"),
    *("pilot_field_trials", "pilot_sources", "categories", "glossary", "events", "facts"),
    "sources",
}
SEARCHED = {"faq": "faq_fts", "pilots": "pilots_fts", "facts": "facts_fts"}
# Each table that cites a page or belongs to a pilot, and the column that says which.
CITING = {
    "pilot_themes": "source",
    "pilot_authorities": "source",
    "pilot_figures": "source",
    "pilot_field_trials": "source",
    "pilot_sources": "source",
    "events": "source",
    "facts": "source",
}
PILOT_DETAILS = [table for table in TABLES if table.startswith("pilot_")]


@pytest.fixture(scope="module")
def database_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export of the bundled data, named as the README names it (Datasette calls it `tp`)."""
    path = tmp_path_factory.mktemp("export") / "tp.db"
    result = tp_process(
        "export", "sqlite", "-o", str(path), "--metadata", str(path.parent / "m.json")
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def database(database_file: Path) -> Iterator[sqlite3.Connection]:
    with sqlite3.connect(f"{database_file.as_uri()}?mode=ro", uri=True) as connection:
        yield connection
    connection.close()


def rows(database: sqlite3.Connection, sql: str, *parameters: object) -> list[Any]:
    return database.execute(sql, parameters).fetchall()


def test_the_database_has_the_documented_tables_and_schema_version(
    database: sqlite3.Connection,
) -> None:
    names = {
        name for (name,) in rows(database, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert {name for name in names if "_fts" not in name} == TABLES
    assert set(SEARCHED.values()) <= names
    assert rows(database, "PRAGMA user_version") == [(OPEN_DATA_VERSION,)]
    documented = (REPO / "docs" / "open-data.md").read_text(encoding="utf-8")
    for table in TABLES | set(SEARCHED.values()):
        assert f"`{table}`" in documented, table
        for column in rows(database, f"SELECT name FROM pragma_table_info('{table}')"):
            assert f"`{column[0]}`" in documented, (table, column[0])


def test_every_table_has_a_primary_key_and_every_key_holds(database: sqlite3.Connection) -> None:
    for table in TABLES:
        keys = rows(database, f"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0")
        assert keys, f"{table} has no primary key"
    assert rows(database, "PRAGMA foreign_key_check") == []
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]


def test_every_pilot_detail_reaches_pilots_and_every_citation_reaches_sources(
    database: sqlite3.Connection,
) -> None:
    for table in PILOT_DETAILS:
        links = rows(
            database, 'SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)', table
        )
        assert ("pilot_id", "pilots", "id") in links, table
    for table, column in CITING.items():
        links = rows(
            database, 'SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)', table
        )
        assert (column, "sources", "id") in links, table
        assert rows(database, f"SELECT count(*) FROM {table} WHERE {column} IS NULL") == [(0,)]
    links = rows(database, 'SELECT "from", "table", "to" FROM pragma_foreign_key_list("pilots")')
    assert ("official_name_source", "sources", "id") in links
    # Every page the records cite is a row of sources, and every row is cited.
    cited = {
        source
        for table, column in {**CITING, "pilots": "official_name_source"}.items()
        for (source,) in rows(database, f"SELECT {column} FROM {table} WHERE {column} NOT NULL")
    }
    assert cited == {source for (source,) in rows(database, "SELECT id FROM sources")}


def test_the_rows_are_the_records_word_for_word(database: sqlite3.Connection) -> None:
    data = bundled_data()
    assert rows(database, "SELECT id, slug, question, answer FROM faq ORDER BY id") == [
        (e.id, e.slug, e.question, e.answer) for e in sorted(data.faq, key=lambda e: e.id)
    ]
    assert rows(database, "SELECT id, name, official_name, region FROM pilots ORDER BY rowid") == [
        (p.id, p.name, p.official_name, p.region) for p in data.pilots
    ]
    kent = next(p for p in data.pilots if p.id == "kent")
    assert rows(
        database, "SELECT text, source FROM pilot_themes WHERE pilot_id = 'kent' ORDER BY position"
    ) == [(theme.text, theme.source[0]) for theme in kent.themes]  # the main source
    assert rows(database, "SELECT count(*) FROM events") == [(len(data.events),)]
    keywords = rows(database, "SELECT keywords FROM faq WHERE id = 1")[0][0]
    assert json.loads(keywords)[:2] == ["overview", "introduction"]


def test_full_text_search_in_the_sqlite_utils_convention(database: sqlite3.Connection) -> None:
    for table, index in SEARCHED.items():
        (sql,) = rows(database, "SELECT sql FROM sqlite_master WHERE name = ?", index)[0]
        assert f'content="{table}"' in sql and "USING FTS5" in sql
    best = rows(
        database,
        "SELECT faq.question FROM faq JOIN faq_fts ON faq.rowid = faq_fts.rowid "
        "WHERE faq_fts MATCH 'savings' ORDER BY faq_fts.rank",
    )
    assert SAVINGS in [question for (question,) in best[:3]]
    # Stemmed (porter): "saving" finds "savings" too.
    assert SAVINGS in [q for (q,) in rows(database, sql_search("faq", "question"), "saving")]
    midlands = rows(database, sql_search("pilots", "name"), "west midlands")
    assert {name for (name,) in midlands} >= {"Birmingham", "Coventry", "Worcestershire"}
    assert rows(database, sql_search("facts", "id"), "billion")


def sql_search(table: str, column: str) -> str:
    return (
        f"SELECT {column} FROM {table} WHERE rowid IN "
        f"(SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?)"
    )


def test_two_exports_of_the_same_data_are_byte_identical(
    tmp_path: Path, database_file: Path
) -> None:
    # No date is stored in the database: another day (SOURCE_DATE_EPOCH) makes the same file.
    again = tmp_path / "again.db"
    result = tp_process("export", "sqlite", "-o", str(again))
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == database_file.read_bytes()
    assert leftovers(tmp_path) == []


def test_datasette_metadata_describes_every_table(database_file: Path) -> None:
    metadata = json.loads((database_file.parent / "m.json").read_text(encoding="utf-8"))
    assert metadata["title"] and metadata["description"] and metadata["license"]
    tables = metadata["databases"]["tp"]["tables"]
    assert set(tables) == TABLES
    for table in tables.values():
        assert table["description"] and table["source"]
    assert "publisher" in tables["faq"]["license"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["sqlite"], "tp: a database cannot go to standard output; name its file: -o tp.db\n"),
        (
            ["sqlite", "-o", "-"],
            "tp: a database cannot go to standard output; name its file: -o tp.db\n",
        ),
        (
            ["html", "--metadata", "m.json"],
            "tp: --metadata describes a database: use it with 'tp export sqlite'\n",
        ),
        (
            ["sqlite", "-o", "x.db", "--metadata", "./x.db"],
            "tp: -o and --metadata name the same file; give each its own\n",
        ),
    ],
)
def test_a_database_needs_a_file_of_its_own(
    tp: Tp, arguments: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = tp("export", *arguments)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert list(tmp_path.iterdir()) == []


def test_the_database_is_never_written_over_the_data_in_use(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    folder.mkdir()
    shutil.copy(bundled_data_dir() / "faq.yaml", folder / "faq.yaml")
    before = (folder / "faq.yaml").read_bytes()
    result = tp_process(
        "--data-dir", str(folder), "export", "sqlite", "-o", str(folder / "faq.yaml")
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"tp: refusing to write over {folder / 'faq.yaml'}")
    assert (folder / "faq.yaml").read_bytes() == before
    metadata = tp_process(
        "export",
        "sqlite",
        "-o",
        str(tmp_path / "x.db"),
        "--metadata",
        str(bundled_data_dir() / "pilots.yaml"),
    )
    assert metadata.returncode == 2 and "refusing to write over" in metadata.stderr
    assert leftovers(folder) == [] and leftovers(tmp_path) == []


def test_a_database_that_cannot_be_written_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "tp.db"
    target.write_bytes(b"the old file")
    result = tp_process("export", "sqlite", "-o", str(target), limit=50_000)
    assert result.returncode == 2
    assert result.stderr.startswith(f"tp: cannot write {target}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert target.read_bytes() == b"the old file"
    assert leftovers(tmp_path) == []


# tp export json


def test_the_json_document_validates_and_holds_each_command_s_json(
    tp: Tp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1269475200")  # 25 March 2010
    document = conforms("export", tp("export", "json").stdout)
    assert document["exported"] == "2010-03-25"
    assert document["tp_version"] == tp("--version").stdout.split()[1]
    assert document["pilots"] == json.loads(tp("pilots", "--json").stdout)
    assert document["timeline"] == json.loads(tp("timeline", "--json").stdout)
    assert document["facts"] == json.loads(tp("facts", "--json").stdout)
    assert document["glossary"] == json.loads(tp("glossary", "--json").stdout)
    shown = json.loads(tp("show", "12", "--json").stdout)
    assert document["faq"][11] == {key: shown[key] for key in ("id", "slug", "question", "answer")}
    assert document["sources"] == [
        {key: source[key] for key in ("id", "url", "title", "publisher", "date", "type")}
        for source in json.loads(tp("sources", "--json").stdout)
    ]


def test_the_json_file_is_the_same_document_and_its_schema_is_printed(
    tp: Tp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    target = tmp_path / "tp.json"
    result = tp("export", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stderr.startswith(f"tp: wrote {target} (")
    assert target.read_text(encoding="utf-8") == tp("export", "json").stdout
    shipped = REPO / "src" / "totalplace_cli" / "schemas" / "export.json"
    assert tp("schema", "export").stdout == shipped.read_text(encoding="utf-8")


# The tools the data is for: sqlite-utils and Datasette (test extras; never needed by tp).


def test_sqlite_utils_searches_the_export_as_it_is(database_file: Path) -> None:
    sqlite_utils = pytest.importorskip(
        "sqlite_utils", reason="sqlite-utils is not installed (pip install -e '.[test]')"
    )
    db = sqlite_utils.Database(database_file)
    for table, index in SEARCHED.items():
        assert db[table].detect_fts() == index
    found = [row["question"] for row in db["faq"].search("savings")]
    assert SAVINGS in found[:3]
    result = subprocess.run(
        [sys.executable, "-m", "sqlite_utils", "search", str(database_file), "faq", "savings"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert SAVINGS in [row["question"] for row in json.loads(result.stdout)[:3]]


def datasette_get(database_file: Path, *paths: str) -> list[Any]:
    """What Datasette's own test client answers for each path, the file served as it is."""
    datasette = pytest.importorskip(
        "datasette.app", reason="Datasette is not installed (pip install -e '.[test]')"
    )
    metadata = json.loads((database_file.parent / "m.json").read_text(encoding="utf-8"))

    async def get_all() -> list[Any]:
        server = datasette.Datasette([str(database_file)], metadata=metadata)
        return [await server.client.get(path) for path in paths]

    return asyncio.run(get_all())


def test_datasette_serves_search_and_facets_from_the_file(database_file: Path) -> None:
    search, region, page, themes = datasette_get(
        database_file,
        "/tp/faq.json?_search=savings&_shape=array",
        "/tp/pilots.json?region=West+Midlands&_shape=array",
        "/tp/faq",
        "/tp/pilot_themes.json?pilot_id=kent&_labels=on&_shape=array",
    )
    assert search.status_code == 200
    assert SAVINGS in [row["question"] for row in search.json()]
    assert region.status_code == 200
    assert [row["name"] for row in region.json()] == ["Birmingham", "Coventry", "Worcestershire"]
    assert page.status_code == 200 and 'name="_search"' in page.text  # the search box
    assert "the page states no licence" in page.text  # the table's own metadata
    assert {row["pilot_id"]["label"] for row in themes.json()} == {"Kent"}  # foreign key labels
