"""Build the shareable documents: one self-contained HTML page, and the same content as Markdown.

Pure functions from the loaded data to a string; the CLI decides where it goes. The page loads
nothing from elsewhere: its style sheet and script (`page/page.css`, `page/page.js`) are inlined
and allowed by hash in its Content-Security-Policy, and its search index (`page_index.py`) is
inlined as JSON. It reads fine without the script: only the controls need it, and they stay
hidden until it runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from html import escape
from importlib import resources
from urllib.parse import quote, urlsplit

from totalplace_cli import __version__
from totalplace_cli.glossary import GlossaryTerm, mark_terms
from totalplace_cli.models import Dataset, FaqEntry
from totalplace_cli.page_index import build_page_index
from totalplace_cli.pilot_models import Pilot, SourcedText
from totalplace_cli.pilots import regions
from totalplace_cli.render import answer_blocks

TITLE = "Total Place: frequently asked questions"
FAQ_PUBLISHED = "2009"
# No source we hold records the FAQ page's own address: the header links to the programme's site
# index (research/pilots.md), named for what it is.
SITE_URL = "https://www.leadershipcentre.org.uk/totalplace/totalplaces/index.html"
SITE_NAME = "Total Place website, Leadership Centre for Local Government"
NO_FAQ_ADDRESS = "the FAQ page\u2019s own address is not recorded in the sources we hold"
NOT_RECORDED = "Not recorded in the sources we hold"
FAQ_PROVENANCE = (
    "Questions and answers: the official Total Place \u201cFrequently asked questions\u201d page, "
    "word for word, in the order of the page\u2019s body."
)
PILOTS_PROVENANCE = (
    "Pilot areas and regions: the table in the FAQ\u2019s answer to "
    "\u201cWhere are the pilots?\u201d; everything else about a pilot comes from the pages below."
)
GLOSSARY_PROVENANCE = (
    "Glossary: acronyms the FAQ spells out are explained in its own words; the others are "
    "general knowledge, widely documented."
)
BEYOND_THE_FAQ = (
    "Beyond the FAQ: what happened after it was written, from the sources named, not the "
    "FAQ\u2019s own words."
)

_AND_AFTER = " and about what happened after the FAQ"

PilotFacts = Callable[[Pilot], Sequence[str]]
# One dated event or headline figure of the programme, as `tp timeline --json` / `tp facts --json`
# give it: {"date", "event" or "fact", "source", ...}; the date may be None.
ProgrammeItem = Mapping[str, str | None]


def pilot_themes(pilot: Pilot) -> tuple[str, ...]:
    """The theme categories a pilot explored (ids), for the page's theme filter and column."""
    return pilot.categories


def pilot_sources(pilot: Pilot) -> tuple[str, ...]:
    """The URLs a pilot's facts come from."""
    return pilot.sources


def source_name(url: str) -> tuple[str, str]:
    """A readable (publisher, title) for a source, from its address alone (nothing invented).

    The publisher is the site's host name; the title is the page's own name in its address
    ("field-trials-to-take-total-place-forward" -> "Field trials to take total place forward").
    """
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


def _sources(
    pilots: Sequence[Pilot], sources_of: PilotFacts, programme: Sequence[ProgrammeItem]
) -> dict[str, list[str]]:
    """Each source URL once, in order of first use, with what it is used for."""
    used: dict[str, list[str]] = {}
    for pilot in pilots:
        facts = (*pilot.themes, *pilot.figures, *pilot.field_trials)
        urls = [*sources_of(pilot), *(fact.source for fact in facts)]
        if pilot.authorities_source:
            urls.append(pilot.authorities_source)
        for url in dict.fromkeys(urls):
            used.setdefault(url, []).append(pilot.name)
    for item in programme:
        users = used.setdefault(str(item["source"]), [])
        if "The programme" not in users:
            users.append("The programme")
    return used


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


def readable_date(date: str | None) -> str:
    """An ISO date, whole or partial, as GOV.UK writes it ("2010-03-25" -> "25 March 2010",
    "2009-10" -> "October 2009"); others unchanged, none empty."""
    for pattern, shown in (("%Y-%m-%d", "{day} %B %Y"), ("%Y-%m", "%B %Y")):
        try:
            moment = time.strptime(date or "", pattern)
        except ValueError:
            continue
        return time.strftime(shown.format(day=moment.tm_mday), moment)
    return date or ""


