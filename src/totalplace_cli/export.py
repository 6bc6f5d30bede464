"""The shareable documents, filling in `page/page.html` and `page/page.md`: one self-contained
HTML page (style, script and search index inlined, allowed by hash in its Content-Security-Policy;
without the script only the controls are missing), and the same content as Markdown."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from html import escape
from importlib import resources
from operator import attrgetter
from string import Template
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from totalplace_cli import __version__
from totalplace_cli.glossary import GlossaryTerm, mark_terms
from totalplace_cli.models import FaqEntry
from totalplace_cli.page_index import build_page_index
from totalplace_cli.pilot_models import Pilot, SourcedText
from totalplace_cli.pilots import regions
from totalplace_cli.programme import Programme, ProgrammeItem
from totalplace_cli.render import answer_blocks


class Dataset(NamedTuple):
    """What a document shows: the FAQ and the pilots, from one set of data files."""

    faq: tuple[FaqEntry, ...]
    pilots: tuple[Pilot, ...]


# No source we hold records the FAQ page's own address: the header links to the programme's site
# index (research/pilots.md), named for what it is.
SITE_URL = "https://www.leadershipcentre.org.uk/totalplace/totalplaces/index.html"
SITE_NAME = "Total Place website, Leadership Centre for Local Government"
NOT_RECORDED = "Not recorded in the sources we hold"
BEYOND_THE_FAQ = (
    "Beyond the FAQ: what happened after it was written, from the sources named, not the "
    "FAQ\u2019s own words."
)
_AND_AFTER = " and about what happened after the FAQ"

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


def _sources(pilots: Sequence[Pilot], programme: Programme) -> dict[str, dict[str, None]]:
    """Each source URL once, in order of first use, with what uses it (each user once)."""
    used: dict[str, dict[str, None]] = {}
    for pilot in pilots:
        facts = (*pilot.themes, *pilot.figures, *pilot.field_trials)
        for url in (*pilot.sources, *(fact.source for fact in facts), pilot.authorities_source):
            if url:
                used.setdefault(url, {})[pilot.name] = None
    for item in (*programme.events, *programme.facts):
        used.setdefault(item.source, {})["The programme"] = None
    return used


@cache
def _asset(name: str) -> str:
    return resources.files("totalplace_cli").joinpath("page", name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _lines(lines: Iterable[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


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


def _programme_parts(programme: Programme) -> list[tuple[str, Sequence[ProgrammeItem]]]:
    parts = [("Timeline", programme.timeline()), ("In figures", programme.facts)]
    return [(heading, items) for heading, items in parts if items]


# --- HTML ----------------------------------------------------------------------------------------


def _marked_html(text: str, glossary: Sequence[GlossaryTerm]) -> str:
    """Escaped text with each acronym in an <abbr> giving its expansion (text unchanged)."""
    return "".join(
        escape(piece)
        if term is None
        else f'<abbr title="{escape(term.expansion)}">{escape(piece)}</abbr>'
        for piece, term in mark_terms(glossary, text)
    )


def _question_html(entry: FaqEntry, glossary: Sequence[GlossaryTerm]) -> list[str]:
    slug = escape(entry.slug)
    html = [
        f'<details class="question" id="{slug}">',
        f'<summary><h3 class="question-heading"><span class="number">{entry.id}.</span> '
        f"{escape(entry.question)}</h3>"
        '<span class="toggle" aria-hidden="true"></span></summary>',
        '<div class="answer">',
    ]
    for block in answer_blocks(entry.answer):
        if isinstance(block, str):
            html.append(f"<p>{_marked_html(block, glossary)}</p>")
            continue
        header, *body = block
        html.append('<div class="table-wrap"><table>')
        cells = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in header)
        html.append(f"<thead><tr>{cells}</tr></thead><tbody>")
        for row in body:
            cells = "".join(f"<td>{_marked_html(cell, glossary)}</td>" for cell in row)
            html.append(f"<tr>{cells}</tr>")
        html.append("</tbody></table></div>")
    return [
        *html,
        f'<p class="permalink"><a href="#{slug}">Link to this question'
        f'<span class="visually-hidden">: {escape(entry.question)}</span></a></p>',
        "</div></details>",
    ]


def _select_html(name: str, label: str, everything: str, values: Sequence[str]) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return (
        f'<div class="field"><label for="pilot-{name}">{label}</label>'
        f'<select id="pilot-{name}" aria-controls="pilot-table">'
        f'<option value="">{everything}</option>{options}</select></div>'
    )


def _ref(url: str, numbers: Mapping[str, int]) -> str:
    number = numbers[url]
    return f'<a class="ref" href="#source-{number}" aria-label="source {number}">[{number}]</a>'


def _facts_html(label: str, facts: Sequence[SourcedText], numbers: Mapping[str, int]) -> list[str]:
    items = "".join(f"<li>{escape(f.text)} {_ref(f.source, numbers)}</li>" for f in facts)
    return [f"<dt>{label}</dt><dd><ul>{items}</ul></dd>"] if facts else []


def _pilot_data(pilot: Pilot, themes: Sequence[str]) -> str:
    """The attributes the page's filters read, on a pilot's table row and its article."""
    return f'data-region="{escape(pilot.region)}" data-themes="{escape(json.dumps(list(themes)))}"'


def _pilot_html(pilot: Pilot, themes: Sequence[str], numbers: Mapping[str, int]) -> list[str]:
    pilot_id = escape(pilot.id)
    html = [
        f'<article class="pilot" id="pilot-{pilot_id}" {_pilot_data(pilot, themes)} '
        f'aria-labelledby="pilot-{pilot_id}-name">',
        f'<h3 id="pilot-{pilot_id}-name">{escape(pilot.name)}</h3><dl>',
        f"<dt>Region</dt><dd>{escape(pilot.region)}</dd>",
    ]
    if pilot.official_name:
        html.append(f"<dt>Official name</dt><dd>{escape(pilot.official_name)}</dd>")
    html += _facts_html("Themes", pilot.themes, numbers) or [
        f'<dt>Themes</dt><dd class="not-recorded">{NOT_RECORDED}</dd>'
    ]
    if pilot.authorities:
        members = "; ".join(escape(member) for member in pilot.authorities)
        source = _ref(pilot.authorities_source, numbers) if pilot.authorities_source else ""
        html.append(f"<dt>Members</dt><dd>{members} {source}</dd>")
    html += _facts_html("Figures", pilot.figures, numbers)
    html += _facts_html("Field trials", pilot.field_trials, numbers)
    return [*html, "</dl></article>"]


def _pilot_row(pilot: Pilot, themes: Sequence[str] | None) -> str:
    """A pilot's row in the table; `themes` None when no pilot has any (no Themes column)."""
    row = (
        f'<tr {_pilot_data(pilot, themes or ())}><th scope="row">'
        f'<a href="#pilot-{escape(pilot.id)}">{escape(pilot.name)}</a></th>'
        f'<td data-label="Region">{escape(pilot.region)}</td>'
    )
    if themes is not None:
        listed = escape("; ".join(themes)) or f'<span class="not-recorded">{NOT_RECORDED}</span>'
        row += f'<td data-label="Themes">{listed}</td>'
    return f"{row}</tr>"


