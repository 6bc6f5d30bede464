"""`tp export html|markdown`: structure, every answer word for word, no external assets."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import load_faq, load_pilots
from typer.testing import Result

import totalplace_cli
from totalplace_cli import __version__
from totalplace_cli.export import SITE_NAME, SITE_URL, build_html, build_markdown
from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.models import (
    Category,
    DataSet,
    FaqEntry,
    Pilot,
    ProgrammeItem,
    Source,
    SourcedText,
)

Tp = Callable[..., Result]
FAQ = load_faq(bundled_data_dir() / "faq.yaml")
OPENING = (Path(totalplace_cli.__file__).parent / "page" / "opening.txt").read_text("utf-8")
VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area", "base"}


@dataclass
class Question:
    slug: str
    summary: str = ""
    blocks: list[str | list[list[str]]] = field(default_factory=list)

    def answer(self) -> str:
        """The answer as the page shows it, written back in faq.yaml's form."""
        parts = []
        for block in self.blocks:
            if isinstance(block, str):
                parts.append(block)
            else:
                parts.append("\n".join(" | ".join(row) + " |" for row in block))
        return "\n\n".join(parts)


class PageReader(HTMLParser):
    """Checks that tags nest properly and collects what a test needs from the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.questions: list[Question] = []
        self.links: list[tuple[str, str, str]] = []  # (attribute, value, enclosing section)
        self.ids: list[str] = []
        self.labelled: set[str] = set()
        self.text: dict[str, str] = {}  # text of some elements, by tag
        self.section = ""
        self._in: str | None = None  # "summary", "p" or "cell" while inside one in an answer

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in VOID:
            self.open.append(tag)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        if tag == "label" and attributes.get("for"):
            self.labelled.add(str(attributes["for"]))
        if tag == "section":
            self.section = str(attributes.get("aria-labelledby"))
        for name in ("href", "src", "action"):
            if attributes.get(name) is not None:
                self.links.append((name, str(attributes[name]), self.section))
        question = self.questions[-1] if self.questions and "details" in self.open else None
        if tag == "details":
            self.questions.append(Question(slug=str(attributes.get("id"))))
        elif question is not None and tag == "summary":
            self._in = "summary"
        elif question is not None and tag == "p" and attributes.get("class") == "permalink":
            self._in = None
        elif question is not None and tag == "p":
            question.blocks.append("")
            self._in = "p"
        elif question is not None and tag == "table":
            question.blocks.append([])
        elif question is not None and tag == "tr":
            table = question.blocks[-1]
            assert isinstance(table, list)
            table.append([])
        elif question is not None and tag in {"th", "td"}:
            table = question.blocks[-1]
            assert isinstance(table, list)
            table[-1].append("")
            self._in = "cell"

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            return
        self.open.pop()
        if tag in {"summary", "p", "th", "td"}:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self.open:
            self.text[self.open[-1]] = self.text.get(self.open[-1], "") + data
        if self._in is None:
            return
        question = self.questions[-1]
        if self._in == "summary":
            question.summary += data
        elif self._in == "p":
            paragraph = question.blocks[-1]
            assert isinstance(paragraph, str)
            question.blocks[-1] = paragraph + data
        else:
            table = question.blocks[-1]
            assert isinstance(table, list)
            table[-1][-1] += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    assert reader.problems == []
    assert reader.open == [], f"unclosed: {reader.open}"
    return reader


@pytest.fixture(scope="module")
def page() -> str:
    from conftest import invoke

    result = invoke(["export", "html"], env={"TP_DATA_DIR": None})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_html_is_one_well_formed_accessible_page(page: str) -> None:
    assert page.startswith('<!DOCTYPE html>\n<html lang="en-GB">')
    reader = read_page(page)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<meta charset="utf-8">' in page
    assert reader.text["title"] == "Total Place: frequently asked questions"
    assert reader.text["h1"] == "Total Place: frequently asked questions"
    for landmark in ("<header ", '<main id="main"', "<nav ", "<footer>"):
        assert landmark in page
    assert len(reader.ids) == len(set(reader.ids)), "duplicate ids"
    assert {"question-search", "pilot-region"} <= reader.labelled
    assert '<input type="search" id="question-search"' in page
    assert "@media print" in page and "@media (max-width:" in page


def test_every_question_opens_to_its_answer_word_for_word(page: str) -> None:
    questions = read_page(page).questions
    assert [q.slug for q in questions] == [entry.slug for entry in FAQ]
    for question, entry in zip(questions, FAQ, strict=True):
        assert question.summary == f"{entry.id}. {entry.question}"
        assert question.answer() == entry.answer, entry.question
    pilots_table = questions[1].blocks[1]
    assert isinstance(pilots_table, list) and pilots_table[0] == ["Region", "Pilot Area"]
    assert '<th scope="col">Region</th>' in page


def test_acronyms_in_answers_are_marked_up_without_changing_the_text(page: str) -> None:
    assert '<abbr title="Local Strategic Partnership">LSP</abbr>' in page
    assert 'the Government Office (<abbr title="Government Office">GO</abbr>) network' in page
    assert "enable them to go further" in page  # lower-case "go" is a word, not the acronym


def test_html_loads_nothing_from_elsewhere(page: str) -> None:
    links = read_page(page).links
    assert links, "the page has in-page links"
    assert all(name == "href" for name, _, _ in links)  # no src=: nothing is loaded
    outside = [(value, section) for _, value, section in links if not value.startswith("#")]
    assert outside, "the pilots' sources are linked"
    assert outside[0] == (SITE_URL, "")  # the header's link to the programme's website
    assert all(section == "sources-heading" for _, section in outside[1:])
    assert all(value.startswith("https://") or value.startswith("http://") for value, _ in outside)
    assert "<link" not in page and "@import" not in page and "url(" not in page


KENT = Source(
    "kent-page",
    "https://www.leadershipcentre.org.uk/totalplace/totalplaces/pilot/kent.html",
    "Total Place pilot page: Kent",
    "Leadership Centre for Local Government",
    "programme-website",
    date="2010-03-01",
    title_is_description=True,
)


def test_only_the_header_and_the_sources_section_link_out() -> None:
    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    theme = SourcedText("Gateway", (KENT.id,))
    bare = tuple(
        Pilot(p.id, p.name, p.region, themes=(theme,) if p.id == "kent" else ()) for p in pilots
    )
    html = build_html(DataSet(faq=FAQ, pilots=bare, sources=(KENT,)))
    outside = [(v, s) for _, v, s in read_page(html).links if not v.startswith("#")]
    assert outside == [(SITE_URL, ""), (KENT.url, "sources-heading")]
    # Title (a description: no quotes), publisher and date; then who cites it.
    assert (
        f'<li id="source-1" data-url="{KENT.url}"><a href="{KENT.url}">'
        "Total Place pilot page: Kent</a>, "
        "Leadership Centre for Local Government, 1 March 2010 "
        '<span class="used-for">(Kent)</span></li>'
    ) in html


def test_each_source_is_linked_once_by_a_readable_name(page: str) -> None:
    outside = [v for _, v, s in read_page(page).links if s == "sources-heading"]
    assert len(outside) == len(set(outside)) >= 15
    assert all(f">{url}<" not in page for url in outside), "a raw URL as link text"
    # Facts point to their source by number, in the page.
    assert '<a class="ref" href="#source-1" aria-label="source 1">[1]</a>' in page


def test_sections_and_filters(page: str) -> None:
    for heading in ("Questions", "Pilot areas", "Glossary", "Sources"):
        assert f">{heading}</h2>" in page
    assert '<option value="West Midlands">West Midlands</option>' in page
    # A theme filter only when some pilot records a theme: never an empty control.
    has_themes = any(pilot.categories for pilot in load_pilots(bundled_data_dir() / "pilots.yaml"))
    assert ('<select id="pilot-theme"' in page) == has_themes
    assert (
        '<tr data-region="North East" data-themes="[&#34;Regeneration&#34;]"><th scope="row">'
        '<a href="#pilot-durham">Durham</a></th>'
    ) in page
    assert "Questions and answers: the official Total Place" in page
    assert "<dt>HMT</dt><dd>HM Treasury" in page


def test_theme_filter_lists_each_theme_once() -> None:
    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    themes = {"kent": ("Gateway", "Assets"), "coventry": ("Assets",)}

    html = build_html(with_themes(pilots, themes))
    read_page(html)
    assert html.count('<option value="Assets">') == 1
    assert '<label for="pilot-theme">Theme</label>' in html
    assert 'data-themes="[&#34;Gateway&#34;, &#34;Assets&#34;]"' in html
    assert '<td data-label="Themes">Gateway; Assets</td>' in html


def test_text_from_the_data_is_escaped() -> None:
    entry = FaqEntry(1, "x", 'Is <b>this</b> "safe" & sound?', "Yes <script>alert(1)</script>")
    pilot = Pilot("p", 'A "quoted" <name>', "R&D")
    html = build_html(DataSet(faq=(entry,), pilots=(pilot,)))
    read_page(html)
    assert "<script>alert" not in html and "<b>this" not in html
    assert "Yes &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-region="R&amp;D"' in html
    markdown = build_markdown(DataSet(faq=(entry,), pilots=(pilot,)))
    assert "Yes \\<script\\>alert(1)\\</script\\>" in markdown
    assert 'A "quoted" \\<name\\>' in markdown


def test_export_html_to_a_file_confirms_on_stderr(tp: Tp, tmp_path: Path, page: str) -> None:
    path = tmp_path / "faq.html"
    result = tp("export", "html", "-o", str(path))
    assert result.exit_code == 0
    assert result.stdout == ""
    size = round(len(page.encode("utf-8")) / 1024)
    assert result.stderr == f"tp: wrote {path} ({size} KB)\n"
    assert path.read_text(encoding="utf-8") == page


def test_export_to_an_unwritable_place_is_one_line(tp: Tp, tmp_path: Path) -> None:
    for target in (tmp_path / "missing" / "faq.html", tmp_path):
        result = tp("export", "markdown", "--output", str(target))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"tp: cannot write {target}: ")
        assert result.stderr.count("\n") == 1


def test_export_unknown_format_is_a_usage_error(tp: Tp) -> None:
    result = tp("export", "pdf")
    assert result.exit_code == 2
    assert (
        result.stderr.startswith("tp: tp export takes FORMAT: html") and "markdown" in result.stderr
    )


def test_markdown_has_every_answer_word_for_word(tp: Tp) -> None:
    result = tp("export", "markdown")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("# Total Place: frequently asked questions\n")
    for entry in FAQ:
        assert f"\n### {entry.id}. {entry.question}\n\n" in text
        for paragraph in entry.answer.split("\n\n"):
            if not paragraph.endswith("|"):
                assert f"\n{paragraph}\n" in text
    assert "| Region | Pilot Area |\n| --- | --- |\n| East | Luton & Central Bedfordshire |" in text


def test_markdown_has_pilots_glossary_and_sources(tp: Tp, tmp_path: Path) -> None:
    """The sources list gives each page's title, publisher and date; a citation links to it."""
    path = tmp_path / "faq.md"
    assert tp("export", "markdown", "-o", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "## Pilot areas\n\n| Pilot area | Region |" in text
    assert "| South Tyneside, Gateshead & Sunderland | North East |" in text
    assert "| RIEPs | Regional Improvement and Efficiency Partnerships | the FAQ |" in text
    assert "| HMT | HM Treasury | general knowledge, widely documented |" in text
    assert "## Sources\n\nQuestions and answers: the official Total Place" in text
    assert (
        '\n1. <a id="source-1"></a>Total Place pilot page: Luton & Central Bedfordshire, '
        "Leadership Centre for Local Government, 22 February 2010: <https:"
    ) in text
    assert "- Theme: Access to benefits\u00a0[\\[1\\]](#source-1)\n" in text


def test_export_uses_the_data_dir(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "version: 1\npilots:\n  - {id: x, name: Xtown, region: Nowhere}\n", encoding="utf-8"
    )
    text = tp("--data-dir", str(tmp_path), "export", "markdown").stdout
    assert "| Xtown | Nowhere |" in text


def test_page_header_names_the_faq_date_and_the_tool(
    tp: Tp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 1 January 2026: a reproducible build
    page = tp("export", "html").stdout
    assert f"FAQ published 2009; page generated 1 January 2026 by tp {__version__}." in page
    assert "Here are its official FAQ" not in page
    # No source records the FAQ page's own address: the link is to the site, and says so.
    assert f'<a href="{SITE_URL}">{SITE_NAME}</a>' in page
    assert SITE_NAME == "Total Place website, Leadership Centre for Local Government"
    assert f"[{SITE_NAME}](<{SITE_URL}>)" in tp("export", "markdown").stdout


def test_content_security_policy_allows_only_the_pages_own_style_and_script(page: str) -> None:
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert policy is not None
    rules = dict(rule.strip().split(" ", 1) for rule in policy.group(1).split(";"))
    assert rules["default-src"] == "'none'"
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL)
    assert style is not None and script is not None
    for text, rule in ((style.group(1), "style-src"), (script.group(1), "script-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        assert rules[rule] == f"'sha256-{digest}'"
    assert '<meta name="referrer" content="no-referrer">' in page
    assert (
        " style=" not in page and " on" + "click=" not in page
    )  # inline attributes would be blocked


def test_each_question_title_is_a_heading_with_a_link_to_it(page: str) -> None:
    for entry in FAQ:
        assert (
            f'<summary><h3 class="question-heading"><span class="number">{entry.id}.</span> '
        ) in page
        assert f'<p class="permalink"><a href="#{entry.slug}">Link to this question' in page
    assert 'id="toggle-all" aria-expanded="false"' in page


def test_exports_carry_each_pilots_facts_and_the_programme(tp: Tp, page: str) -> None:
    markdown = tp("export", "markdown").stdout
    for text in (page, markdown):
        assert "Thanet" in text  # a member authority of the Kent pilot
        assert "\u00a318 million" in text  # a figure of the Dorset, Poole & Bournemouth pilot
        assert "Integrated offender management" in text  # a theme in the pilot's own words
        assert "regeneration" in text  # Durham's theme
        assert "\u00a382 billion" in text  # the programme's headline figure
        beyond = text.index("Beyond the FAQ")  # the programme is labelled as not the FAQ
        assert text.index("\u00a382 billion") > beyond
        launch, pilots, plans, report = (
            text.index(event)
            for event in (
                "launched at Budget 2009",
                "13 pilot areas were announced in the Budget of 22 April 2009",
                "revealed its plans to test Total Place",
                "a whole area approach",
            )
        )
        assert beyond < launch < pilots < plans < report  # in date order
    assert "- Field trial: Offender management" in markdown
    assert "- 22 April 2009: The 13 pilot areas were announced in the Budget" in markdown


def source(id: str, url: str, date: str | None = None) -> Source:
    return Source(id, url, f"Title of {id}", "Publisher", "trade-press", date)


REPORT = source("report", "https://e.example/report", "2010-03-25")
PROGRAMME = dict(
    events=(
        ProgrammeItem("event", "report", "Report published", ("report",), "2010-03-25"),
        ProgrammeItem("event", "pilots", "Pilots announced", ("pilots",), "2009-07-30"),
    ),
    facts=(ProgrammeItem("fact", "mapped", "\u00a382 billion mapped", ("report",), "2010-03-25"),),
    sources=(REPORT, source("pilots", "https://e.example/pilots")),
)


def test_the_programme_section_appears_only_with_programme_data() -> None:
    dataset = DataSet(faq=FAQ)
    html, markdown = (
        build_html(DataSet(faq=FAQ, **PROGRAMME)),
        build_markdown(DataSet(faq=FAQ, **PROGRAMME)),
    )
    read_page(html)
    assert html.index("Pilots announced") < html.index("Report published")  # date order
    assert '<h2 id="programme-heading">What happened next</h2>' in html
    assert "Beyond the FAQ" in html and "\u00a382 billion mapped" in html
    assert html.count('href="https://e.example/report"') == 1  # one source, listed once
    # Sources are numbered in the order a reader meets them.
    assert (
        "### Timeline\n\n- 30 July 2009: Pilots announced\u00a0[\\[1\\]](#source-1)\n"
        "- 25 March 2010: Report published\u00a0[\\[2\\]](#source-2)\n"
    ) in markdown
    assert "\u00a382 billion mapped\u00a0[\\[2\\]](#source-2)" in markdown
    # A source with no date shows none: what no source states stays absent.
    assert '1. <a id="source-1"></a>\u201cTitle of pilots\u201d, Publisher: <https:' in markdown
    assert "What happened next" not in build_html(dataset)
    assert "What happened next" not in build_markdown(dataset)


def test_markdown_escapes_html_in_every_data_field() -> None:
    attack = '<img src=x onerror="alert(1)">'
    page = Source("x", 'https://e.example/"><script>alert(1)</script>', attack, attack, attack)
    fact = SourcedText(attack, ("x",))
    pilot = Pilot(
        "p",
        attack,
        attack,
        official_name=attack,
        themes=(fact,),
        categories=(attack,),
        authorities=(attack,),
        authorities_source=fact.source,
        figures=(fact,),
        field_trials=(fact,),
        sources=fact.source,
        official_name_source=fact.source,
    )
    entry = FaqEntry(1, "x", attack, attack + " &lt;b&gt;")
    events = (ProgrammeItem("event", "x", attack, fact.source, attack),)
    data = DataSet(
        faq=(entry,), pilots=(pilot,), events=events, sources=(page._replace(author=attack),)
    )
    markdown = build_markdown(data)
    assert not re.search(r"(?<!\\)<(img|script)", markdown), "unescaped HTML"
    assert '">' not in re.sub(r'<a id="source-\d+"></a>', "", markdown)
    assert "\\&lt;b\\&gt;" in markdown  # an entity shows as typed, not as a tag
    html = build_html(data)
    read_page(html)
    assert "<img" not in html and "<script>alert" not in html


def test_markdown_lists_each_source_once_with_a_name(tp: Tp) -> None:
    sources = tp("export", "markdown").stdout.split("## Sources")[1]
    urls = re.findall(r"<(https?://[^>]+)>", sources)
    assert len(urls) == len(set(urls)) >= 30
    assert (
        "News report: the field trials that followed the pilots, PublicNet, 25 March 2010: "
        "<http://www.publicnet"
    ) in sources
    assert (
        "\u201cMinisters mull over early results from Total Place\u201d, David Williams, "
        "Public Finance, 16 February 2010: <https://www.publicfinance"
    ) in sources


def test_the_opening_says_what_total_place_was_for_before_anything_else(tp: Tp, page: str) -> None:
    assert "better public services at less cost" in OPENING and "public money" in OPENING
    assert not re.search(r"\d(m|bn)\b|'|\"", OPENING)  # GOV.UK style: our words, plainly
    after_title = page.split("</h1>\n", 1)[1]
    assert after_title.startswith(f'<p class="opening">{OPENING}</p>')
    markdown = tp("export", "markdown").stdout
    assert markdown.startswith(f"# Total Place: frequently asked questions\n\n{OPENING}\n\n")


def test_every_listed_source_is_cited_where_its_fact_appears(tp: Tp, page: str) -> None:
    listed = set(re.findall(r'<li id="(source-\d+)" data-url=', page))
    cited = set(re.findall(r'<a class="ref" href="#(source-\d+)"', page))
    assert listed == cited and len(listed) >= 30
    # Official names carry their citation too.
    assert re.search(r"<dt>Official name</dt><dd>[^<]+&nbsp;<span class=\"refs\"><a ", page)
    markdown = tp("export", "markdown").stdout
    anchors = set(re.findall(r'<a id="(source-\d+)"></a>', markdown))
    links = set(re.findall(r"\]\(#(source-\d+)\)", markdown))
    assert anchors == links == listed
    assert re.search(r"- Official name: [^\n]+\u00a0\[\\\[\d+\\\]\]\(#source-\d+\)\n", markdown)


def test_every_source_cited_in_the_data_is_on_the_page(tp: Tp, page: str) -> None:
    registry = json.loads(tp("sources", "--json").stdout)
    urls = set(re.findall(r'<li id="source-\d+" data-url="([^"]+)"', page))
    assert urls == {source["url"] for source in registry if source["cited_by"]}


def test_a_citation_never_wraps_onto_a_line_of_its_own(page: str) -> None:
    """A no-break space joins each citation to its statement's last word, and the citation
    itself does not break (tests/test_browser.py checks the rendering)."""
    groups = re.findall(r'(.)<span class="refs">', page)
    assert groups and set(groups) == {";"}  # the end of "&nbsp;"
    assert ".refs { white-space: nowrap; }" in page


def test_our_words_write_money_and_dates_as_gov_uk_does(page: str) -> None:
    """Money as "£1.3 billion" and dates as "25 March 2010" in text that is ours; the FAQ's
    answers and words quoted from sources keep their own."""
    ours = re.sub(r'<details class="question".*?</details>', "", page, flags=re.DOTALL)
    ours = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", ours, flags=re.DOTALL)
    ours = re.sub(r"\u201c[^\u201d]*\u201d", "", re.sub(r"<[^>]+>", "", ours))
    assert not re.findall(r"\u00a3[\d.,]+ ?(m|bn)\b", ours)
    assert not re.findall(r"\b\d{4}-\d\d-\d\d\b", ours)
    assert "25 March 2010" in ours and "\u00a31.3 billion" in ours


def test_focus_is_gov_uks_yellow_with_black_text(page: str) -> None:
    assert "--focus: #ffdd00;" in page and "--focus-text: #0b0c0c;" in page
    focus = re.search(r"a:focus-visible, summary:focus-visible[^{]*\{([^}]*)\}", page)
    assert focus is not None
    rules = " ".join(focus.group(1).split())
    for rule in (
        "color: var(--focus-text);",
        "background-color: var(--focus);",
        "box-shadow: 0 -2px var(--focus), 0 4px var(--focus-text);",
    ):
        assert rule in rules


def contrast(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two #rgb or #rrggbb colours."""

    def luminance(colour: str) -> float:
        colour = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
        channels = [int(colour[n : n + 2], 16) / 255 for n in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_printed_header_reads_with_or_without_backgrounds(page: str) -> None:
    """Printed with backgrounds on, the header's band is behind its text: they must contrast
    (no black text on a black band); with backgrounds off, the paper is white."""
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert style is not None
    printed = style.group(1).split("@media print")[1]
    colours = dict(
        re.findall(r"--(band|band-text|text|page): (#[0-9a-f]{3}(?:[0-9a-f]{3})?);", printed)
    )
    assert contrast(colours["band"], colours["band-text"]) >= 4.5
    assert contrast("#ffffff", colours["band-text"]) >= 4.5
    assert contrast(colours["page"], colours["text"]) >= 4.5
    band = re.search(r"\.band \{([^}]*)\}", printed)
    assert band is not None and "background: #fff" in band.group(1)


def with_themes(pilots: tuple[Pilot, ...], themes: dict[str, tuple[str, ...]]) -> DataSet:
    """The pilots with the given theme categories (labels as ids), as a data set."""
    labels = sorted({label for named in themes.values() for label in named})
    categories = tuple(Category(label, label) for label in labels)
    chosen = tuple(pilot._replace(categories=themes.get(pilot.id, ())) for pilot in pilots)
    return DataSet(pilots=chosen, categories=categories)


def test_a_cached_page_export_reads_the_english_counts_from_the_store(tmp_path: Path) -> None:
    """The page's search index needs the English counts: the store holds them, so a warm
    `tp export html` never loads the word list (0.16 s of a 0.27 s run)."""
    code = (
        "import sys\n"
        "from totalplace_cli.__main__ import run\n"
        f"code = run(['export', 'html', '-o', {str(tmp_path / 'faq.html')!r}])\n"
        "print(code, 'spellchecker' in sys.modules)\n"
    )
    command = [sys.executable, "-c", code]
    subprocess.run(command, capture_output=True, text=True, check=True)  # builds the cache
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert result.stdout.split()[-2:] == ["0", "False"]
