"""`tp pilots`, `tp pilot`, `tp regions`, `tp themes` through the real app, and their completion."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from conftest import load_catalogue
from typer.testing import Result

from totalplace_cli.cli import app, complete_pilot, complete_place, complete_region, complete_theme
from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.lookup import pilots_by_category, pilots_by_region
from totalplace_cli.render import BAR, render_groups
from totalplace_cli.streams import PILOT_CSV_COLUMNS, OutputContext

Tp = Callable[..., Result]
GOLDEN = Path(__file__).parent / "golden"
LEICESTER, TYNE = "Leicester & Leicestershire", "South Tyneside, Gateshead & Sunderland"


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich reads COLUMNS; fix it so that tables render the same everywhere."""
    monkeypatch.setenv("COLUMNS", "80")


def assert_golden(name: str, output: str) -> None:
    """Compare with tests/golden/NAME; TP_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("TP_UPDATE_GOLDEN"):
        path.write_text(output, encoding="utf-8")
    assert output == path.read_text(encoding="utf-8")


def names(result: Result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [pilot["name"] for pilot in json.loads(result.stdout)]


# tp pilots


def test_pilots_in_a_pipe_match_the_golden_file_one_line_each(tp: Tp) -> None:
    result = tp("pilots")
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert len(result.output.splitlines()) == 13  # one line per pilot, however long
    assert_golden("pilots.txt", result.output)


def test_pilots_show_theme_categories_for_every_pilot(tp: Tp) -> None:
    output = tp("pilots").output
    assert "(no sourced themes)" not in output
    durham = next(line for line in output.splitlines() if "Durham" in line)
    assert "regeneration" in durham
    dorset = next(line for line in output.splitlines() if "Dorset" in line)
    assert "older-people" in dorset


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--theme", "children"],
            [
                "Croydon",
                "South Tyneside, Gateshead & Sunderland",
                "Manchester & Warrington",
                "Birmingham",
                "Coventry",
                "Worcestershire",
            ],
        ),
        (["--theme", "drugs"], [LEICESTER, TYNE, "Birmingham", "Worcestershire"]),
        (["--theme", "ALCOHOL"], [LEICESTER, TYNE, "Birmingham", "Worcestershire"]),
        (["--theme", "regeneration"], ["Durham"]),
        (["--theme", "housing"], ["Birmingham"]),
        (["--theme", "leaving care"], ["Bradford"]),
        (
            ["--theme", "offender"],
            ["Luton & Central Bedfordshire", "Lewisham", "Birmingham", "Bradford"],
        ),
        (["--theme", "older"], ["Dorset, Poole & Bournemouth"]),
        (["-t", "gangs"], ["Birmingham"]),
        (["--place", "Poole"], ["Dorset, Poole & Bournemouth"]),
        (["--place", "Gateshead"], ["South Tyneside, Gateshead & Sunderland"]),
        (["-p", "thanet"], ["Kent"]),
        (["--region", "west mids"], ["Birmingham", "Coventry", "Worcestershire"]),
        (["-r", "Yorkshire"], ["Bradford"]),
        (["--region", "north-east"], ["Durham", "South Tyneside, Gateshead & Sunderland"]),
        (["--region", "west mids", "--theme", "drugs"], ["Birmingham", "Worcestershire"]),
        (["--region", "london", "--theme", "children"], ["Croydon"]),
        (
            ["--theme", "children", "--place", "sunderland"],
            ["South Tyneside, Gateshead & Sunderland"],
        ),
        (
            ["-r", "north east", "-t", "young", "-p", "gateshead"],
            ["South Tyneside, Gateshead & Sunderland"],
        ),
    ],
)
def test_pilots_filters_and_combinations(tp: Tp, args: list[str], expected: list[str]) -> None:
    assert names(tp("pilots", *args, "--json")) == expected


def test_pilots_json_only_adds_keys_and_carries_sources(tp: Tp) -> None:
    data = json.loads(tp("pilots", "--json").output)
    assert len(data) == 13
    for pilot in data:
        assert list(pilot)[:3] == ["id", "name", "region"]
        assert {"themes", "categories", "authorities", "figures", "sources"} <= set(pilot)
    birmingham = next(p for p in data if p["id"] == "birmingham")
    # A citation keeps its page's address under "source" and adds its ids in the registry.
    assert {
        "text": "Gangs",
        "source": "https://fairbrum.wordpress.com/bb-archive/total-place/",
        "source_ids": ["fairbrum-birmingham"],
    } in (birmingham["themes"])
    assert birmingham["authorities_source_ids"] == ["publicnet-2010-02-18-birmingham"]
    assert birmingham["figures"][0]["text"].startswith("A financial mapping exercise")
    assert "in 2008-09" in birmingham["figures"][1]["text"]
    assert all(pilot["themes"] for pilot in data)


def test_pilots_csv_has_a_header_stable_columns_and_joined_lists(tp: Tp) -> None:
    result = tp("pilots", "--csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == PILOT_CSV_COLUMNS
    assert len(rows) == 14
    kent = dict(zip(rows[0], next(r for r in rows if r[0] == "kent"), strict=True))
    assert kent["categories"] == "customer-access; assets-and-property; neighbourhoods"
    assert kent["authorities"].split("; ")[:2] == ["Kent County Council", "Ashford Borough Council"]
    assert kent["official_name"] == ""
    filtered = list(csv.reader(io.StringIO(tp("pilots", "--csv", "--place", "Poole").stdout)))
    assert [row[0] for row in filtered] == ["id", "dorset-poole-and-bournemouth"]


def test_pilots_json_and_csv_together_is_a_usage_error(tp: Tp) -> None:
    result = tp("pilots", "--json", "--csv")
    assert result.exit_code == 2
    assert result.stderr == "tp: choose one of --json and --csv\n"


@pytest.mark.parametrize(
    ("args", "start", "closest"),
    [
        (["--region", "Wales"], "tp: unknown region 'Wales'; the regions are: ", "East"),
        (["--region", "eastmids"], "tp: unknown region 'eastmids'; did you mean ", "East Midlands"),
        (
            ["--theme", "transport"],
            "tp: no pilot theme like 'transport'; the themes are: ",
            "older-people",
        ),
        (["--theme", "zzz", "--region", "London"], "tp: no pilot theme like 'zzz'", "themes are"),
        (["--theme", "olderpeople"], "tp: no pilot theme like 'olderpeople'; did", "older-people"),
        (["--region", "  "], "tp: the --region value is empty; the regions are: ", "East"),
    ],
)
def test_pilots_invalid_values_exit_2_naming_the_closest(
    tp: Tp, args: list[str], start: str, closest: str
) -> None:
    result = tp("pilots", *args, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(start)
    assert closest in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "London", "--theme", "older"], "no pilot meets all of --region 'London'"),
        (["--region", "Yorkshire", "--theme", "children"], "--region 'Yorkshire' --theme"),
        (["--place", "Leeds"], "no pilot's names, member authorities or themes mention 'Leeds'"),
    ],
)
def test_pilots_valid_filters_matching_nothing_exit_1(
    tp: Tp, args: list[str], message: str
) -> None:
    table = tp("pilots", *args)
    assert table.exit_code == 1
    assert table.stdout == ""
    assert message in table.stderr and table.stderr.count("\n") == 1
    as_json = tp("pilots", *args, "--json")
    assert as_json.exit_code == 1
    assert as_json.stdout == "[]\n"
    as_csv = tp("pilots", *args, "--csv")
    assert as_csv.exit_code == 1
    assert as_csv.stdout == ",".join(PILOT_CSV_COLUMNS) + "\n"


# tp pilot


def test_pilot_shows_every_sourced_part_and_the_faq_line(tp: Tp) -> None:
    result = tp("pilot", "poole")
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert_golden("pilot-dorset.txt", result.output)
    output = result.output
    assert output.startswith("Dorset, Poole & Bournemouth\n")
    for part in ("Themes", "Member authorities and bodies", "Figures", "Sources"):
        assert part in output
    assert "<http://www.sharedintelligence.net/portfolio/total-place/>" in output
    assert "In the FAQ: 2. Where are the pilots?  (tp show 2)" in output
    assert "  South West | Dorset, Poole & Bournemouth |" in output


def test_pilot_without_sourced_themes_says_so(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "pilots:\n  - {id: x, name: Xtown, region: Nowhere}\n", encoding="utf-8"
    )
    output = tp("--data-dir", str(tmp_path), "pilot", "xtown").output
    assert "Themes\n  none found in the sources read\n" in output
    assert "Figures" not in output


def test_lewisham_says_what_is_not_known(tp: Tp) -> None:
    output = tp("pilot", "lewisham").output
    assert "one of the pilot\u2019s four themes (the other three are not known)" in output
    assert "<http://www.esro.co.uk/impact/lewisham-no-ordinary-criminals.html>" in output


@pytest.mark.parametrize("key", ["birmingham", "Birmingham", "birm", "birmingam"])
def test_pilot_accepts_id_name_prefix_and_near_misses(tp: Tp, key: str) -> None:
    result = tp("pilot", key, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "birmingham"


def test_pilot_json_adds_the_faq_mentions(tp: Tp) -> None:
    data = json.loads(tp("pilot", "gateshead", "--json").output)
    assert data["id"] == "south-tyneside-gateshead-and-sunderland"
    assert data["faq"] == [
        {
            "id": 2,
            "slug": "where-are-the-pilots",
            "question": "Where are the pilots?",
            "lines": ["North East | South Tyneside, Gateshead & Sunderland |"],
        }
    ]
    assert data["field_trials"][0]["source"].startswith("http://www.publicnet.co.uk/")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("zzzz", "tp: no pilot 'zzzz'; see 'tp pilots'"),
        ("london", "'london' is a region: try tp pilots --region 'london'"),
        ("west", "'west' could be any of: "),
    ],
)
def test_pilot_unknown_or_ambiguous_exits_2(tp: Tp, key: str, message: str) -> None:
    result = tp("pilot", key)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


# tp regions, tp themes


def test_regions_plain_text_matches_the_golden_file(tp: Tp) -> None:
    result = tp("regions")
    assert result.exit_code == 0
    assert BAR not in result.output  # bars only in a terminal
    assert_golden("regions.txt", result.output)


def test_regions_json(tp: Tp) -> None:
    data = json.loads(tp("regions", "--json").output)
    assert data[-1] == {
        "region": "Yorkshire & Humber",
        "count": 1,
        "pilots": [{"id": "bradford", "name": "Bradford"}],
    }
    assert sum(row["count"] for row in data) == 13
    assert [row["region"] for row in data if row["count"] > 1] == [
        "London",
        "North East",
        "West Midlands",
    ]


def test_themes_plain_text_matches_the_golden_file(tp: Tp) -> None:
    result = tp("themes")
    assert result.exit_code == 0
    assert "No sourced themes" not in result.output
    assert "housing                     1  Birmingham\n" in result.output
    assert_golden("themes.txt", result.output)


def test_themes_json(tp: Tp) -> None:
    data = json.loads(tp("themes", "--json").output)
    first = data[0]
    assert first["id"] == "children-and-young-people"
    assert first["label"] == "Children and young people"
    assert first["count"] == len(first["pilots"]) == 6
    assert "children" in first["synonyms"]
    older = next(row for row in data if row["id"] == "older-people")
    assert older["pilots"] == [
        {"id": "dorset-poole-and-bournemouth", "name": "Dorset, Poole & Bournemouth"}
    ]


def test_bar_charts_appear_in_a_terminal() -> None:
    pilots, categories = load_catalogue(bundled_data_dir() / "pilots.yaml")
    buffer = io.StringIO()
    terminal = OutputContext(buffer, is_terminal=True, color=False, width=100)
    render_groups(terminal, pilots_by_region(pilots), "Regions and their pilots")
    west = next(line for line in buffer.getvalue().splitlines() if "West Midlands" in line)
    assert BAR * 3 in west and BAR * 4 not in west
    buffer.truncate(0)
    groups = [(c.id, members) for c, members in pilots_by_category(pilots, categories)]
    render_groups(terminal, groups, "Themes and their pilots")
    children = next(ln for ln in buffer.getvalue().splitlines() if "children-and-young" in ln)
    assert BAR * 6 in children


def test_new_commands_have_help_with_an_example(tp: Tp) -> None:
    for command in ["pilots", "pilot", "regions", "themes"]:
        result = tp(command, "--help")
        assert result.exit_code == 0, command
        assert "Example" in result.output, command
    assert "--install-completion" in tp("--help").output


def test_user_data_file_without_categories_still_filters_by_its_own_wording(
    tp: Tp, tmp_path: Path
) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "pilots:\n"
        "  - {id: x, name: Xtown, region: North,"
        " themes: [{text: Ferry services, source: x-page}]}\n"
        "  - {id: y, name: Ytown, region: South}\n",
        encoding="utf-8",
    )
    # A registry of one's own replaces the bundled one, which the bundled programme cites.
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: x-page, url: 'https://example.org/x', title: X, publisher: P,"
        " type: blog}\n",
        encoding="utf-8",
    )
    (tmp_path / "programme.yaml").write_text("events: []\n", encoding="utf-8")
    result = tp("--data-dir", str(tmp_path), "pilots", "--theme", "ferries", "--json")
    assert [pilot["id"] for pilot in json.loads(result.stdout)] == ["x"]
    assert tp("--data-dir", str(tmp_path), "themes", "--json").stdout == "[]\n"


def test_a_bad_pilots_file_is_exit_3_for_the_new_commands(tp: Tp, tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "pilots:\n  - {id: x, name: X, region: R, themes: [{text: T}]}\n", encoding="utf-8"
    )
    for command in (["pilots"], ["pilot", "x"], ["regions"], ["themes"]):
        result = tp("--data-dir", str(tmp_path), *command)
        assert result.exit_code == 3, command
        assert "pilots.yaml:2:" in result.stderr
        assert "pilot 1 (id x): 'themes[1].source' is missing" in result.stderr


# Shell completion


def completion_context(data_dir: Path | None = None) -> typer.Context:
    """A context as Typer builds it while completing: global options parsed, not applied."""
    command = typer.main.get_command(app)
    context = typer.Context(command)
    context.params = {"data_dir": str(data_dir) if data_dir else None}
    return context


def test_completion_callbacks_offer_values_from_the_bundled_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TP_DATA_DIR", raising=False)
    ctx = completion_context()
    assert complete_region(ctx, "west") == [("west-midlands", "West Midlands")]
    assert ("yorkshire-and-humber", "Yorkshire & Humber") in complete_region(ctx, "")
    assert complete_theme(ctx, "old") == [("older-people", "Older people")]
    assert len(complete_theme(ctx, "")) == 13
    assert ("Poole", "Dorset, Poole & Bournemouth") in complete_place(ctx, "Po")  # case as typed
    assert complete_pilot(ctx, "bir") == [("birmingham", "Birmingham")]


def test_completion_follows_the_data_dir_and_survives_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "pilots:\n  - {id: x, name: Xtown, region: Nowhere}\n", encoding="utf-8"
    )
    assert complete_region(completion_context(tmp_path), "") == [("nowhere", "Nowhere")]
    (tmp_path / "pilots.yaml").write_text("pilots: [\n", encoding="utf-8")
    assert complete_region(completion_context(tmp_path), "") == []
    assert complete_theme(completion_context(tmp_path / "missing"), "") == []


TP = shutil.which("tp", path=str(Path(sys.executable).parent)) or shutil.which("tp")


@pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")
def test_the_installed_script_completes_option_values_in_bash(tmp_path: Path) -> None:
    assert TP
    environment = {k: v for k, v in os.environ.items() if k != "TP_DATA_DIR"}

    def complete(words: str) -> list[str]:
        env = environment | {
            "_TP_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        result = subprocess.run(
            [TP], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert complete("tp pilots --region west") == ["west-midlands"]
    assert complete("tp pilots --theme drugs") == ["drugs-and-alcohol"]
    assert complete("tp pilots --place gates") == ["gateshead"]
    assert complete("tp pilot cov") == ["coventry"]
