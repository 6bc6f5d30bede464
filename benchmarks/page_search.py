#!/usr/bin/env python3
"""The exported page's search against `tp ask --kind faq`, in Chromium: for each query file, the
page's top-1 and MRR@5, its false "no match" and off-topic queries answered (as ask_quality.py
reports them), and how often its first answer is `tp ask`'s. Needs Chromium, chromedriver and
Selenium. KIND:KEY rows are skipped: the page holds only the FAQ.

usage: python benchmarks/page_search.py [QUERY_FILE ...]   (default: ask_quality.py's files)
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SEARCH = """
const box = document.getElementById('question-search');
box.value = arguments[0];
box.dispatchEvent(new Event('input'));
return Array.from(document.querySelectorAll('#question-list details.question'))
  .filter((item) => !item.hidden).slice(0, 5).map((item) => item.id);
"""


def load_quality() -> Any:
    path = REPO / "benchmarks" / "ask_quality.py"
    spec = importlib.util.spec_from_file_location("ask_quality", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    quality = load_quality()
    from totalplace_cli.export import build_html
    from totalplace_cli.loading import resolve_data_files
    from totalplace_cli.models import DataSet
    from totalplace_cli.search import search
    from totalplace_cli.store import Store, use

    files = resolve_data_files(None, "bundled")
    data = use(files, Store.data_set)
    faq = data.faq
    slug_of = {quality.normalise(entry.question): entry.slug for entry in faq}
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )
    shown_data = DataSet(faq=faq, glossary=data.glossary, thesaurus=data.thesaurus)
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "faq.html"
        page.write_text(build_html(shown_data), "utf-8")
        driver.get(page.as_uri())

        def report(database: Any) -> None:
            named = [Path(arg) for arg in sys.argv[1:] if arg != "-v"]
            for name in named or quality.DEFAULT_FILES:
                if not name.exists():
                    continue
                rows = [q for q in quality.read_queries(name) if q.kinds or not q.expected]
                if not rows:
                    continue
                top1 = rr = no_match = answered = agree = 0.0
                off_topic = sum(not q.expected for q in rows)
                for query in rows:
                    shown = driver.execute_script(SEARCH, query.text)
                    cli = search(database, query.text, 1, quality.FAQ_ONLY).results
                    first = cli[0].entry.slug if cli else None
                    agree += (shown[:1] or [None])[0] == first
                    if "-v" in sys.argv[1:2] and (shown[:1] or [None])[0] != first:
                        print(f"  differ: {query.text!r}: page {shown[:1]}, tp ask {first}")
                    if not query.expected:
                        answered += bool(shown)
                        continue
                    wanted = {slug_of[e] for e in query.expected if e in slug_of}
                    rank = next((i for i, slug in enumerate(shown) if slug in wanted), None)
                    no_match += not shown
                    if rank is not None:
                        top1 += rank == 0
                        rr += 1 / (rank + 1)
                count = max(len(rows) - off_topic, 1)
                print(
                    f"{name.name}: page top-1 {top1 / count:.2f}  MRR@5 {rr / count:.2f}  "
                    f"no match {no_match:.0f}/{len(rows) - off_topic}  off-topic answered "
                    f"{answered:.0f}/{off_topic}  agrees with tp ask {agree / len(rows):.0%}"
                )

        use(files, lambda store: report(store.database))
    driver.quit()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
