"""The shareable documents, rendered from the Jinja templates `page/page.html` and `page/page.md`:
one self-contained HTML page (style, script and search index inlined, allowed by hash in its
Content-Security-Policy; without the script only the controls are missing), and the same content
as Markdown. This module prepares the data; the templates hold the markup."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from totalplace_cli import __version__, search, store
from totalplace_cli.loading import NOT_REGULAR, shown_path
from totalplace_cli.lookup import answers_using, category_labels, mark_terms, regions
from totalplace_cli.models import DataSet, English, readable_date, timeline
from totalplace_cli.render import answer_blocks
from totalplace_cli.store import replacing
from totalplace_cli.streams import UsageError, json_text, terminal_text

if TYPE_CHECKING:
    import jinja2


# No source we hold records the FAQ page's own address: the header links to the programme's site
# index (research/pilots.md), named for what it is.
SITE_URL = "https://www.leadershipcentre.org.uk/totalplace/totalplaces/index.html"
SITE_NAME = "Total Place website, Leadership Centre for Local Government"


@cache
def _asset(name: str) -> str:
    return (Path(__file__).parent / "page" / name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    import base64
    import hashlib

    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def generated_date() -> str:
    """Today (UTC), or SOURCE_DATE_EPOCH's day for reproducible builds, as GOV.UK writes dates."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = time.gmtime(int(epoch)) if epoch.isdigit() else time.gmtime()
    return f"{moment.tm_mday} {time.strftime('%B %Y', moment)}"


_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})
_ENTITY = r"&(?=#?\w+;)"  # "&lt;" would show as "<": show it as typed
_BLOCK_MARKER = r"(?m)^([ \t]*)(#{1,6}|\++|-+|=+)(?=\s|$)"
_LIST_NUMBER = r"(?m)^([ \t]*\d+)([.)])(?=\s|$)"


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally: inline syntax and HTML escaped, no block syntax."""
    escaped = re.sub(_ENTITY, r"\\&", text.translate(_MARKDOWN_SPECIAL))
    escaped = re.sub(_BLOCK_MARKER, r"\1\\\2", escaped)
    return re.sub(_LIST_NUMBER, r"\1\\\2", escaped)


def markdown_address(url: str) -> str:
    """A URL safe inside Markdown's <...>: what could end it or start HTML is percent-encoded."""
    from urllib.parse import quote

    return quote(url, safe=":/?#@!$&'()*+,;=%~-._")


@cache
def _environment() -> jinja2.Environment:
    """The templates in `page/`, autoescaped when HTML; a tag alone on its line leaves no trace."""
    import jinja2  # costs start-up time: only `tp export` pays for it

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("totalplace_cli", "page"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        answer_blocks=answer_blocks,
        escape_markdown=escape_markdown,
        # Not Jinja's `tojson`, which escapes for a <script>: an attribute is escaped as text.
        json=json.dumps,
        markdown_address=markdown_address,
        readable_date=readable_date,
    )
    return environment


def _render(template_name: str, data: DataSet, **details: object) -> str:
    """Fill a template with what both documents show; `details` are one format's own. The
    sources listed are those cited, numbered in the order a reader meets them."""
    programme = [("Timeline", timeline(data.events)), ("In figures", list(data.facts))]
    registry, names = data.registry(), {pilot.id: pilot.name for pilot in data.pilots}
    cited = data.citations([item for _, items in programme for item in items])
    sources = [registry[source] for source in cited if source in registry]
    themes = {pilot.id: category_labels(pilot, data.categories) for pilot in data.pilots}
    all_themes = {theme for listed in themes.values() for theme in listed}
    return (
        _environment()
        .get_template(template_name)
        .render(
            faq=data.faq,
            pilots=data.pilots,
            themes=themes,
            all_themes=sorted(all_themes, key=str.casefold),
            glossary=data.glossary,
            programme=[(heading, items) for heading, items in programme if items],
            sources=sources,
            numbers={source.id: number for number, source in enumerate(sources, 1)},
            users={
                source: list(dict.fromkeys(names.get(c.id, "The programme") for c in citations))
                for source, citations in cited.items()
            },
            generated=generated_date(),
            version=__version__,
            site_url=SITE_URL,
            site_name=SITE_NAME,
            **details,
        )
    )


