#!/usr/bin/env python3
"""The exported page's search against `tp ask`: how often their first answers agree, and how
often the page's first answer is an expected one. Needs Chromium, chromedriver and Selenium.

usage: python benchmarks/page_search.py [QUERY_FILE ...]
By default: tests/data/ask_dev.tsv (a copy of the shared dev set) and tests/data/ask_extra.tsv.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [REPO / "tests" / "data" / "ask_dev.tsv", REPO / "tests" / "data" / "ask_extra.tsv"]
TP = shutil.which("tp", path=str(Path(sys.executable).parent)) or "tp"
SEARCH = """
const box = document.getElementById('question-search');
box.value = arguments[0];
box.dispatchEvent(new Event('input'));
const shown = Array.from(document.querySelectorAll('#question-list details.question'))
  .filter((item) => !item.hidden);
return shown.length ? shown[0].querySelector('h3').textContent : null;
"""


def tp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TP, *args], capture_output=True, text=True, check=False)


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )
    kind = ["--kind", "faq"] if "--kind" in tp("ask", "--help").stdout else []
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "faq.html"
        tp("export", "html", "-o", str(page))
        driver.get(page.as_uri())
        for name in sys.argv[1:] or DEFAULT_FILES:
            rows = [
                line.split("\t")
                for line in Path(name).read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")
            ]
            agree = right = 0
            for query, expected, *_ in rows:
                heading = driver.execute_script(SEARCH, query)
                shown = heading.split(". ", 1)[1] if heading else None
                result = tp("ask", query, "--json", "--limit", "1", *kind)
                cli = json.loads(result.stdout)[0]["question"] if result.returncode == 0 else None
                agree += shown == cli
                right += shown in expected.split(" | ")
                if shown != cli:
                    print(f"  differ: {query!r}: page {shown!r}, tp ask {cli!r}")
            print(
                f"{Path(name).name}: {len(rows)} queries; page and tp ask agree on "
                f"{agree} ({agree / len(rows):.0%}); page first answer expected: "
                f"{right} ({right / len(rows):.0%})"
            )
    driver.quit()


if __name__ == "__main__":
    main()
