"""The exported HTML page in a real headless browser (Debian's chromium, driven by Selenium).

Skips, saying why, when the browser or its driver is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from totalplace_cli.data import bundled_data_dir, load_pilots
from totalplace_cli.export import build_html
from totalplace_cli.models import Dataset
from totalplace_cli.pilot_models import Pilot

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
DESKTOP = (1200, 1000)


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


def test_clicking_a_question_shows_its_answer(page: Any, tmp_path: Path) -> None:
    answer = css(page, "#what-sort-of-savings-can-be-made .answer p")
    assert not answer.is_displayed()
    css(page, "#what-sort-of-savings-can-be-made summary").click()
    assert answer.is_displayed()
    assert answer.text.startswith("During the last spending review period, councils made")
    table = css(page, "#where-are-the-pilots .answer table")
    assert not table.is_displayed()
    page.save_screenshot(str(tmp_path / "answer-open.png"))


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


def test_typing_in_the_search_box_filters_the_questions(page: Any, tmp_path: Path) -> None:
    assert len(visible_questions(page)) == 14
    search = css(page, "#question-search")
    assert search.is_displayed()
    search.send_keys("Tribal")
    assert visible_questions(page) == [
        "9. What is the role of Tribal Consulting in the Total Place initiative?"
    ]
    assert css(page, "#question-status").text == "1 of 14 questions match"
    search.clear()
    search.send_keys("haven't")  # a straight apostrophe finds the FAQ's curly one
    assert visible_questions(page) == ["14. Haven\u2019t you done this all before?"]
    page.save_screenshot(str(tmp_path / "search.png"))
    search.clear()
    search.send_keys("zzzz")
    assert visible_questions(page) == []
    assert css(page, "#question-status").text == "0 of 14 questions match"


def test_region_filter_narrows_the_pilots(page: Any) -> None:
    from selenium.webdriver.support.select import Select

    assert len(visible_pilots(page)) == 13
    Select(css(page, "#pilot-region")).select_by_visible_text("West Midlands")
    assert visible_pilots(page) == ["Birmingham", "Coventry", "Worcestershire"]
    assert css(page, "#pilot-status").text == "3 of 13 pilots shown"
    Select(css(page, "#pilot-region")).select_by_visible_text("All regions")
    assert len(visible_pilots(page)) == 13


def test_theme_filter_combines_with_the_region_filter(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.select import Select

    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    # Test themes (not facts): the filter must work whatever themes the data comes to carry.
    themes = {"birmingham": ("Drugs & alcohol", "Gangs"), "croydon": ("Early years",)}
    themes["leicester-and-leicestershire"] = ("Drugs & alcohol",)

    def themes_of(pilot: Pilot) -> tuple[str, ...]:
        return themes.get(pilot.id, ())

    path = tmp_path / "themes.html"
    path.write_text(build_html(Dataset(faq=(), pilots=pilots), themes_of=themes_of), "utf-8")
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


def test_phone_width_has_no_horizontal_scroll(page: Any, tmp_path: Path) -> None:
    page.set_window_size(*PHONE)
    css(page, "#where-are-the-pilots summary").click()
    width = page.execute_script("return document.documentElement.clientWidth")
    assert page.execute_script("return document.documentElement.scrollWidth") <= width
    search = css(page, "#question-search")
    assert search.rect["x"] >= 0 and search.rect["x"] + search.rect["width"] <= width
    page.save_screenshot(str(tmp_path / "phone.png"))


def test_printing_shows_every_answer_and_hides_the_controls(page: Any) -> None:
    # Selenium's is_displayed() reads a <details>' open attribute, not the print style sheet:
    # ask the browser itself what it renders.
    rendered = "return document.querySelector(arguments[0]).checkVisibility()"
    answer = "#what-sort-of-savings-can-be-made .answer p"
    assert not page.execute_script(rendered, answer)
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert page.execute_script(rendered, answer)
        assert not page.execute_script(rendered, "#question-search")
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


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
        assert not css(browser, "#question-search").is_displayed()
        assert not css(browser, "#pilot-region").is_displayed()
        css(browser, "#what-sort-of-savings-can-be-made summary").click()
        assert css(browser, "#what-sort-of-savings-can-be-made .answer p").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_a_link_to_a_question_opens_it(page: Any) -> None:
    page.get(
        page.current_url.split("#")[0] + "#who-else-is-involved-in-the-pilots-at-the-local-level"
    )
    answer = css(page, "#who-else-is-involved-in-the-pilots-at-the-local-level .answer p")
    assert answer.is_displayed()
    assert "Local Strategic Partnership (LSP)" in answer.text
