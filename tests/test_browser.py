"""The exported HTML page in a real headless browser (Debian's chromium, driven by Selenium).

Skips, saying why, when the browser or its driver is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, load_pilots
from test_export import with_themes
from typer.testing import Result

from totalplace_cli.export import build_html
from totalplace_cli.loading import bundled_data_dir

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no browser: install Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver), as .ci/run does",
)

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
PHONE = (390, 844)
SMALL_PHONE = (320, 640)
DESKTOP = (1280, 1000)
PDFTOTEXT = shutil.which("pdftotext")


def axe_script() -> Path | None:
    """axe-core's axe.min.js: $AXE_CORE_JS, ./node_modules, or npm's global folder."""
    candidates = [os.environ.get("AXE_CORE_JS", ""), str(REPO / "node_modules")]
    npm = shutil.which("npm")
    if npm is not None:
        found = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip())
    for candidate in filter(None, candidates):
        path = Path(candidate)
        path = path if path.suffix == ".js" else path / "axe-core" / "axe.min.js"
        if path.is_file():
            return path
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module, with a fresh profile and no downloads."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install '.[test]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Naming the driver binary keeps Selenium Manager from looking for (or downloading) one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(tp: Callable[..., Result], tmp_path: Path, browser: Any) -> Any:
    """The page as `tp export html -o FILE` writes it, opened from disk at desktop width."""
    path = tmp_path / "faq.html"
    result = tp("export", "html", "-o", str(path))
    assert result.exit_code == 0, result.output
    browser.set_window_size(*DESKTOP)
    browser.get(path.as_uri())
    return browser


def css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def visible_questions(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    items = driver.find_elements(By.CSS_SELECTOR, "details.question")
    return [item.find_element(By.TAG_NAME, "summary").text for item in items if item.is_displayed()]


def visible_pilots(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#pilot-table tbody tr")
    return [row.find_element(By.TAG_NAME, "th").text for row in rows if row.is_displayed()]


def search_for(driver: Any, text: str) -> list[str]:
    """Type a query as a reader would (after clearing the box); the ids of the questions shown."""
    from selenium.webdriver.common.by import By

    box = css(driver, "#question-search")
    driver.execute_script(
        "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'))", box
    )
    box.send_keys(text)
    items = driver.find_elements(By.CSS_SELECTOR, "#question-list details.question")
    return [item.get_attribute("id") for item in items if item.is_displayed()]


def console_errors(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def no_horizontal_overflow(driver: Any) -> bool:
    sizes = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    scroll_width, client_width = driver.execute_script(sizes)
    return bool(scroll_width <= client_width)


def test_clicking_a_question_shows_its_answer_and_puts_it_in_the_address(page: Any) -> None:
    answer = css(page, "#what-sort-of-savings-can-be-made .answer p")
    assert not answer.is_displayed()
    css(page, "#what-sort-of-savings-can-be-made summary").click()
    assert answer.is_displayed()
    assert answer.text.startswith("During the last spending review period, councils made")
    assert not css(page, "#where-are-the-pilots .answer table").is_displayed()
    link = page.current_url
    assert link.endswith("#what-sort-of-savings-can-be-made")
    page.get("about:blank")
    page.get(link)
    assert css(page, "#what-sort-of-savings-can-be-made .answer p").is_displayed()
    permalink = css(page, "#what-sort-of-savings-can-be-made .permalink a")
    assert permalink.get_attribute("href") == link


def test_keyboard_opens_a_question(page: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    summary = css(page, "#who-is-supporting-the-initiative summary")
    answer = css(page, "#who-is-supporting-the-initiative .answer p")
    summary.send_keys(Keys.ENTER)
    assert answer.is_displayed()
    assert "Regional Improvement and Efficiency Partnerships (RIEPs)" in answer.text
    abbr = css(page, "#who-is-supporting-the-initiative abbr")
    assert (abbr.text, abbr.get_attribute("title")) == (
        "RIEPs",
        "Regional Improvement and Efficiency Partnerships",
    )


def test_each_question_is_a_heading(page: Any) -> None:
    from selenium.webdriver.common.by import By

    headings = page.find_elements(By.CSS_SELECTOR, "details.question > summary > h3")
    assert len(headings) >= 14
    assert headings[0].text == "1. What is Total Place?"
    assert css(page, "#what-is-total-place summary .toggle").is_displayed()  # Show / Hide


def test_search_puts_the_best_match_first_and_forgives_typos(page: Any) -> None:
    assert len(visible_questions(page)) == 14
    assert search_for(page, "savngs")[0] == "what-sort-of-savings-can-be-made"
    assert css(page, "#question-status").text.endswith("best match first")
    tribal = "what-is-the-role-of-tribal-consulting-in-the-total-place-initiative"
    assert search_for(page, "consultants")[0] == tribal
    assert search_for(page, "Tribal") == [tribal]
    assert (
        css(page, "#question-status").text
        == "1 of 14 questions match \u201cTribal\u201d, best match first"
    )
    assert len(search_for(page, "HM Treasury")) >= 1  # the FAQ says HMT
    assert search_for(page, "haven't you done this before")[0] == "havent-you-done-this-all-before"
    # Only function words: as `tp ask`, the questions' wording decides, and one alone finds none.
    assert search_for(page, "what is it")[0] == "what-is-total-place"
    assert search_for(page, "the") == []
    assert len(search_for(page, "")) == 14


def test_the_page_searches_with_the_thesaurus_other_phrasings_and_no_match_rule(page: Any) -> None:
    """As `tp ask --kind faq` (issue #20): everyday words, whole questions, honest "no match"."""
    assert search_for(page, "weather in leeds") == []  # once 11 of 14 questions
    assert search_for(page, "council tax bands") == []
    assert search_for(page, "kent police contact number") == []  # synonyms.yaml's `elsewhere`
    assert search_for(page, "kent police") != []
    assert search_for(page, "is this just a rehash of old schemes")[0] == (
        "havent-you-done-this-all-before"
    )
    assert search_for(page, "total place in a nutshell")[0] == "what-is-total-place"
    assert search_for(page, "which town halls were in the trial")[0] == "where-are-the-pilots"


def test_a_match_inside_an_answer_opens_it_and_marks_the_words(page: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    found = search_for(page, "Cumbria")
    assert found[0] == "how-did-you-arrive-at-the-method-pilots-are-using"
    answer = css(page, f"#{found[0]} .answer p")
    assert answer.is_displayed()
    marks = answer.find_elements(By.TAG_NAME, "mark")
    assert marks and {mark.text for mark in marks} == {"Cumbria"}
    page.save_screenshot(str(tmp_path / "search.png"))
    search_for(page, "")  # clearing the search closes it and removes the marks
    assert not answer.is_displayed()
    assert page.find_elements(By.TAG_NAME, "mark") == []


def test_no_results_gives_advice_and_a_button_that_clears_the_search(page: Any) -> None:
    assert search_for(page, "xylophone") == []
    advice = css(page, "#no-results")
    assert advice.is_displayed()
    assert "xylophone" in advice.text and "check the spelling" in advice.text
    css(page, "#clear-search").click()
    assert not advice.is_displayed()
    assert css(page, "#question-search").get_attribute("value") == ""
    assert len(visible_questions(page)) == 14
    assert page.switch_to.active_element == css(page, "#question-search")


def test_show_all_opens_every_question_then_hides_them(page: Any) -> None:
    from selenium.webdriver.common.by import By

    toggle = css(page, "#toggle-all")
    assert (toggle.text, toggle.get_attribute("aria-expanded")) == ("Show all sections", "false")
    toggle.click()
    answers = page.find_elements(By.CSS_SELECTOR, "details.question .answer")
    assert len(answers) == 14 and all(answer.is_displayed() for answer in answers)
    assert (toggle.text, toggle.get_attribute("aria-expanded")) == ("Hide all sections", "true")
    toggle.click()
    assert not any(answer.is_displayed() for answer in answers)
    assert toggle.text == "Show all sections"


def test_a_link_to_a_question_opens_it(page: Any) -> None:
    page.get(
        page.current_url.split("#")[0] + "#who-else-is-involved-in-the-pilots-at-the-local-level"
    )
    answer = css(page, "#who-else-is-involved-in-the-pilots-at-the-local-level .answer p")
    assert answer.is_displayed()
    assert "Local Strategic Partnership (LSP)" in answer.text


def test_a_link_to_a_question_hidden_by_the_search_clears_the_search(page: Any) -> None:
    assert "what-is-total-place" not in search_for(page, "Tribal")
    page.execute_script("location.hash = 'what-is-total-place'")
    assert css(page, "#what-is-total-place .answer p").is_displayed()
    assert css(page, "#question-search").get_attribute("value") == ""
    assert len(visible_questions(page)) == 14


def test_the_search_and_filters_live_in_the_address(page: Any) -> None:
    from selenium.webdriver.support.select import Select

    search_for(page, "savings")
    Select(css(page, "#pilot-region")).select_by_visible_text("West Midlands")
    link = page.current_url
    assert "q=savings" in link and "region=West+Midlands" in link
    page.get("about:blank")
    page.get(link)
    assert css(page, "#question-search").get_attribute("value") == "savings"
    assert visible_pilots(page) == ["Birmingham", "Coventry", "Worcestershire"]
    assert visible_questions(page)[0] == "12. What sort of savings can be made?"


def test_region_filter_narrows_the_pilots(page: Any) -> None:
    from selenium.webdriver.support.select import Select

    assert len(visible_pilots(page)) == 13
    Select(css(page, "#pilot-region")).select_by_visible_text("West Midlands")
    assert visible_pilots(page) == ["Birmingham", "Coventry", "Worcestershire"]
    assert css(page, "#pilot-status").text == "3 of 13 pilots shown"
    assert not css(page, "#pilot-kent").is_displayed()  # the pilots' details follow the filter
    Select(css(page, "#pilot-region")).select_by_visible_text("All regions")
    assert len(visible_pilots(page)) == 13


def test_theme_filter_combines_with_the_region_filter(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.select import Select

    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    # Test themes (not facts): the filter must work whatever themes the data comes to carry.
    themes = {"birmingham": ("Drugs & alcohol", "Gangs"), "croydon": ("Early years",)}
    themes["leicester-and-leicestershire"] = ("Drugs & alcohol",)

    path = tmp_path / "themes.html"
    path.write_text(build_html(with_themes(pilots, themes)), "utf-8")
    browser.set_window_size(*DESKTOP)
    browser.get(path.as_uri())
    theme = Select(css(browser, "#pilot-theme"))
    assert [o.text for o in theme.options] == [
        "All themes",
        "Drugs & alcohol",
        "Early years",
        "Gangs",
    ]
    theme.select_by_visible_text("Drugs & alcohol")
    assert visible_pilots(browser) == ["Leicester & Leicestershire", "Birmingham"]
    Select(css(browser, "#pilot-region")).select_by_visible_text("West Midlands")
    assert visible_pilots(browser) == ["Birmingham"]
    Select(css(browser, "#pilot-region")).select_by_visible_text("London")
    assert visible_pilots(browser) == []
    assert css(browser, "#pilot-status").text == "0 of 13 pilots shown"


@pytest.mark.parametrize("size", [PHONE, SMALL_PHONE])
def test_phones_have_no_horizontal_overflow(
    page: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    page.set_window_size(*size)
    css(page, "#toggle-all").click()  # every answer open, the FAQ's own table included
    assert no_horizontal_overflow(page)
    width = page.execute_script("return document.documentElement.clientWidth")
    search = css(page, "#question-search")
    assert search.rect["x"] >= 0 and search.rect["x"] + search.rect["width"] <= width
    # The pilots become stacked cards: each row as wide as the page, its cells labelled.
    row = css(page, "#pilot-table tbody tr")
    assert row.rect["x"] >= 0 and row.rect["x"] + row.rect["width"] <= width
    themes = css(page, "#pilot-table tbody tr td[data-label='Themes']")
    assert themes.rect["width"] > width / 2
    page.save_screenshot(str(tmp_path / f"phone-{size[0]}.png"))


def test_the_policy_lets_the_pages_own_script_run_without_errors(page: Any) -> None:
    policy = css(page, "meta[http-equiv='Content-Security-Policy']").get_attribute("content")
    assert policy.startswith("default-src 'none'")
    assert css(page, "#question-search").is_displayed()  # shown by the page's script
    page.get(page.current_url)
    assert console_errors(page) == []


def test_printing_shows_every_answer_and_hides_the_controls(page: Any) -> None:
    # Selenium's is_displayed() reads a <details>' open attribute, not the print style sheet:
    # ask the browser itself what it renders.
    rendered = "return document.querySelector(arguments[0]).checkVisibility()"
    answer = "#what-sort-of-savings-can-be-made .answer p"
    assert not page.execute_script(rendered, answer)
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert page.execute_script(rendered, answer)
        for hidden in ("#question-search", "#toggle-all", ".permalink", ".toggle"):
            assert not page.execute_script(rendered, hidden), hidden
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_the_printed_page_is_compact_and_prints_each_address_once(
    page: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4, in centimetres
    pdf = tmp_path / "faq.pdf"
    pdf.write_bytes(base64.b64decode(page.print_page(options)))
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))
    assert 1 <= pages <= 7
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the URL check needs it")
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    sources = page.execute_script(
        "return Array.from(document.querySelectorAll('.sources a')).map((a) => a.href)"
    )
    assert text.count("http") == len(sources) == len(set(sources))
    assert "Select a question" not in text and "Show all sections" not in text
    assert "Beyond the FAQ" in text and "\u00a382 billion" in text  # the programme prints too


def test_without_script_every_answer_reads_and_no_dead_control_shows(
    tp: Callable[..., Result], browser: Any, tmp_path: Path
) -> None:
    path = tmp_path / "faq.html"
    assert tp("export", "html", "-o", str(path)).exit_code == 0
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.set_window_size(*DESKTOP)
        browser.get(path.as_uri())
        assert len(visible_questions(browser)) == 14
        assert len(visible_pilots(browser)) == 13
        for control in ("#question-search", "#pilot-region", "#toggle-all"):
            assert not css(browser, control).is_displayed()
        css(browser, "#what-sort-of-savings-can-be-made summary").click()
        assert css(browser, "#what-sort-of-savings-can-be-made .answer p").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.mark.parametrize("size", [DESKTOP, PHONE])
def test_axe_finds_no_serious_accessibility_problem(page: Any, size: tuple[int, int]) -> None:
    script = axe_script()
    if script is None:
        pytest.skip("axe-core is not installed (npm install -g axe-core, as .ci/run does)")
    page.set_window_size(*size)
    page.execute_script(script.read_text(encoding="utf-8"))
    css(page, "#toggle-all").click()  # check the answers too
    results = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then((r) => done(r.violations), (e) => done(String(e)));"
    )
    assert isinstance(results, list), results
    serious = [
        (violation["id"], violation["help"], len(violation["nodes"]))
        for violation in results
        if violation["impact"] in {"serious", "critical"}
    ]
    assert serious == []


def test_the_page_search_agrees_with_tp_ask(tp: Callable[..., Result], page: Any) -> None:
    """The dev-set queries through the page and through `tp ask`: the same first answer."""
    rows = [
        line.split("\t")[0]
        for line in (REPO / "tests" / "data" / "ask_dev.tsv").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    kind = ["--kind", "faq"] if "--kind" in tp("ask", "--help").stdout else []
    agree = 0
    for query in rows:
        shown = search_for(page, query)
        result = tp("ask", query, "--json", "--limit", "1", *kind)
        expected = json.loads(result.stdout)[0]["slug"] if result.exit_code == 0 else None
        agree += (shown[0] if shown else None) == expected
    assert agree / len(rows) >= 0.9, f"{agree} of {len(rows)} agree"


# Issue #23: the page's last mile, as a browser renders it.

RGB = r"rgba?\((\d+), (\d+), (\d+)"


def colour(driver: Any, selector: str, property: str) -> tuple[int, ...]:
    """A computed colour of the first element `selector` finds, as (r, g, b)."""
    value = driver.execute_script(
        "return getComputedStyle(document.querySelector(arguments[0]))[arguments[1]]",
        selector,
        property,
    )
    found = re.match(RGB, value)
    assert found is not None, value
    return tuple(int(part) for part in found.groups())


def contrast(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    """WCAG 2's contrast ratio."""

    def luminance(rgb: tuple[int, ...]) -> float:
        r, g, b = (
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in (part / 255 for part in rgb)
        )
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_printed_header_reads_with_backgrounds_on(page: Any) -> None:
    """Printed with "background graphics" on, the header's band is behind its text: no black
    text on a black band (issue #23); on screen, white on GOV.UK blue."""
    on_screen = contrast(
        colour(page, "header h1", "color"), colour(page, ".band", "backgroundColor")
    )
    assert on_screen >= 4.5
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        band = colour(page, ".band", "backgroundColor")
        for text in ("header h1", ".opening", ".band .meta", ".band a"):
            assert contrast(colour(page, text, "color"), band) >= 4.5, text
            assert contrast(colour(page, text, "color"), (255, 255, 255)) >= 4.5, text
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_focus_is_gov_uks_yellow_with_black_text(page: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    body = css(page, "body")
    body.send_keys(Keys.TAB)  # the skip link
    body = page.switch_to.active_element
    body.send_keys(Keys.TAB)  # the header's link: a keyboard focus, so :focus-visible holds
    focused = page.switch_to.active_element
    assert focused.tag_name == "a"
    page.execute_script("arguments[0].setAttribute('data-focused', '')", focused)
    assert colour(page, "[data-focused]", "backgroundColor") == (255, 221, 0)
    assert colour(page, "[data-focused]", "color") == (11, 12, 12)


def test_a_citation_never_wraps_onto_a_line_of_its_own(page: Any) -> None:
    """At every width, each citation sits on the line of its statement's last word."""
    alone = """
      const problems = [];
      for (const refs of document.querySelectorAll('.refs')) {
        if (!refs.offsetParent) continue;  // in a closed or hidden part
        const rects = refs.getClientRects();
        if (rects.length !== 1) { problems.push('split: ' + refs.textContent); continue; }
        const before = refs.previousSibling;  // the statement's text, ending in a no-break space
        const range = document.createRange();
        const end = before.textContent.trimEnd().length;
        range.setStart(before, Math.max(0, end - 1));
        range.setEnd(before, end);
        const word = range.getClientRects();
        const last = word[word.length - 1];
        if (Math.abs(last.bottom - rects[0].bottom) > rects[0].height / 2) {
          problems.push('alone: ' + before.textContent.slice(-30) + refs.textContent);
        }
      }
      return problems;
    """
    for size in (DESKTOP, PHONE, SMALL_PHONE):
        page.set_window_size(*size)
        assert page.execute_script(alone) == [], size


def test_on_a_phone_the_header_leaves_room_for_the_page(page: Any) -> None:
    """The title, the opening and the sections' links fit in the first screen with room to
    spare: the questions' heading starts within it."""
    page.set_window_size(*PHONE)
    height = page.execute_script("return window.innerHeight")
    nav = css(page, "nav").rect
    assert nav["y"] + nav["height"] <= 0.7 * height
    assert css(page, "#questions-heading").rect["y"] < height
    assert css(page, ".opening").rect["y"] < 0.25 * height  # what it was for, before anything else