def _programme_html(programme: Programme, numbers: Mapping[str, int]) -> list[str]:
    if not programme:
        return []
    html = [
        '<section aria-labelledby="programme-heading" class="beyond">',
        '<h2 id="programme-heading">What happened next</h2>',
        f'<p class="lead">{escape(BEYOND_THE_FAQ)}</p>',
    ]
    for heading, items in _programme_parts(programme):
        html += [f"<h3>{heading}</h3>", '<ul class="timeline">']
        for item in items:
            when = ""
            if date := item.date:
                when = f'<time datetime="{escape(date)}">{escape(readable_date(date))}</time>: '
            html.append(f"<li>{when}{escape(item.text)} {_ref(item.source, numbers)}</li>")
        html.append("</ul>")
    return [*html, "</section>"]


def _glossary_html(glossary: Sequence[GlossaryTerm]) -> list[str]:
    if not glossary:
        return []
    html = [
        '<section aria-labelledby="glossary-heading">',
        '<h2 id="glossary-heading">Glossary</h2>',
        "<p>Acronyms of the FAQ and of Total Place. Those the FAQ spells out itself "
        "are given in its own words; the others are general knowledge, widely documented.</p>",
        '<dl class="glossary">',
    ]
    not_in_faq = ' <span class="used-for">(not spelt out in the FAQ)</span>'
    for term in glossary:
        note = "" if term.source == "faq" else not_in_faq
        html.append(f"<dt>{escape(term.term)}</dt><dd>{escape(term.expansion)}{note}</dd>")
    return [*html, "</dl>", "</section>"]


