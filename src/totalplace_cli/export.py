"""Build the shareable documents: one self-contained HTML page, and the same content as Markdown.

Pure functions from the loaded data to a string; the CLI decides where it goes. The page has no
external assets (inline CSS and a small inline script) and reads fine without the script: only
the filter controls need it, and they stay hidden until it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from html import escape

from totalplace_cli import __version__
from totalplace_cli.glossary import GlossaryTerm, mark_terms
from totalplace_cli.models import Dataset, FaqEntry
from totalplace_cli.pilot_models import Pilot
from totalplace_cli.pilots import regions
from totalplace_cli.render import answer_blocks

TITLE = "Total Place: frequently asked questions"
FAQ_PROVENANCE = (
    "Questions and answers: the official Total Place \u201cFrequently asked questions\u201d page, "
    "word for word, in the order of the page\u2019s body."
)
PILOTS_PROVENANCE = (
    "Pilot areas and regions: the table in the FAQ\u2019s answer to "
    "\u201cWhere are the pilots?\u201d."
)
GLOSSARY_PROVENANCE = (
    "Glossary: acronyms the FAQ spells out are explained in its own words; the others are "
    "general knowledge, widely documented."
)

PilotFacts = Callable[[Pilot], Sequence[str]]


def pilot_themes(pilot: Pilot) -> tuple[str, ...]:
    """The theme categories a pilot explored (ids), for the page's theme filter and column."""
    return pilot.categories


def pilot_sources(pilot: Pilot) -> tuple[str, ...]:
    """The URLs a pilot's facts come from."""
    return pilot.sources


# --- HTML ----------------------------------------------------------------------------------------

STYLE = """
:root { color-scheme: light dark; --text: #1b1b1b; --muted: #4d4d4d; --page: #ffffff;
  --soft: #f2f4f7; --line: #c4c8cf; --accent: #0a4f9e; --focus: #0a4f9e; }
@media (prefers-color-scheme: dark) {
  :root { --text: #ececec; --muted: #c2c2c2; --page: #15171a; --soft: #23272c; --line: #4a4f57;
    --accent: #8fc0ff; --focus: #8fc0ff; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--text);
  font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header, main, footer { max-width: 52rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 0 0 .5rem; }
h2 { font-size: 1.35rem; line-height: 1.3; margin: 2.25rem 0 .75rem; padding-bottom: .25rem;
  border-bottom: 2px solid var(--line); }
a { color: var(--accent); text-underline-offset: .15em; overflow-wrap: anywhere; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: -100vw; top: .5rem; background: var(--page);
  padding: .5rem .75rem; z-index: 1; }
.skip-link:focus { left: .5rem; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; padding: 0;
  margin: .75rem 0 0; }
nav a { display: inline-block; padding: .35rem 0; }
.lead { color: var(--muted); margin: .25rem 0; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: flex-end;
  margin: .75rem 0; }
.field { flex: 0 1 auto; }
.field.wide { flex: 1 1 20rem; }
label { display: block; font-weight: 600; font-size: .95rem; margin-bottom: .2rem; }
input[type="search"], select { font: inherit; color: inherit; background: var(--page);
  border: 1px solid #767676; border-radius: .3rem; padding: .45rem .6rem; min-height: 2.75rem;
  width: 100%; min-width: 12rem; }
.status { color: var(--muted); min-height: 1.6em; margin: .25rem 0; }
details.question { border: 1px solid var(--line); border-radius: .4rem; margin: .5rem 0; }
details.question > summary { cursor: pointer; font-weight: 600; padding: .7rem 1rem;
  min-height: 2.75rem; border-radius: .4rem; }
details.question > summary:hover { background: var(--soft); }
details.question[open] > summary { border-bottom: 1px solid var(--line);
  border-radius: .4rem .4rem 0 0; }
.number { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .25rem; }
.answer { padding: .25rem 1rem .5rem; }
.answer p { margin: .6rem 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; }
caption { text-align: left; color: var(--muted); padding-bottom: .35rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem;
  border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); }
abbr[title] { text-decoration: underline dotted; text-underline-offset: .2em; cursor: help; }
dl.glossary { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; }
dl.glossary dt { font-weight: 700; }
dl.glossary dd { margin: 0; }
.note { color: var(--muted); font-size: .95rem; }
footer { color: var(--muted); font-size: .95rem; margin-top: 2.5rem; padding-bottom: 2rem; }
@media (max-width: 36rem) {
  body { font-size: 1rem; }
  h1 { font-size: 1.45rem; }
  .field, .field.wide { flex: 1 1 100%; }
  input[type="search"], select { min-width: 0; }
  dl.glossary { grid-template-columns: 1fr; }
  dl.glossary dd { margin-bottom: .5rem; }
}
@media print {
  :root { --text: #000; --muted: #333; --page: #fff; --line: #999; --soft: #eee; }
  body { font-size: 11pt; }
  .skip-link, nav, .filters, .status { display: none !important; }
  details.question { border: none; margin: 0 0 .75rem; break-inside: avoid; }
  details.question > summary { list-style: none; padding: 0; border: none; }
  details.question > summary::-webkit-details-marker { display: none; }
  details.question::details-content { content-visibility: visible; display: block; }
  details.question[hidden] { display: block !important; }
  tr[hidden] { display: table-row !important; }
  .answer { padding: 0 0 0 1rem; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  a[href^="http"]::after { content: " <" attr(href) ">"; font-size: .85em; }
}
"""