def build_html(data: DataSet) -> str:
    """The whole page: questions opening to their answers, pilots, programme, glossary, sources."""
    style, script = _asset("page.css"), _asset("page.js")
    index = json.dumps(build_page_index(data), separators=(",", ":"))
    policy = (
        f"default-src 'none'; style-src '{_hash(style)}'; script-src '{_hash(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return _render(
        "page.html",
        data,
        regions=regions(data.pilots),
        mark=partial(mark_terms, data.glossary),
        policy=policy,
        style=style,
        script=script,
        # JSON that cannot end its <script> element early (`</script>`, `<!--`).
        index=index.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
    )


def build_markdown(data: DataSet) -> str:
    """The same content as the HTML page, as Markdown (answers word for word)."""
    return _render("page.md", data)


# Writing an export where the user says.


def document(format: str, data: DataSet) -> str:
    """`tp export FORMAT`'s text: a page, Markdown or the JSON document; no control character
    from the data reaches it."""
    if format == "json":
        return json_text(build_document(data))
    return terminal_text((build_html if format == "html" else build_markdown)(data))


def write_files(
    format: str, data: DataSet, destination: str, metadata: str | None, protected: list[Path]
) -> list[tuple[Path, int]]:
    """Write the export to `destination` (and a database's Datasette `metadata` beside it), never
    over a `protected` file; each file written with its size in bytes (0 for the metadata)."""
    path, described = Path(destination).expanduser(), Path(metadata or "").expanduser()
    if metadata is not None and described.absolute() == path.absolute():
        raise UsageError("-o and --metadata name the same file; give each its own")
    if format != "sqlite":
        return [(path, write_atomically(path, document(format, data), protected))]
    written = [(path, write_database(path, data, protected))]
    if metadata is not None:  # Datasette names a database after its file, less the extension
        write_atomically(described, json_text(build_metadata(path.stem)), [*protected, path])
        written.append((described, 0))
    return written


def _same_file(target: Path, protected: Iterable[Path]) -> Path | None:
    """The protected file that `target` names (through `..`, links or another spelling), if any."""
    for path in protected:
        # A path that cannot be read (missing, too long, a link loop) is not a data file in use.
        try:
            if os.path.samefile(target, path):
                return path
        except OSError:
            continue
    return None


def _new_file_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 less the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(
    target: Path, content: str | Callable[[str], object], protected: Iterable[Path] = ()
) -> int:
    """Write `content` to `target`; return its size in bytes. `content` is UTF-8 text, or a
    function that fills the temporary file whose path it is given (a database). A regular file is
    replaced whole or not at all, through any links (they survive); a terminal, /dev/null, a FIFO
    or a descriptor (/dev/stdout) takes text directly, as the shell's `>` would. Anything else,
    and the `protected` files (the data in use), is refused with a UsageError."""
    shown = shown_path(target)
    clash = _same_file(target, protected)
    if clash is not None:
        raise UsageError(
            f"refusing to write over {shown}: it is a data file tp reads ({shown_path(clash)}); "
            "choose another file"
        )
    try:
        # What `target` names: the link's target for a link, a descriptor's file in /proc.
        resolved = Path(os.path.realpath(target))
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:  # absent, or a link to nothing: created as a new file
            mode = stat.S_IFREG
        special = stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or resolved.parts[1:2] == ("proc",)
        if special and isinstance(content, str):
            with open(target, "wb") as stream:  # truncated, not replaced; written in parts
                return stream.write(content.encode("utf-8"))
        if not stat.S_ISREG(mode) or special:
            why = NOT_REGULAR.get(stat.S_IFMT(mode), "is not a regular file")
            raise UsageError(f"cannot write {shown}: it {why}")
        with replacing(resolved) as temporary:
            if isinstance(content, str):
                Path(temporary).write_bytes(content.encode("utf-8"))
            else:
                content(temporary)
            with open(temporary, "rb+") as stream:
                os.fsync(stream.fileno())
            os.chmod(temporary, _new_file_mode(resolved))
            return os.path.getsize(temporary)
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise UsageError(f"cannot write {shown}: {reason}") from None


# Open data: every record as an SQLite database and as one JSON document (docs/open-data.md).