# --- HTML ----------------------------------------------------------------------------------------


def _marked_html(text: str, glossary: Sequence[GlossaryTerm]) -> str:
    """Escaped text with each acronym in an <abbr> giving its expansion (text unchanged)."""
    return "".join(
        escape(piece)
        if term is None
        else f'<abbr title="{escape(term.expansion)}">{escape(piece)}</abbr>'
        for piece, term in mark_terms(glossary, text)
    )


def _answer_html(answer: str, glossary: Sequence[GlossaryTerm]) -> list[str]:
    html: list[str] = []
    for block in answer_blocks(answer):
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
    return html


def _questions_html(faq: Sequence[FaqEntry], glossary: Sequence[GlossaryTerm]) -> list[str]:
    html = [
        '<section aria-labelledby="questions-heading">',
        '<h2 id="questions-heading">Questions</h2>',
        '<div class="filters" data-needs-script hidden>',
        '<div class="field wide"><label for="question-search">Search the questions and answers'
        "</label>",
        '<p class="hint" id="question-search-hint">Best match first. Words match their other '
        "forms (saved, savings) and small typos are forgiven.</p>",
        '<input type="search" id="question-search" autocomplete="off" spellcheck="false" '
        'aria-describedby="question-search-hint" aria-controls="question-list"></div>',
        "</div>",
        '<p class="status" id="question-status" role="status" aria-live="polite"></p>',
        '<div class="no-results" id="no-results" hidden>',
        '<p>No question or answer matches \u201c<span id="no-results-query"></span>\u201d. '
        "You could:</p>",
        "<ul><li>check the spelling</li><li>use fewer words, or more general ones "
        "(\u201csavings\u201d, \u201cpilots\u201d)</li><li>try an acronym or what it stands for "
        "(\u201cHMT\u201d, \u201cHM Treasury\u201d)</li></ul>",
        '<button type="button" class="button" id="clear-search">Clear the search</button>',
        "</div>",
        '<div class="accordion-controls" data-needs-script hidden>'
        '<button type="button" class="link-button" id="toggle-all" aria-expanded="false" '
        'aria-controls="question-list">Show all sections</button></div>',
        '<div id="question-list">',
    ]
    for entry in faq:
        slug = escape(entry.slug)
        html += [
            f'<details class="question" id="{slug}">',
            f'<summary><h3 class="question-heading"><span class="number">{entry.id}.</span> '
            f"{escape(entry.question)}</h3>"
            '<span class="toggle" aria-hidden="true"></span></summary>',
            '<div class="answer">',
            *_answer_html(entry.answer, glossary),
            f'<p class="permalink"><a href="#{slug}">Link to this question'
            f'<span class="visually-hidden">: {escape(entry.question)}</span></a></p>',
            "</div></details>",
        ]
    html += ["</div>", "</section>"]
    return html


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


def _facts_html(label: str, facts: Sequence[SourcedText], numbers: Mapping[str, int]) -> str:
    if not facts:
        return ""
    items = "".join(f"<li>{escape(f.text)} {_ref(f.source, numbers)}</li>" for f in facts)
    return f"<dt>{label}</dt><dd><ul>{items}</ul></dd>"


def _pilot_html(pilot: Pilot, themes: Sequence[str], numbers: Mapping[str, int]) -> list[str]:
    data = f'data-region="{escape(pilot.region)}" data-themes="{escape(json.dumps(list(themes)))}"'
    html = [
        f'<article class="pilot" id="pilot-{escape(pilot.id)}" {data} '
        f'aria-labelledby="pilot-{escape(pilot.id)}-name">',
        f'<h3 id="pilot-{escape(pilot.id)}-name">{escape(pilot.name)}</h3><dl>',
        f"<dt>Region</dt><dd>{escape(pilot.region)}</dd>",
    ]
    if pilot.official_name:
        html.append(f"<dt>Official name</dt><dd>{escape(pilot.official_name)}</dd>")
    themes_html = _facts_html("Themes", pilot.themes, numbers)
    html.append(themes_html or f'<dt>Themes</dt><dd class="not-recorded">{NOT_RECORDED}</dd>')
    if pilot.authorities:
        members = "; ".join(escape(member) for member in pilot.authorities)
        source = _ref(pilot.authorities_source, numbers) if pilot.authorities_source else ""
        html.append(f"<dt>Members</dt><dd>{members} {source}</dd>")
    html.append(_facts_html("Figures", pilot.figures, numbers))
    html.append(_facts_html("Field trials", pilot.field_trials, numbers))
    html += ["</dl></article>"]
    return html


