"""The examples of the README (and of docs/usage.md and docs/json-output.md) run as written and
print what they show.

As sqlite-utils checks its documentation: every ```console block is a list of `$ COMMAND` lines,
each followed by its output (stdout and stderr, as a terminal shows both). The commands of a block
run in order in bash, in an empty temporary folder of the block's own, with the installed `tp`
first on PATH; one that pipes into jq is skipped when jq is not installed. After a deliberate
change of output, `TP_UPDATE_GOLDEN=1` writes the real output into the documents, to be reviewed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import REPO, clean_env
from test_console_script import TP

DOCUMENTS = [REPO / "README.md", *(REPO / "docs" / name for name in ("usage.md", "json-output.md"))]
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# The date the exported page says it was generated, so that its size never varies.
SOURCE_DATE_EPOCH = "1262304000"  # 2010-01-01
JQ, BASH = shutil.which("jq"), shutil.which("bash")


class Example(NamedTuple):
    """One `$ command` of a document, with the line it is on and the output it shows."""

    document: str  # its path in the repository
    line: int
    command: str
    output: str


def blocks(path: Path) -> list[list[Example]]:
    """The console blocks of `path`: each `$ command` with the output shown below it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    found = []
    for block in BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        commands: list[Example] = []
        for number, line in enumerate(block.group(1).splitlines(keepends=True), first):
            if line.startswith("$ "):
                relative = path.relative_to(REPO).as_posix()
                commands.append(Example(relative, number, line[2:].rstrip("\n"), ""))
            elif commands:
                commands[-1] = commands[-1]._replace(output=commands[-1].output + line)
        found.append(commands)
    return found


ALL = [block for document in DOCUMENTS for block in blocks(document) if block]


def test_the_readme_has_examples_to_check() -> None:
    assert sum(len(block) for block in blocks(REPO / "README.md")) >= 8


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
@pytest.mark.skipif(BASH is None, reason="bash is not installed: the examples are shell commands")
@pytest.mark.parametrize("block", ALL, ids=[f"{b[0].document}:{b[0].line}" for b in ALL])
def test_examples_print_what_the_document_shows(block: list[Example], tmp_path: Path) -> None:
    assert TP is not None
    env = clean_env(PATH=f"{Path(TP).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    without_jq = [e for e in block if re.search(r"\bjq\b", e.command)] if not JQ else []
    shown = [example.output for example in block]
    for index, example in enumerate(block):
        if example in without_jq:
            continue
        result = subprocess.run(
            [str(BASH), "-c", example.command],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        if os.environ.get("TP_UPDATE_GOLDEN"):
            shown[index] = result.stdout
        else:
            assert result.stdout == example.output, f"{example.document}, line {example.line}"
    if shown != [example.output for example in block]:  # only with TP_UPDATE_GOLDEN
        path = REPO / block[0].document
        before = "".join(f"$ {example.command}\n{example.output}" for example in block)
        after = "".join(f"$ {e.command}\n{out}" for e, out in zip(block, shown, strict=True))
        path.write_text(path.read_text(encoding="utf-8").replace(before, after, 1), "utf-8")
    if without_jq:
        pytest.skip(f"jq is not installed (apt-get install jq): {len(without_jq)} not run")