SCRIPT = """
(() => {
  "use strict";
  const fold = (text) => text.toLowerCase().replace(/[\\u2018\\u2019]/g, "'");
  const byId = (id) => document.getElementById(id);
  for (const control of document.querySelectorAll("[data-needs-script]")) control.hidden = false;

  const questions = Array.from(document.querySelectorAll("details.question"));
  const search = byId("question-search");
  const questionStatus = byId("question-status");
  const filterQuestions = () => {
    const words = fold(search.value).split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const item of questions) {
      const text = fold(item.textContent);
      item.hidden = !words.every((word) => text.includes(word));
      if (!item.hidden) shown += 1;
    }
    questionStatus.textContent = words.length
      ? `${shown} of ${questions.length} questions match` : "";
  };
  search.addEventListener("input", filterQuestions);

  const rows = Array.from(document.querySelectorAll("#pilot-table tbody tr"));
  const region = byId("pilot-region");
  const theme = byId("pilot-theme");
  const pilotStatus = byId("pilot-status");
  const filterPilots = () => {
    let shown = 0;
    for (const row of rows) {
      const themes = JSON.parse(row.dataset.themes || "[]");
      row.hidden = (region.value !== "" && row.dataset.region !== region.value)
        || (theme !== null && theme.value !== "" && !themes.includes(theme.value));
      if (!row.hidden) shown += 1;
    }
    pilotStatus.textContent = `${shown} of ${rows.length} pilots shown`;
  };
  region.addEventListener("change", filterPilots);
  if (theme !== null) theme.addEventListener("change", filterPilots);

  const openLinkedQuestion = () => {
    let id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (error) { /* a malformed link: use it as typed */ }
    const target = id ? byId(id) : null;
    if (target !== null && target.matches("details.question")) target.open = true;
  };
  window.addEventListener("hashchange", openLinkedQuestion);

  let openedForPrint = [];
  window.addEventListener("beforeprint", () => {
    openedForPrint = questions.filter((item) => !item.open);
    for (const item of openedForPrint) item.open = true;
  });
  window.addEventListener("afterprint", () => {
    for (const item of openedForPrint) item.open = false;
    openedForPrint = [];
  });

  // A browser may restore the controls' values on reload: apply them.
  filterQuestions();
  filterPilots();
  openLinkedQuestion();
})();
"""


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
        '<p class="lead">Select a question to show its answer.</p>',
        '<div class="filters" data-needs-script hidden>',
        '<div class="field wide"><label for="question-search">Filter the questions</label>',
        '<input type="search" id="question-search" autocomplete="off" spellcheck="false" '
        'placeholder="e.g. savings, pilots, Tribal" aria-describedby="question-status"></div>',
        "</div>",
        '<p class="status" id="question-status" role="status" aria-live="polite"></p>',
    ]
    for entry in faq:
        html.append(f'<details class="question" id="{escape(entry.slug)}">')
        html.append(
            f'<summary><span class="number">{entry.id}.</span> {escape(entry.question)}</summary>'
        )
        html.append('<div class="answer">')
        html += _answer_html(entry.answer, glossary)
        html.append("</div></details>")
    html.append("</section>")
    return html


def _select_html(name: str, label: str, everything: str, values: Sequence[str]) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return (
        f'<div class="field"><label for="pilot-{name}">{label}</label>'
        f'<select id="pilot-{name}" aria-controls="pilot-table">'
        f'<option value="">{everything}</option>{options}</select></div>'
    )


def _pilots_html(pilots: Sequence[Pilot], themes_of: PilotFacts) -> list[str]:
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
        '<div class="table-wrap"><table id="pilot-table">',
        f"<caption>The {len(pilots)} Total Place pilot areas</caption>",
        "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in headers) + "</tr></thead>",
        "<tbody>",
    ]
    for pilot in pilots:
        cells = [f'<th scope="row">{escape(pilot.name)}</th>', f"<td>{escape(pilot.region)}</td>"]
        if all_themes:
            cells.append(f"<td>{escape('; '.join(themes[pilot.id]))}</td>")
        html.append(
            f'<tr data-region="{escape(pilot.region)}" '
            f'data-themes="{escape(json.dumps(themes[pilot.id]))}">{"".join(cells)}</tr>'
        )
    html += ["</tbody></table></div>", "</section>"]
    return html