OPEN_DATA_VERSION = 1  # the database's `PRAGMA user_version`; docs/open-data.md says what it keeps
# Foreign keys are enforced while the rows go in: a dangling one is a bug, never a published file.
# An FTS5 table names its table as `content="faq"`, the form sqlite-utils and Datasette detect.
OPEN_DATA_SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE sources (id TEXT PRIMARY KEY, url TEXT NOT NULL, title TEXT, publisher TEXT,
    date TEXT, type TEXT);
CREATE TABLE faq (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, question TEXT NOT NULL,
    answer TEXT NOT NULL, keywords TEXT NOT NULL);
CREATE TABLE categories (id TEXT PRIMARY KEY, label TEXT NOT NULL, synonyms TEXT NOT NULL);
CREATE TABLE pilots (id TEXT PRIMARY KEY, name TEXT NOT NULL, official_name TEXT,
    region TEXT NOT NULL, official_name_source TEXT REFERENCES sources(id));
CREATE TABLE pilot_categories (pilot_id TEXT NOT NULL REFERENCES pilots(id),
    category_id TEXT NOT NULL REFERENCES categories(id), PRIMARY KEY (pilot_id, category_id));
CREATE TABLE pilot_themes (pilot_id TEXT NOT NULL REFERENCES pilots(id),
    position INTEGER NOT NULL, text TEXT NOT NULL, source TEXT REFERENCES sources(id),
    PRIMARY KEY (pilot_id, position));
CREATE TABLE pilot_authorities (pilot_id TEXT NOT NULL REFERENCES pilots(id),
    position INTEGER NOT NULL, name TEXT NOT NULL, source TEXT REFERENCES sources(id),
    PRIMARY KEY (pilot_id, position));
CREATE TABLE pilot_figures (pilot_id TEXT NOT NULL REFERENCES pilots(id),
    position INTEGER NOT NULL, text TEXT NOT NULL, source TEXT REFERENCES sources(id),
    PRIMARY KEY (pilot_id, position));
CREATE TABLE pilot_field_trials (pilot_id TEXT NOT NULL REFERENCES pilots(id),
    position INTEGER NOT NULL, text TEXT NOT NULL, source TEXT REFERENCES sources(id),
    PRIMARY KEY (pilot_id, position));
CREATE TABLE pilot_sources (pilot_id TEXT NOT NULL REFERENCES pilots(id),
    source TEXT NOT NULL REFERENCES sources(id), PRIMARY KEY (pilot_id, source));
CREATE TABLE glossary (term TEXT PRIMARY KEY, expansion TEXT NOT NULL, origin TEXT NOT NULL,
    quote TEXT, provenance TEXT, aliases TEXT NOT NULL);
CREATE TABLE events (id TEXT PRIMARY KEY, date TEXT, event TEXT NOT NULL, quote TEXT,
    source TEXT NOT NULL REFERENCES sources(id));
CREATE TABLE facts (id TEXT PRIMARY KEY, date TEXT, fact TEXT NOT NULL, figure TEXT,
    period TEXT, quote TEXT, source TEXT NOT NULL REFERENCES sources(id));
CREATE VIRTUAL TABLE faq_fts USING FTS5 (question, answer, keywords, content="faq",
    tokenize='porter');
CREATE VIRTUAL TABLE pilots_fts USING FTS5 (name, official_name, region, content="pilots",
    tokenize='porter');
CREATE VIRTUAL TABLE facts_fts USING FTS5 (fact, figure, quote, content="facts",
    tokenize='porter');