def _pilots_html(
    pilots: Sequence[Pilot], themes_of: PilotFacts, numbers: Mapping[str, int]
) -> list[str]:
    themes = {pilot.id: list(themes_of(pilot)) for pilot in pilots}
    all_themes = sorted({t for listed in themes.values() for t in listed}, key=str.casefold)
    controls = _select_html("region", "Region", "All regions", regions(pilots))
    if all_themes:
        controls += _select_html("theme", "Theme", "All themes", all_themes)
    headers = ["Pilot area", "Region", *(["Themes"] if all_themes else [])]
    html = [
        '<section aria-labelledby="pilots-heading">',
        '<h2 id="pilots-heading">Pilot areas</h2>',
        f'<div class="filters" data-needs-script hidden>{controls}</div>',
        '<p class="status" id="pilot-status" role="status" aria-live="polite"></p>',
        '<table id="pilot-table">',
        f"<caption>The {len(pilots)} Total Place pilot areas</caption>",
        "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in headers) + "</tr></thead>",
        "<tbody>",
    ]
    for pilot in pilots:
        cells = [
            f'<th scope="row"><a href="#pilot-{escape(pilot.id)}">{escape(pilot.name)}</a></th>',
            f'<td data-label="Region">{escape(pilot.region)}</td>',
        ]
        if all_themes:
            listed = themes[pilot.id]
            text = (
                escape("; ".join(listed))
                if listed
                else f'<span class="not-recorded">{NOT_RECORDED}</span>'
            )
            cells.append(f'<td data-label="Themes">{text}</td>')
        html.append(
            f'<tr data-region="{escape(pilot.region)}" '
            f'data-themes="{escape(json.dumps(themes[pilot.id]))}">{"".join(cells)}</tr>'
        )
    html += ["</tbody></table>", "<h3>About each pilot</h3>", '<div class="pilots">']
    for pilot in pilots:
        html += _pilot_html(pilot, themes[pilot.id], numbers)
    html += ["</div>", "</section>"]
    return html


def _timeline_and_figures(
    programme: Sequence[ProgrammeItem],
) -> list[tuple[str, Sequence[ProgrammeItem], str]]:
    """(heading, items, key): the events by date (a partial date before the days within it),
    then the figures in the data's order."""
    events = sorted((item for item in programme if "event" in item), key=lambda i: i["date"] or "")
    facts = [item for item in programme if "fact" in item]
    return [("Timeline", events, "event"), ("In figures", facts, "fact")]


def _programme_html(programme: Sequence[ProgrammeItem], numbers: Mapping[str, int]) -> list[str]:
    """The timeline and headline figures; nothing at all when there are none."""
    if not programme:
        return []
    html = [
        '<section aria-labelledby="programme-heading" class="beyond">',
        '<h2 id="programme-heading">What happened next</h2>',
        f'<p class="lead">{escape(BEYOND_THE_FAQ)}</p>',
    ]
    for heading, items, key in _timeline_and_figures(programme):
        if items:
            html += [f"<h3>{heading}</h3>", '<ul class="timeline">']
            html += [
                "<li>"
                + (
                    f'<time datetime="{escape(date)}">{escape(readable_date(date))}</time>: '
                    if (date := item.get("date"))
                    else ""
                )
                + f"{escape(str(item[key]))} {_ref(str(item['source']), numbers)}</li>"
                for item in items
            ]
            html.append("</ul>")
    html.append("</section>")
    return html


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
    for term in glossary:
        note = (
            ""
            if term.source == "faq"
            else ' <span class="used-for">(not spelt out in the FAQ)</span>'
        )
        html.append(f"<dt>{escape(term.term)}</dt><dd>{escape(term.expansion)}{note}</dd>")
    html += ["</dl>", "</section>"]
    return html


