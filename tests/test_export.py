"""`tp export html|markdown`: structure, every answer word for word, no external assets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import Result

from totalplace_cli.data import bundled_data_dir, load_faq, load_pilots
from totalplace_cli.export import build_html, build_markdown, pilot_themes
from totalplace_cli.models import Dataset, FaqEntry
from totalplace_cli.pilot_models import Pilot

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
    for landmark in ("<header>", '<main id="main"', "<nav ", "<footer>"):
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
    assert all(section == "sources-heading" for _, section in outside)
    assert all(value.startswith("https://") or value.startswith("http://") for value, _ in outside)
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_only_the_sources_section_links_out() -> None:
    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    url = "https://www.leadershipcentre.org.uk/totalplace/totalplaces/pilot/kent.html"

    def sources_of(pilot: Pilot) -> tuple[str, ...]:
        return (url,) if pilot.id == "kent" else ()

    html = build_html(Dataset(faq=FAQ, pilots=pilots), sources_of=sources_of)
    outside = [(v, s) for _, v, s in read_page(html).links if not v.startswith("#")]
    assert outside == [(url, "sources-heading")]
    assert f'<li>Kent: <a href="{url}">{url}</a></li>' in html


def test_sections_and_filters(page: str) -> None:
    for heading in ("Questions", "Pilot areas", "Glossary", "Sources"):
        assert f">{heading}</h2>" in page
    assert '<option value="West Midlands">West Midlands</option>' in page
    # A theme filter only when some pilot records a theme: never an empty control.
    has_themes = any(
        pilot_themes(pilot) for pilot in load_pilots(bundled_data_dir() / "pilots.yaml")
    )
    assert ('<select id="pilot-theme"' in page) == has_themes
    assert (
        '<tr data-region="North East" data-themes="[&quot;Regeneration&quot;]">'
        '<th scope="row">Durham</th>' in page
    )
    assert "Questions and answers: the official Total Place" in page
    assert "<dt>HMT</dt><dd>HM Treasury" in page


def test_theme_filter_lists_each_theme_once() -> None:
    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    themes = {"kent": ("Gateway", "Assets"), "coventry": ("Assets",)}

    def themes_of(pilot: Pilot) -> tuple[str, ...]:
        return themes.get(pilot.id, ())

    html = build_html(Dataset(faq=(), pilots=pilots), themes_of=themes_of)
    read_page(html)
    assert html.count('<option value="Assets">') == 1
    assert '<label for="pilot-theme">Theme</label>' in html
    assert 'data-themes="[&quot;Gateway&quot;, &quot;Assets&quot;]"' in html
    assert "<td>Gateway; Assets</td>" in html


def test_text_from_the_data_is_escaped() -> None:
    entry = FaqEntry(1, "x", 'Is <b>this</b> "safe" & sound?', "Yes <script>alert(1)</script>")
    pilot = Pilot("p", 'A "quoted" <name>', "R&D")
    html = build_html(Dataset(faq=(entry,), pilots=(pilot,)))
    read_page(html)
    assert "<script>alert" not in html and "<b>this" not in html
    assert "Yes &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-region="R&amp;D"' in html
    markdown = build_markdown(Dataset(faq=(entry,), pilots=(pilot,)))
    assert "Yes \\<script\\>alert(1)\\</script\\>" in markdown


def test_export_html_to_a_file_writes_nothing_on_stdout(tp: Tp, tmp_path: Path, page: str) -> None:
    path = tmp_path / "faq.html"
    result = tp("export", "html", "-o", str(path))
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
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
    assert "'pdf' is not one of 'html', 'markdown'" in result.stderr


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
    assert "## Sources\n\n- Questions and answers: the official Total Place" in text


def test_export_uses_the_data_dir(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "version: 1\npilots:\n  - {id: x, name: Xtown, region: Nowhere}\n", encoding="utf-8"
    )
    text = tp("--data-dir", str(tmp_path), "export", "markdown").stdout
    assert "| Xtown | Nowhere |" in text