"""


def source_rows(data: DataSet) -> list[dict[str, str | None]]:
    """Table `sources`: one row per page of the registry (data/sources.yaml)."""
    keys = ("id", "url", "title", "publisher", "date", "type")
    return [{key: getattr(source, key) for key in keys} for source in data.sources]


def _main(ids: tuple[str, ...]) -> str | None:
    """A citation's main source id (its first), the one the open data's `source` column holds."""
    return ids[0] if ids else None


def _open_data_rows(data: DataSet) -> dict[str, list[tuple[object, ...]]]:
    """Each table's rows in the data's order (parents first, for the foreign keys)."""
    listed = partial(json.dumps, ensure_ascii=False)  # a list in one cell: sqlite-utils' way
    return {
        "sources": [tuple(row.values()) for row in source_rows(data)],
        "faq": [(e.id, e.slug, e.question, e.answer, listed(e.keywords)) for e in data.faq],
        "categories": [(c.id, c.label, listed(c.synonyms)) for c in data.categories],
        "pilots": [
            (p.id, p.name, p.official_name, p.region, _main(p.official_name_source))
            for p in data.pilots
        ],
        "pilot_categories": [(p.id, c) for p in data.pilots for c in dict.fromkeys(p.categories)],
        **{
            f"pilot_{field}": [
                (p.id, n, fact.text, _main(fact.source))
                for p in data.pilots
                for n, fact in enumerate(getattr(p, field), 1)
            ]
            for field in ("themes", "figures", "field_trials")
        },
        "pilot_authorities": [
            (p.id, n, name, _main(p.authorities_source))
            for p in data.pilots
            for n, name in enumerate(p.authorities, 1)
        ],
        "pilot_sources": [(p.id, id) for p in data.pilots for id in dict.fromkeys(p.sources)],
        "glossary": [
            (t.term, t.expansion, t.source, t.quote, t.provenance, listed(t.aliases))
            for t in data.glossary
        ],
        "events": [(e.id, e.date, e.text, e.quote, _main(e.source)) for e in timeline(data.events)],
        "facts": [
            (f.id, f.date, f.text, f.figure, f.period, f.quote, _main(f.source)) for f in data.facts
        ],
    }


def write_database(target: Path, data: DataSet, protected: Iterable[Path] = ()) -> int:
    """`tp export sqlite`: built in memory the same way every time (same data, same bytes)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as database:
        database.executescript(OPEN_DATA_SCHEMA)
        with database:
            for table, rows in _open_data_rows(data).items():
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    database.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            for table in ("faq", "pilots", "facts"):
                database.execute(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('rebuild')")
        database.execute(f"PRAGMA user_version = {OPEN_DATA_VERSION}")
        return write_atomically(
            target, lambda path: database.execute("VACUUM INTO ?", (path,)), protected
        )


def build_document(data: DataSet) -> dict[str, Any]:
    """`tp export json` (schemas/export.json): every record, each in its command's JSON form."""
    used_in, registry = answers_using(data.glossary, data.faq), data.registry()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")  # its day for reproducible builds, or today
    return {
        "tp_version": __version__,
        "exported": time.strftime("%Y-%m-%d", time.gmtime(int(epoch) if epoch.isdigit() else None)),
        "faq": [entry.to_json() for entry in data.faq],
        "pilots": [pilot.to_json(registry) for pilot in data.pilots],
        "categories": [category.to_json() for category in data.categories],
        "glossary": [term.to_json(used_in[term.term]) for term in data.glossary],
        "timeline": [event.to_json(registry) for event in timeline(data.events)],
        "facts": [fact.to_json(registry) for fact in data.facts],
        "sources": source_rows(data),
    }


def build_metadata(database_name: str) -> dict[str, Any]:
    """Datasette's metadata.json (`page/datasette-metadata.json`) for the database file named
    `database_name` (less .db). It gives no source URL: the FAQ page's address is not recorded."""
    metadata: dict[str, Any] = json.loads(_asset("datasette-metadata.json"))
    metadata["databases"] = {database_name: metadata["databases"]["DATABASE"]}
    return metadata


# The page's search index: what `page/page.js` needs to rank the FAQ as `tp ask --kind faq` does,
# since the page cannot run SQLite. It comes from `tp ask`'s own index (`store.build_index`):
# each entry's words as the tokenizer stems them, column by column (the page counts words and
# phrases from them), each written word's stem, the thesaurus by stems (the glossary's acronyms
# included), the English counts the rules read, and the rules' constants.

# The page carries the count of each English word at least this common (and of every word of
# the data and the thesaurus); any other word counts as an English word this common, for its
# information ("pothole" and "wigan" alike): the rules barely tell such rare words apart.
PAGE_ENGLISH_COUNT = 5000
PAGE_RULES = (  # the constants of search.py that page.js ranks and turns queries away with
    *("EXPANSION_WEIGHT", "COVERAGE_POWER", "RELATIVE_CUTOFF", "MIN_COVERAGE"),
    *("MAX_PHRASE_WORDS", "KEYNESS_FLOOR", "KEYNESS_CAP", "ANSWER_SHARE", "OFF_TOPIC_RATIO"),
    *("INFORMATION_TOTAL", "INFORMATION_SMOOTHING", "GENERIC_WORD_COUNT"),
)


def build_page_index(data: DataSet) -> dict[str, Any]:
    """The page's search index.

    Shape: {"columns", "rules", "slugs", "vocabulary": [stem], "tokens": [[[stem number] per
    column] per entry], "surface": {written word: documents}, "stems": {written word: stem (where
    they differ)}, "synonyms": {stems: [[stem]]}, "elsewhere": [[stem]], "english": {"4.3":
    "words counted about 10^4.3 times"}, "sizes": {"english"}, "stop": [function word]}.
    """
    english = data.english or store.english_word_counts()
    rules = (*data.thesaurus, *store.glossary_rules(data.glossary, english.counts))
    with contextlib.closing(sqlite3.connect(":memory:")) as database:
        # The English counts' total only: the page reads the counts from `english` below.
        counts = English({}, english.total)
        only_faq = DataSet(faq=data.faq, thesaurus=rules, elsewhere=data.elsewhere, english=counts)
        store.build_index(database, only_faq)
        instances = database.execute(
            "SELECT term, doc, col FROM vocabulary_instances ORDER BY doc, col, offset"
        ).fetchall()
        vocabulary = sorted({term for term, _, _ in instances})
        number = {stem: n for n, stem in enumerate(vocabulary)}
        columns = list(search.COLUMN_WEIGHTS)
        tokens: list[list[list[int]]] = [[[] for _ in columns] for _ in data.faq]
        for term, doc, column in instances:  # the entries are documents 1, 2, ...
            tokens[doc - 1][columns.index(column)].append(number[term])
        search.create_once(database, "words", search.WORDS_SCRIPT)
        surface = dict(database.execute("SELECT word, documents FROM words"))
        thesaurus_words = {w for rule in rules for text in rule.words for w in text.split()}
        thesaurus_words |= {word for phrase in data.elsewhere for word in phrase.split()}
        written = sorted({*surface, *(w.lower() for w in thesaurus_words)})
        stems = dict(zip(written, map(" ".join, search.stem_texts(database, written)), strict=True))
        expansions: dict[str, list[list[str]]] = {}
        rows = database.execute("SELECT stems, expansion FROM synonyms").fetchall()
        expanded = search.stem_texts(database, [expansion for _, expansion in rows])
        for (key, _), words in zip(rows, expanded, strict=True):
            if words and number.keys() >= set(words):  # an expansion the FAQ lacks finds nothing
                expansions.setdefault(key, []).append(list(words))
        (english_size,) = database.execute(
            "SELECT size FROM sizes WHERE name = 'english'"
        ).fetchone()
        elsewhere = database.execute("SELECT stems FROM elsewhere ORDER BY stems").fetchall()
    common = [w for w, n in english.counts.items() if n >= PAGE_ENGLISH_COUNT]
    ours = [w for w in written if w in english.counts]
    by_size: dict[str, list[str]] = {}  # counts to a tenth of their logarithm: all the rules read
    for word in sorted({*common, *ours}):
        by_size.setdefault(f"{math.log10(english.counts[word]):.1f}", []).append(word)
    constants = {name.lower(): getattr(search, name) for name in PAGE_RULES}
    weights = list(search.COLUMN_WEIGHTS.values())
    return {
        "columns": ["question", "asked", "keywords", "answer"],  # the title, asked, keywords, body
        "rules": constants
        | {"weights": weights, "common_word_count": search.COMMON_WORD_COUNT}
        | {"default_english_count": PAGE_ENGLISH_COUNT},
        "slugs": [entry.slug for entry in data.faq],
        "vocabulary": vocabulary,
        "tokens": tokens,
        "surface": surface,
        "stems": {word: stem for word, stem in stems.items() if word != stem},
        "synonyms": expansions,
        "elsewhere": [key.split() for (key,) in elsewhere],
        "english": {size: " ".join(words) for size, words in sorted(by_size.items())},
        "sizes": {"english": english_size},
        "stop": sorted(search.STOP_WORDS),  # function words count only when nothing else does
    }