def _sources_html(used: Mapping[str, Sequence[str]]) -> list[str]:
    html = [
        '<section aria-labelledby="sources-heading">',
        '<h2 id="sources-heading">Sources</h2>',
        f"<p>{escape(FAQ_PROVENANCE)}</p>",
        f"<p>{escape(PILOTS_PROVENANCE)}</p>",
        '<ol class="sources">',
    ]
    for number, (url, users) in enumerate(used.items(), 1):
        publisher, title = source_name(url)
        html.append(
            f'<li id="source-{number}"><a href="{escape(url)}">{escape(publisher)}: '
            f"{escape(title)}</a>"
            + (f' <span class="used-for">({escape(", ".join(users))})</span>' if users else "")
            + "</li>"
        )
    html += ["</ol>", f"<p>{escape(GLOSSARY_PROVENANCE)}</p>", "</section>"]
    return html


def build_html(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = pilot_themes,
    sources_of: PilotFacts = pilot_sources,
    programme: Sequence[ProgrammeItem] = (),
) -> str:
    """The whole page: questions opening to their answers, pilots, programme, glossary, sources."""
    used = _sources(dataset.pilots, sources_of, programme)
    numbers = {url: number for number, url in enumerate(used, 1)}
    sections = [
        ("questions-heading", "Questions"),
        ("pilots-heading", "Pilot areas"),
        *([("programme-heading", "What happened next")] if programme else []),
        *([("glossary-heading", "Glossary")] if glossary else []),
        ("sources-heading", "Sources"),
    ]
    nav = "".join(f'<li><a href="#{anchor}">{name}</a></li>' for anchor, name in sections)
    style, script = _asset("page.css"), _asset("page.js")
    index = json.dumps(build_page_index(dataset.faq, glossary), separators=(",", ":"))
    policy = (
        f"default-src 'none'; style-src '{_hash(style)}'; script-src '{_hash(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(policy, quote=False)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="tp {escape(__version__)}">',
        f"<title>{escape(TITLE)}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
        '<a class="skip-link" href="#main">Skip to the main content</a>',
        '<header class="band"><div class="width">',
        f"<h1>{escape(TITLE)}</h1>",
        f'<p class="meta">FAQ published {FAQ_PUBLISHED}; page generated {generated_date()} by '
        f"tp {escape(__version__)}.</p>",
        f'<p class="meta">More on the programme: <a href="{SITE_URL}">{escape(SITE_NAME)}</a> '
        f"({escape(NO_FAQ_ADDRESS)}).</p>",
        "</div></header>",
        '<div class="width">',
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>',
        '<main id="main" tabindex="-1">',
        '<p class="lead">Total Place (2009\u20132010) was a UK public-sector initiative in '
        f"{len(dataset.pilots)} pilot areas. This page gives its official FAQ word for word, "
        f"what the sources we hold say about each pilot{_AND_AFTER if programme else ''}, "
        "a glossary of the FAQ\u2019s acronyms and those sources.</p>",
        *_questions_html(dataset.faq, glossary),
        *_pilots_html(dataset.pilots, themes_of, numbers),
        *_programme_html(programme, numbers),
        *_glossary_html(glossary),
        *_sources_html(used),
        "</main>",
        f"<footer><p>Made with tp {escape(__version__)}: <code>tp export html</code></p></footer>",
        "</div>",
        f'<script type="application/json" id="search-index">{_json_in_html(index)}</script>',
        f"<script>{script}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def _json_in_html(text: str) -> str:
    """JSON that cannot end its <script> element early (`</script>`, `<!--`)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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


def _md_url(url: str) -> str:
    """A URL safe inside <...>: anything that could end it or start HTML is percent-encoded."""
    return quote(url, safe=":/?#@!$&'()*+,;=%~-._")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_md(cell).replace("\n", " ") for cell in cells) + " |"

    return [row(header), "| " + " | ".join("---" for _ in header) + " |", *map(row, rows)]


def _md_facts(label: str, facts: Sequence[SourcedText], numbers: Mapping[str, int]) -> list[str]:
    return [f"- {label}: {_md(fact.text)} [{numbers[fact.source]}]" for fact in facts]


def build_markdown(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = pilot_themes,
    sources_of: PilotFacts = pilot_sources,
    programme: Sequence[ProgrammeItem] = (),
) -> str:
    """The same content as the HTML page, as Markdown (answers word for word)."""
    used = _sources(dataset.pilots, sources_of, programme)
    numbers = {url: number for number, url in enumerate(used, 1)}
    lines = [
        f"# {TITLE}",
        "",
        f"FAQ published {FAQ_PUBLISHED}; generated {generated_date()} by tp {__version__}.",
        "",
        f"More on the programme: [{_md(SITE_NAME)}](<{SITE_URL}>) ({_md(NO_FAQ_ADDRESS)}).",
        "",
        f"Total Place (2009\u20132010) was a UK public-sector initiative in {len(dataset.pilots)} "
        "pilot areas. This document gives its official FAQ word for word, what the sources we "
        f"hold say about each pilot{_AND_AFTER if programme else ''}, a glossary of the "
        "FAQ\u2019s acronyms and those sources.",
        "",
        "## Questions",
        "",
    ]
    for entry in dataset.faq:
        lines += [f"### {entry.id}. {_md(entry.question)}", ""]
        for block in answer_blocks(entry.answer):
            if isinstance(block, str):
                lines += [_md(block), ""]
            else:
                lines += [*_md_table(block[0], block[1:]), ""]
    themes = {pilot.id: list(themes_of(pilot)) for pilot in dataset.pilots}
    with_themes = any(themes.values())
    header = ["Pilot area", "Region", *(["Themes"] if with_themes else [])]
    rows = [
        [p.name, p.region, *(["; ".join(themes[p.id]) or NOT_RECORDED] if with_themes else [])]
        for p in dataset.pilots
    ]
    lines += ["## Pilot areas", "", *_md_table(header, rows), ""]
    for pilot in dataset.pilots:
        lines += [f"### {_md(pilot.name)}", "", f"- Region: {_md(pilot.region)}"]
        if pilot.official_name:
            lines.append(f"- Official name: {_md(pilot.official_name)}")
        lines += _md_facts("Theme", pilot.themes, numbers) or [f"- Themes: {NOT_RECORDED}"]
        if pilot.authorities:
            source = f" [{numbers[pilot.authorities_source]}]" if pilot.authorities_source else ""
            lines.append(f"- Members: {_md('; '.join(pilot.authorities))}{source}")
        lines += _md_facts("Figure", pilot.figures, numbers)
        lines += _md_facts("Field trial", pilot.field_trials, numbers)
        lines.append("")
    if programme:
        lines += ["## What happened next", "", _md(BEYOND_THE_FAQ), ""]
        for heading, items, key in _timeline_and_figures(programme):
            if items:
                lines += [f"### {heading}", ""]
                lines += [
                    f"- {_md(readable_date(item.get('date')) + ': ' if item.get('date') else '')}"
                    f"{_md(str(item[key]))} [{numbers[str(item['source'])]}]"
                    for item in items
                ]
                lines.append("")
    if glossary:
        lines += ["## Glossary", ""]
        glossary_rows = [
            [t.term, t.expansion, "the FAQ" if t.source == "faq" else str(t.provenance)]
            for t in glossary
        ]
        lines += [*_md_table(["Acronym", "Expansion", "Source"], glossary_rows), ""]
    lines += ["## Sources", "", _md(FAQ_PROVENANCE), "", _md(PILOTS_PROVENANCE), ""]
    for number, (url, users) in enumerate(used.items(), 1):
        publisher, title = source_name(url)
        used_for = f" ({_md(', '.join(users))})" if users else ""
        lines.append(f"{number}. {_md(publisher)}: {_md(title)} <{_md_url(url)}>{used_for}")
    lines += ["", _md(GLOSSARY_PROVENANCE), "", "---", "", f"Made with tp {__version__}."]
    return "\n".join(lines) + "\n"
