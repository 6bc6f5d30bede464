"""`tp export html|markdown`: structure, every answer word for word, no external assets."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import load_faq, load_pilots
from typer.testing import Result

from totalplace_cli import __version__
from totalplace_cli.export import SITE_NAME, SITE_URL, build_html, build_markdown
from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.models import Category, DataSet, FaqEntry, Pilot, ProgrammeItem, SourcedText

Tp = Callable[..., Result]
FAQ = load_faq(bundled_data_dir() / "faq.yaml")
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


def test_only_the_header_and_the_sources_section_link_out() -> None:
    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    url = "https://www.leadershipcentre.org.uk/totalplace/totalplaces/pilot/kent.html"
    bare = tuple(
        Pilot(p.id, p.name, p.region, sources=(url,) if p.id == "kent" else ()) for p in pilots
    )
    html = build_html(DataSet(faq=FAQ, pilots=bare))
    outside = [(v, s) for _, v, s in read_page(html).links if not v.startswith("#")]
    assert outside == [(SITE_URL, ""), (url, "sources-heading")]
    assert (
        f'<li id="source-1"><a href="{url}">leadershipcentre.org.uk: Pilot page: Kent</a> '
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
    path = tmp_path / "faq.md"
    assert tp("export", "markdown", "-o", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "## Pilot areas\n\n| Pilot area | Region |" in text
    assert "| South Tyneside, Gateshead & Sunderland | North East |" in text
    assert "| RIEPs | Regional Improvement and Efficiency Partnerships | the FAQ |" in text
    assert "| HMT | HM Treasury | general knowledge, widely documented |" in text
    assert "## Sources\n\nQuestions and answers: the official Total Place" in text
    assert (
        "\n1. leadershipcentre.org.uk: Pilot page: Luton and central bedfordshire <https:" in text
    )


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
        assert "\u00a318m" in text  # a figure of the Dorset, Poole & Bournemouth pilot
        assert "Integrated offender management" in text  # a theme in the pilot's own words
        assert "regeneration" in text  # Durham's theme
        assert "\u00a382 billion" in text  # the programme's headline figure
        beyond = text.index("Beyond the FAQ")  # the programme is labelled as not the FAQ
        assert text.index("\u00a382 billion") > beyond
        launch, pilots, report = (
            text.index(event)
            for event in ("Budget 2009", "announced the 13 pilot areas", "a whole area approach")
        )
        assert beyond < launch < pilots < report  # in date order
    assert "- Field trial: Offender management" in markdown
    assert "- October 2009: The pilots' interim reports went to the ministerial group [" in markdown


REPORT = "https://e.example/report"
PROGRAMME = dict(
    events=(
        ProgrammeItem("event", "report", "Report published", REPORT, "2010-03-25"),
        ProgrammeItem(
            "event", "pilots", "Pilots announced", "https://e.example/pilots", "2009-07-30"
        ),
    ),
    facts=(ProgrammeItem("fact", "mapped", "\u00a382 billion mapped", REPORT, "2010-03-25"),),
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
    assert (
        "### Timeline\n\n- 30 July 2009: Pilots announced [2]\n- 25 March 2010: Report" in markdown
    )
    assert "\u00a382 billion mapped [1]" in markdown
    assert "What happened next" not in build_html(dataset)
    assert "What happened next" not in build_markdown(dataset)


def test_markdown_escapes_html_in_every_data_field() -> None:
    attack = '<img src=x onerror="alert(1)">'
    fact = SourcedText(attack, 'https://e.example/"><script>alert(1)</script>')
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
        sources=(fact.source,),
    )
    entry = FaqEntry(1, "x", attack, attack + " &lt;b&gt;")
    events = (ProgrammeItem("event", "x", attack, fact.source, attack),)
    markdown = build_markdown(DataSet(faq=(entry,), pilots=(pilot,), events=events))
    assert not re.search(r"(?<!\\)<(img|script)", markdown), "unescaped HTML"
    assert '">' not in markdown
    assert "\\&lt;b\\&gt;" in markdown  # an entity shows as typed, not as a tag
    html = build_html(DataSet(faq=(entry,), pilots=(pilot,), events=events))
    read_page(html)
    assert "<img" not in html and "<script>alert" not in html


def test_markdown_lists_each_source_once_with_a_name() -> None:
    markdown = build_markdown(
        DataSet(faq=(), pilots=load_pilots(bundled_data_dir() / "pilots.yaml"))
    )
    sources = markdown.split("## Sources")[1]
    urls = re.findall(r"<(https?://[^>]+)>", sources)
    assert len(urls) == len(set(urls)) >= 15
    assert (
        "publicnet.co.uk: Field trials to take total place forward <http://www.publicnet" in sources
    )


def with_themes(pilots: tuple[Pilot, ...], themes: dict[str, tuple[str, ...]]) -> DataSet:
    """The pilots with the given theme categories (labels as ids), as a data set."""
    labels = sorted({label for named in themes.values() for label in named})
    categories = tuple(Category(label, label) for label in labels)
    chosen = tuple(pilot._replace(categories=themes.get(pilot.id, ())) for pilot in pilots)
    return DataSet(pilots=chosen, categories=categories)