def _source_html(number: int, url: str, users: Iterable[str]) -> str:
    publisher, title = source_name(url)
    used_for = f' <span class="used-for">({escape(", ".join(users))})</span>'
    link = f'<a href="{escape(url)}">{escape(publisher)}: {escape(title)}</a>'
    return f'<li id="source-{number}">{link}{used_for}</li>'


def build_html(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = attrgetter("categories"),
    programme: Programme = _NO_PROGRAMME,
) -> str:
    """The whole page: questions opening to their answers, pilots, programme, glossary, sources."""
    used = _sources(dataset.pilots, programme)
    numbers = {url: number for number, url in enumerate(used, 1)}
    sections = [
        ("questions-heading", "Questions"),
        ("pilots-heading", "Pilot areas"),
        *([("programme-heading", "What happened next")] if programme else []),
        *([("glossary-heading", "Glossary")] if glossary else []),
        ("sources-heading", "Sources"),
    ]
    themes = {pilot.id: list(themes_of(pilot)) for pilot in dataset.pilots}
    all_themes = sorted({t for listed in themes.values() for t in listed}, key=str.casefold)
    filters = _select_html("region", "Region", "All regions", regions(dataset.pilots))
    if all_themes:
        filters += _select_html("theme", "Theme", "All themes", all_themes)
    headers = ["Pilot area", "Region", *(["Themes"] if all_themes else [])]
    style, script = _asset("page.css"), _asset("page.js")
    index = json.dumps(build_page_index(dataset.faq, glossary), separators=(",", ":"))
    policy = (
        f"default-src 'none'; style-src '{_hash(style)}'; script-src '{_hash(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return Template(_asset("page.html")).substitute(
        policy=escape(policy, quote=False),
        version=escape(__version__),
        style=style,
        generated=generated_date(),
        site_url=SITE_URL,
        site_name=escape(SITE_NAME),
        nav="".join(f'<li><a href="#{anchor}">{name}</a></li>' for anchor, name in sections),
        pilot_count=len(dataset.pilots),
        and_after=_AND_AFTER if programme else "",
        questions=_lines(line for e in dataset.faq for line in _question_html(e, glossary)),
        pilot_filters=filters,
        pilot_headers="".join(f'<th scope="col">{h}</th>' for h in headers),
        pilot_rows=_lines(
            _pilot_row(p, themes[p.id] if all_themes else None) for p in dataset.pilots
        ),
        pilot_articles=_lines(
            line for p in dataset.pilots for line in _pilot_html(p, themes[p.id], numbers)
        ),
        programme=_lines(_programme_html(programme, numbers)),
        glossary=_lines(_glossary_html(glossary)),
        sources=_lines(
            _source_html(n, url, users) for n, (url, users) in enumerate(used.items(), 1)
        ),
        # JSON that cannot end its <script> element early (`</script>`, `<!--`).
        index=index.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
        script=script,
    )


# --- Markdown ------------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&lt;" would show as "<": show it as typed
_BLOCK_MARKER = re.compile(r"^([ \t]*)(#{1,6}|\++|-+|=+)(?=\s|$)", re.MULTILINE)
_LIST_NUMBER = re.compile(r"^([ \t]*\d+)([.)])(?=\s|$)", re.MULTILINE)


def _md(text: str) -> str:
    """Text that Markdown shows literally: inline syntax and HTML escaped, no block syntax."""
    escaped = _ENTITY.sub(r"\\&", text.translate(_MARKDOWN_SPECIAL))
    escaped = _BLOCK_MARKER.sub(r"\1\\\2", escaped)
    return _LIST_NUMBER.sub(r"\1\\\2", escaped)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_md(cell).replace("\n", " ") for cell in cells) + " |"

    return [row(header), "| " + " | ".join("---" for _ in header) + " |", *map(row, rows), ""]