def _glossary_html(glossary: Sequence[GlossaryTerm]) -> list[str]:
    if not glossary:
        return []
    html = [
        '<section aria-labelledby="glossary-heading">',
        '<h2 id="glossary-heading">Glossary</h2>',
        '<p class="lead">Acronyms of the FAQ and of Total Place. Those the FAQ spells out itself '
        "are given in its own words; the others are general knowledge, widely documented.</p>",
        '<dl class="glossary">',
    ]
    for term in glossary:
        note = (
            "" if term.source == "faq" else ' <span class="note">(not spelt out in the FAQ)</span>'
        )
        html.append(f"<dt>{escape(term.term)}</dt><dd>{escape(term.expansion)}{note}</dd>")
    html += ["</dl>", "</section>"]
    return html


def _link(url: str) -> str:
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def _sources_html(pilots: Sequence[Pilot], sources_of: PilotFacts) -> list[str]:
    html = [
        '<section aria-labelledby="sources-heading">',
        '<h2 id="sources-heading">Sources</h2>',
        "<ul>",
        f"<li>{escape(FAQ_PROVENANCE)}</li>",
        f"<li>{escape(PILOTS_PROVENANCE)}</li>",
    ]
    for pilot in pilots:
        urls = sources_of(pilot)
        if urls:
            links = "; ".join(_link(url) for url in urls)
            html.append(f"<li>{escape(pilot.name)}: {links}</li>")
    html += [f"<li>{escape(GLOSSARY_PROVENANCE)}</li>", "</ul>", "</section>"]
    return html


def build_html(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = pilot_themes,
    sources_of: PilotFacts = pilot_sources,
) -> str:
    """The whole page: questions that open to their answers, pilots, glossary and sources."""
    sections = [
        ("questions-heading", "Questions"),
        ("pilots-heading", "Pilot areas"),
        *([("glossary-heading", "Glossary")] if glossary else []),
        ("sources-heading", "Sources"),
    ]
    nav = "".join(f'<li><a href="#{anchor}">{name}</a></li>' for anchor, name in sections)
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="tp {escape(__version__)}">',
        f"<title>{escape(TITLE)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip-link" href="#main">Skip to the questions</a>',
        "<header>",
        f"<h1>{escape(TITLE)}</h1>",
        '<p class="lead">Total Place (2009\u20132010) was a UK public-sector initiative in '
        f"{len(dataset.pilots)} pilot areas. Here are its official FAQ, word for word, the pilot "
        "areas, a glossary of the FAQ\u2019s acronyms and the sources of this data.</p>",
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>',
        "</header>",
        '<main id="main" tabindex="-1">',
        *_questions_html(dataset.faq, glossary),
        *_pilots_html(dataset.pilots, themes_of),
        *_glossary_html(glossary),
        *_sources_html(dataset.pilots, sources_of),
        "</main>",
        f"<footer><p>Made with tp {escape(__version__)}: <code>tp export html</code></p></footer>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"


# --- Markdown ------------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})
_BLOCK_MARKER = re.compile(r"^([ \t]*)(#{1,6}|\++|-+|=+)(?=\s|$)", re.MULTILINE)
_LIST_NUMBER = re.compile(r"^([ \t]*\d+)([.)])(?=\s|$)", re.MULTILINE)


def _md(text: str) -> str:
    """Text that Markdown shows literally: inline syntax escaped, no block syntax at line start."""
    escaped = _BLOCK_MARKER.sub(r"\1\\\2", text.translate(_MARKDOWN_SPECIAL))
    return _LIST_NUMBER.sub(r"\1\\\2", escaped)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_md(cell).replace("\n", " ") for cell in cells) + " |"

    return [row(header), "| " + " | ".join("---" for _ in header) + " |", *map(row, rows)]


def build_markdown(
    dataset: Dataset,
    glossary: Sequence[GlossaryTerm] = (),
    *,
    themes_of: PilotFacts = pilot_themes,
    sources_of: PilotFacts = pilot_sources,
) -> str:
    """The same content as the HTML page, as Markdown (answers word for word)."""
    lines = [
        f"# {TITLE}",
        "",
        f"Total Place (2009\u20132010) was a UK public-sector initiative in {len(dataset.pilots)} "
        "pilot areas. Here are its official FAQ, word for word, the pilot areas, a glossary of the "
        "FAQ\u2019s acronyms and the sources of this data.",
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
        [p.name, p.region, *(["; ".join(themes[p.id])] if with_themes else [])]
        for p in dataset.pilots
    ]
    lines += ["## Pilot areas", "", *_md_table(header, rows), ""]
    if glossary:
        lines += ["## Glossary", ""]
        glossary_rows = [
            [t.term, t.expansion, "the FAQ" if t.source == "faq" else str(t.provenance)]
            for t in glossary
        ]
        lines += [*_md_table(["Acronym", "Expansion", "Source"], glossary_rows), ""]
    lines += ["## Sources", "", f"- {_md(FAQ_PROVENANCE)}", f"- {_md(PILOTS_PROVENANCE)}"]
    for pilot in dataset.pilots:
        urls = sources_of(pilot)
        if urls:
            lines.append(f"- {_md(pilot.name)}: " + "; ".join(f"<{url}>" for url in urls))
    lines += [f"- {_md(GLOSSARY_PROVENANCE)}", "", "---", "", f"Made with tp {__version__}."]
    return "\n".join(lines) + "\n"
