"""The shareable documents, rendered from the Jinja templates `page/page.html` and `page/page.md`:
one self-contained HTML page (style, script and search index inlined, allowed by hash in its
Content-Security-Policy; without the script only the controls are missing), and the same content
as Markdown. This module prepares the data; the templates hold the markup."""

from __future__ import annotations

import errno
import json
import os
import re
import time
from collections.abc import Iterable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from totalplace_cli import __version__
from totalplace_cli.errors import UsageError
from totalplace_cli.lookup import category_labels, mark_terms, regions
from totalplace_cli.models import DataSet, timeline
from totalplace_cli.page_index import build_page_index
from totalplace_cli.render import answer_blocks, readable_date
from totalplace_cli.store import replacing

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
    """Write `text` (UTF-8) to `target`; return the number of bytes. Refuses (UsageError) a
    target that is one of the `protected` files, such as the data in use."""
    clash = _same_file(target, protected)
    if clash is not None:
        raise UsageError(
            f"refusing to write over {target}: it is a data file tp reads ({clash}); "
            "choose another file"
        )
    data = text.encode("utf-8")
    try:
        if os.path.isdir(target):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        with replacing(target) as temporary, open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.chmod(temporary, _new_file_mode(target))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"cannot write {target}: {reason}") from None
    return len(data)