def _md_facts(label: str, facts: Sequence[SourcedText], numbers: Mapping[str, int]) -> list[str]:
    return [f"- {label}: {_md(fact.text)} [{numbers[fact.source]}]" for fact in facts]


def _question_md(entry: FaqEntry) -> list[str]:
    lines = [f"### {entry.id}. {_md(entry.question)}", ""]
    for block in answer_blocks(entry.answer):
        lines += [_md(block), ""] if isinstance(block, str) else _md_table(block[0], block[1:])
    return lines


def _pilot_md(pilot: Pilot, numbers: Mapping[str, int]) -> list[str]:
    lines = [f"### {_md(pilot.name)}", "", f"- Region: {_md(pilot.region)}"]
    if pilot.official_name:
        lines.append(f"- Official name: {_md(pilot.official_name)}")
    lines += _md_facts("Theme", pilot.themes, numbers) or [f"- Themes: {NOT_RECORDED}"]
    if pilot.authorities:
        source = f" [{numbers[pilot.authorities_source]}]" if pilot.authorities_source else ""
        lines.append(f"- Members: {_md('; '.join(pilot.authorities))}{source}")
    lines += _md_facts("Figure", pilot.figures, numbers)
    return [*lines, *_md_facts("Field trial", pilot.field_trials, numbers), ""]


def _programme_md(programme: Programme, numbers: Mapping[str, int]) -> list[str]:
    if not programme:
        return []
    lines = ["## What happened next", "", _md(BEYOND_THE_FAQ), ""]
    for heading, items in _programme_parts(programme):
        lines += [f"### {heading}", ""]
        for item in items:
            when = f"{readable_date(item.date)}: " if item.date else ""
            lines.append(f"- {_md(when)}{_md(item.text)} [{numbers[item.source]}]")
        lines.append("")
    return lines


def build_markdown(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = attrgetter("categories"),
    programme: Programme = _NO_PROGRAMME,
) -> str:
    """The same content as the HTML page, as Markdown (answers word for word)."""
    used = _sources(dataset.pilots, programme)
    numbers = {url: number for number, url in enumerate(used, 1)}
    themes = {pilot.id: list(themes_of(pilot)) for pilot in dataset.pilots}
    with_themes = any(themes.values())
    header = ["Pilot area", "Region", *(["Themes"] if with_themes else [])]
    rows = [
        [p.name, p.region, *(["; ".join(themes[p.id]) or NOT_RECORDED] if with_themes else [])]
        for p in dataset.pilots
    ]
    glossary_rows = [
        [t.term, t.expansion, "the FAQ" if t.source == "faq" else str(t.provenance)]
        for t in glossary
    ]
    sources = []
    for number, (url, users) in enumerate(used.items(), 1):
        publisher, title = source_name(url)
        used_for = f" ({_md(', '.join(users))})"
        # A URL safe inside <...>: anything that could end it or start HTML is percent-encoded.
        address = quote(url, safe=":/?#@!$&'()*+,;=%~-._")
        sources.append(f"{number}. {_md(publisher)}: {_md(title)} <{address}>{used_for}")
    return Template(_asset("page.md")).substitute(
        generated=generated_date(),
        version=__version__,
        site_name=_md(SITE_NAME),
        site_url=SITE_URL,
        pilot_count=len(dataset.pilots),
        and_after=_AND_AFTER if programme else "",
        questions=_lines(line for entry in dataset.faq for line in _question_md(entry)),
        pilot_table=_lines(_md_table(header, rows)),
        pilots=_lines(line for pilot in dataset.pilots for line in _pilot_md(pilot, numbers)),
        programme=_lines(_programme_md(programme, numbers)),
        glossary=_lines(
            ["## Glossary", "", *_md_table(["Acronym", "Expansion", "Source"], glossary_rows)]
            if glossary
            else []
        ),
        sources=_lines(sources),
    )
