"""The shareable documents, rendered from the Jinja templates `page/page.html` and `page/page.md`:
one self-contained HTML page (style, script and search index inlined, allowed by hash in its
Content-Security-Policy; without the script only the controls are missing), and the same content
as Markdown. This module prepares the data; the templates hold the markup."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from functools import cache, partial
from html import escape
from importlib import resources
from operator import attrgetter
from typing import NamedTuple
from urllib.parse import quote, urlsplit

# Jinja2 costs start-up time: only `tp export` imports this module (cli.py imports it lazily).
import jinja2
from jinja2.nodes import EvalContext
from markupsafe import Markup

from totalplace_cli import __version__
from totalplace_cli.glossary import GlossaryTerm, mark_terms
from totalplace_cli.models import FaqEntry
from totalplace_cli.page_index import build_page_index
from totalplace_cli.pilot_models import Pilot
from totalplace_cli.pilots import regions
from totalplace_cli.programme import Programme, ProgrammeItem
from totalplace_cli.render import answer_blocks
from totalplace_cli.search import SynonymRule


class Dataset(NamedTuple):
    """What a document shows: the FAQ and the pilots, from one set of data files (and the
    thesaurus the page's search uses)."""

    faq: tuple[FaqEntry, ...]
    pilots: tuple[Pilot, ...]
    thesaurus: tuple[SynonymRule, ...] = ()


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

PilotFacts = Callable[[Pilot], Sequence[str]]
_NO_PROGRAMME = Programme()


def source_name(url: str) -> tuple[str, str]:
    """A readable (publisher, title) for a source from its address alone (nothing invented): the
    host name, and the page's name in its path ("field-trials-x" -> "Field trials x")."""
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


def _sources(pilots: Sequence[Pilot], programme: Programme) -> list[Source]:
    """Each source URL once, numbered in order of first use, with what uses it (each user once)."""
    used: dict[str, dict[str, None]] = {}
    for pilot in pilots:
        facts = (*pilot.themes, *pilot.figures, *pilot.field_trials)
        for url in (*pilot.sources, *(fact.source for fact in facts), pilot.authorities_source):
            if url:
                used.setdefault(url, {})[pilot.name] = None
    for item in (*programme.events, *programme.facts):
        used.setdefault(item.source, {})["The programme"] = None
    return [
        Source(number, url, *source_name(url), list(users))
        for number, (url, users) in enumerate(used.items(), 1)
    ]


@cache
def _asset(name: str) -> str:
    return resources.files("totalplace_cli").joinpath("page", name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
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
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&lt;" would show as "<": show it as typed
_BLOCK_MARKER = re.compile(r"^([ \t]*)(#{1,6}|\++|-+|=+)(?=\s|$)", re.MULTILINE)
_LIST_NUMBER = re.compile(r"^([ \t]*\d+)([.)])(?=\s|$)", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally: inline syntax and HTML escaped, no block syntax."""
    escaped = _ENTITY.sub(r"\\&", text.translate(_MARKDOWN_SPECIAL))
    escaped = _BLOCK_MARKER.sub(r"\1\\\2", escaped)
    return _LIST_NUMBER.sub(r"\1\\\2", escaped)


def markdown_address(url: str) -> str:
    """A URL safe inside Markdown's <...>: what could end it or start HTML is percent-encoded."""
    return quote(url, safe=":/?#@!$&'()*+,;=%~-._")


@jinja2.pass_eval_context
def _escape_as_html_module(context: EvalContext, value: object) -> object:
    """Jinja's autoescaping with `html.escape`'s entities (&quot; &#x27;) rather than MarkupSafe's
    (&#34; &#39;): as safe, and byte for byte the page tp has always written."""
    if context.autoescape and not hasattr(value, "__html__"):
        return Markup(escape(str(value)))
    return value


@cache
def _environment() -> jinja2.Environment:
    """The templates in `page/`, autoescaped when HTML; a tag alone on its line leaves no trace."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("totalplace_cli", "page"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        finalize=_escape_as_html_module,
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


def _programme_parts(programme: Programme) -> list[tuple[str, Sequence[ProgrammeItem]]]:
    """The programme's headed lists, those that have anything in them."""
    parts = [("Timeline", programme.timeline()), ("In figures", programme.facts)]
    return [(heading, items) for heading, items in parts if items]


def _render(
    template_name: str,
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm],
    themes_of: PilotFacts,
    programme: Programme,
    **details: object,
) -> str:
    """Fill a template with what both documents show; `details` are one format's own."""
    sources = _sources(dataset.pilots, programme)
    themes = {pilot.id: list(themes_of(pilot)) for pilot in dataset.pilots}
    all_themes = {theme for listed in themes.values() for theme in listed}
    template = _environment().get_template(template_name)
    return template.render(
        faq=dataset.faq,
        pilots=dataset.pilots,
        themes=themes,
        all_themes=sorted(all_themes, key=str.casefold),
        glossary=glossary,
        programme=_programme_parts(programme),
        sources=sources,
        numbers={source.url: source.number for source in sources},
        generated=generated_date(),
        version=__version__,
        site_url=SITE_URL,
        site_name=SITE_NAME,
        **details,
    )


def build_html(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = attrgetter("categories"),
    programme: Programme = _NO_PROGRAMME,
) -> str:
    """The whole page: questions opening to their answers, pilots, programme, glossary, sources."""
    style, script = _asset("page.css"), _asset("page.js")
    found = build_page_index(dataset.faq, glossary, dataset.thesaurus)
    index = json.dumps(found, separators=(",", ":"))
    policy = (
        f"default-src 'none'; style-src '{_hash(style)}'; script-src '{_hash(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return _render(
        "page.html",
        dataset,
        glossary,
        themes_of,
        programme,
        regions=regions(dataset.pilots),
        mark=partial(mark_terms, glossary),
        policy=policy,
        style=style,
        script=script,
        # JSON that cannot end its <script> element early (`</script>`, `<!--`).
        index=index.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
    )


def build_markdown(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = attrgetter("categories"),
    programme: Programme = _NO_PROGRAMME,
) -> str:
    """The same content as the HTML page, as Markdown (answers word for word)."""
    return _render("page.md", dataset, glossary, themes_of, programme)
