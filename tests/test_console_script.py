"""The contract, through the installed `tp` console script in a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TP = shutil.which("tp", path=str(Path(sys.executable).parent)) or shutil.which("tp")


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    assert TP, "the tp console script is not installed"
    environment = {k: v for k, v in os.environ.items() if k != "TP_DATA_DIR"} | env
    return subprocess.run(
        [TP, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=environment,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
def test_installed_script_answers_from_any_directory(tmp_path: Path) -> None:
    result = run("ask", "savings", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == 12
    pilots = run("pilots", "--region", "West Midlands", "--json", cwd=tmp_path)
    assert [p["name"] for p in json.loads(pilots.stdout)] == [
        "Birmingham",
        "Coventry",
        "Worcestershire",
    ]


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
def test_piped_output_has_no_colour_codes(tmp_path: Path) -> None:
    result = run("show", "2", cwd=tmp_path)
    assert result.returncode == 0
    assert "\x1b[" not in result.stdout
    assert "Yorkshire & Humber | Bradford |" in result.stdout


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    result = run("show", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("tp: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_python_dash_m_works(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "totalplace_cli", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("tp ")


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
def test_help_listing_suggestions_and_global_options(tmp_path: Path) -> None:
    listed = run("--help", cwd=tmp_path).stdout
    for command in ("questions", "show", "ask", "pilots", "glossary", "export", "validate"):
        assert f"  {command} " in listed
    misspelt = run("aks", "savings", cwd=tmp_path)
    assert misspelt.returncode == 2
    assert "Did you mean 'ask'?" in misspelt.stderr
    with_option = run("--data-dir", str(tmp_path), "ask", "savings", "--json", cwd=tmp_path)
    assert json.loads(with_option.stdout)[0]["id"] == 12
    help_of_one = run("ask", "--help", cwd=tmp_path)
    assert help_of_one.returncode == 0 and "Example" in help_of_one.stdout


def loaded_modules(*args: str, tmp_path: Path) -> set[str]:
    """The modules a run of `tp ARGS` imports, through the console script's own entry point."""
    script = (
        "import sys\n"
        f"sys.argv = ['tp', *{list(args)!r}]\n"
        "from totalplace_cli.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    return set(result.stderr.split())


def test_json_never_imports_rich_and_text_does(tmp_path: Path) -> None:
    assert "rich" not in loaded_modules("ask", "savings", "--json", tmp_path=tmp_path)
    assert "rich" not in loaded_modules("pilots", "--json", tmp_path=tmp_path)
    assert "rich" in loaded_modules("ask", "savings", tmp_path=tmp_path)


def test_only_the_export_loads_its_templates(tmp_path: Path) -> None:
    assert "jinja2" not in loaded_modules("ask", "savings", tmp_path=tmp_path)
    assert "jinja2" not in loaded_modules("show", "2", tmp_path=tmp_path)
    assert "jinja2" in loaded_modules("export", "markdown", tmp_path=tmp_path)


def test_no_private_typer_or_click_module_is_used() -> None:
    source = Path(__file__).resolve().parents[1] / "src"
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "typer._" not in text and "click._" not in text, path


WARM_RUNS = ["questions", "show 12", "ask savings", "ask savings --json", "pilots", "pilot kent"]
WARM_RUNS += ["regions", "themes", "glossary", "timeline", "facts", "info", "export markdown"]


@pytest.mark.parametrize("command", WARM_RUNS)
def test_a_warm_run_reads_the_store_not_the_data_files(command: str, tmp_path: Path) -> None:
    """Once the store is built, no command parses YAML or loads a schema validator."""
    assert "yaml" in loaded_modules("questions", tmp_path=tmp_path)  # builds the store
    loaded = loaded_modules(*command.split(), tmp_path=tmp_path)
    assert "totalplace_cli.cli" in loaded
    assert not {"yaml", "jsonschema"} & loaded
