"""The shareable documents, rendered from the Jinja templates `page/page.html` and `page/page.md`:
one self-contained HTML page (style, script and search index inlined, allowed by hash in its
Content-Security-Policy; without the script only the controls are missing), and the same content
as Markdown. This module prepares the data; the templates hold the markup."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from collections.abc import Iterable, Sequence
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from totalplace_cli import __version__
from totalplace_cli.errors import UsageError
from totalplace_cli.loading import NOT_REGULAR, shown_path
from totalplace_cli.lookup import category_labels, mark_terms, regions
from totalplace_cli.models import DataSet, Pilot, ProgrammeItem, timeline
from totalplace_cli.page_index import build_page_index
from totalplace_cli.render import answer_blocks
from totalplace_cli.store import replacing

if TYPE_CHECKING:
    import jinja2


class Source(NamedTuple):
    """A page the documents cite: its number there, its address and name, and what uses it."""

    number: int
    url: str
    publisher: str
    title: str
    users: list[str]


# No source we hold records the FAQ page's own address: the header links to the programme's site
# index (research/pilots.md), named for what it is.
SITE_URL = "https://www.leadershipcentre.org.uk/totalplace/totalplaces/index.html"
SITE_NAME = "Total Place website, Leadership Centre for Local Government"


def source_name(url: str) -> tuple[str, str]:
    """A readable (publisher, title) for a source from its address alone (nothing invented): the
    host name, and the page's name in its path ("field-trials-x" -> "Field trials x")."""
    from urllib.parse import urlsplit  # costs start-up time: only an export pays for it

    parts = urlsplit(url)
    host = (parts.hostname or url).removeprefix("www.")
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and re.fullmatch(r"index\.html?", segments[-1]):
        segments.pop()
    name = re.sub(r"\.(html?|php|aspx?)$", "", segments[-1]) if segments else ""
    words = re.sub(r"[-_]+", " ", name).strip()
    if len(segments) > 1 and segments[-2] == "pilot":
        return host, f"Pilot page: {words[:1].upper()}{words[1:]}"
    return host, (words[:1].upper() + words[1:]) if words else "Home page"


def _sources(pilots: Sequence[Pilot], programme: Iterable[ProgrammeItem]) -> list[Source]:
    """Each source URL once, numbered in order of first use, with what uses it (each user once)."""
    used: dict[str, dict[str, None]] = {}
    for pilot in pilots:
        facts = (*pilot.themes, *pilot.figures, *pilot.field_trials)
        for url in (*pilot.sources, *(fact.source for fact in facts), pilot.authorities_source):
            if url:
                used.setdefault(url, {})[pilot.name] = None
    for item in programme:
        used.setdefault(item.source, {})["The programme"] = None
    return [
        Source(number, url, *source_name(url), list(users))
        for number, (url, users) in enumerate(used.items(), 1)
    ]


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


def readable_date(date: str) -> str:
    """An ISO date, whole or partial, as GOV.UK writes it ("2010-03-25" -> "25 March 2010",
    "2009-10" -> "October 2009"); others unchanged."""
    for pattern, shown in (("%Y-%m-%d", "{day} %B %Y"), ("%Y-%m", "%B %Y")):
        try:
            moment = time.strptime(date, pattern)
        except ValueError:
            continue
        return time.strftime(shown.format(day=moment.tm_mday), moment)
    return date


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
    """Fill a template with what both documents show; `details` are one format's own."""
    programme = [("Timeline", timeline(data.events)), ("In figures", list(data.facts))]
    sources = _sources(data.pilots, (*data.events, *data.facts))
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
            numbers={source.url: source.number for source in sources},
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
    index = json.dumps(build_page_index(data.faq, data.glossary), separators=(",", ":"))
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


# Writing an export to a file the user names.


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


def write_atomically(target: Path, text: str, protected: Iterable[Path] = ()) -> int:
    """Write `text` (UTF-8) to `target`; return the number of bytes. A regular file is replaced
    whole or not at all, through any links (they survive); a terminal, /dev/null, a FIFO or a
    descriptor (/dev/stdout) is written directly, as the shell's `>` would. Anything else, and
    the `protected` files (the data in use), is refused with a UsageError."""
    shown = shown_path(target)
    clash = _same_file(target, protected)
    if clash is not None:
        raise UsageError(
            f"refusing to write over {shown}: it is a data file tp reads ({shown_path(clash)}); "
            "choose another file"
        )
    data = text.encode("utf-8")
    try:
        # What `target` names: the link's target for a link, a descriptor's file in /proc.
        resolved = Path(os.path.realpath(target))
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:  # absent, or a link to nothing: created as a new file
            mode = stat.S_IFREG
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or resolved.parts[1:2] == ("proc",):
            with open(target, "wb") as stream:  # truncated, not replaced; written in parts
                stream.write(data)
        elif not stat.S_ISREG(mode):
            why = NOT_REGULAR.get(stat.S_IFMT(mode), "is not a regular file")
            raise UsageError(f"cannot write {shown}: it {why}")
        else:
            with replacing(resolved) as temporary, open(temporary, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
                os.chmod(temporary, _new_file_mode(resolved))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"cannot write {shown}: {reason}") from None
    return len(data)
