"""pilots.yaml: every added fact carries its source; bad files are reported by file and pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import bundled_data, load_catalogue, load_pilots

from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.streams import DataError, ExitCode

PILOTS, CATEGORIES = load_catalogue(bundled_data_dir() / "pilots.yaml")


def test_every_pilot_lists_exactly_the_pages_its_statements_cite() -> None:
    for pilot in PILOTS:
        cited = {source for _, ids in pilot.citations() for source in ids}
        facts = [*pilot.themes, *pilot.figures, *pilot.field_trials]
        assert all(fact.source for fact in facts), pilot.id
        assert bool(pilot.authorities) == bool(pilot.authorities_source), pilot.id
        assert bool(pilot.official_name) == bool(pilot.official_name_source), pilot.id
        assert set(pilot.sources) == cited, pilot.id
        assert len(set(pilot.sources)) == len(pilot.sources), f"{pilot.id}: repeated source"


def test_categories_are_derived_only_from_sourced_themes() -> None:
    for pilot in PILOTS:
        assert bool(pilot.categories) == bool(pilot.themes), pilot.id


def test_every_pilot_has_a_sourced_theme() -> None:
    assert all(pilot.themes and pilot.categories for pilot in PILOTS)


def test_new_themes_keep_their_sources_words() -> None:
    by_id = {pilot.id: pilot for pilot in PILOTS}
    assert "regeneration" in by_id["durham"].themes[0].text
    assert by_id["durham"].themes[0].source == ("localgov-2009-08-06-pilots",)
    assert by_id["bradford"].themes[0].text == (
        "Support for people leaving care, prison and hospital"
    )
    birmingham = by_id["birmingham"]
    assert birmingham.themes[0].text == "Early intervention in children\u2019s services"
    assert any("housing" in theme.text for theme in birmingham.themes)
    assert "housing" in birmingham.categories
    assert any("2008-09" in figure.text for figure in birmingham.figures)
    tyne = by_id["south-tyneside-gateshead-and-sunderland"]
    assert any("first \u2018deep dive\u2019" in theme.text for theme in tyne.themes)


def test_the_pilots_findings_carry_the_date_their_source_gives() -> None:
    figures = {pilot.id: " | ".join(f.text for f in pilot.figures) for pilot in PILOTS}
    assert "£280 million over the next five years" in figures["kent"]
    assert "5 February 2010" in figures["kent"]
    assert "£12 million" in figures["dorset-poole-and-bournemouth"]
    assert "28 January 2010" in figures["bradford"]
    assert "93%" in figures["birmingham"] and "February 2010" in figures["birmingham"]


def test_lewisham_says_its_other_three_themes_are_not_known() -> None:
    lewisham = next(pilot for pilot in PILOTS if pilot.id == "lewisham")
    assert [theme.text for theme in lewisham.themes] == [
        "Offender management, one of the pilot\u2019s four themes (the other three are not known)"
    ]


def test_every_category_has_a_pilot() -> None:
    used = {category for pilot in PILOTS for category in pilot.categories}
    assert {category.id for category in CATEGORIES} == used


def test_every_cited_id_is_in_the_registry() -> None:
    """(tests/test_sources.py checks that the registry's addresses are the research notes'.)"""
    registered = bundled_data().registry()
    for pilot in PILOTS:
        assert set(pilot.sources) <= set(registered), pilot.id


def test_kents_two_readings_of_280_million_each_have_their_source() -> None:
    kent = next(pilot for pilot in PILOTS if pilot.id == "kent")
    readings = [f for f in kent.figures if "£280 million" in f.text]
    assert [f.source for f in readings] == [
        ("publicpropertyuk-2010-03-05-kent",),
        ("lgc-kent-pilot",),
    ]
    assert "over the next five years" in readings[0].text
    assert "£200 million to £280 million of net savings" in readings[1].text


def test_no_list_item_contains_the_csv_separator() -> None:
    """`tp pilots --csv` joins lists with '; ', so no item may contain it."""
    for pilot in PILOTS:
        items = [
            *pilot.categories,
            *(theme.text for theme in pilot.themes),
            *pilot.authorities,
            *(figure.text for figure in pilot.figures),
            *(trial.text for trial in pilot.field_trials),
            *pilot.sources,
        ]
        assert not [item for item in items if "; " in item], pilot.id


def test_names_and_regions_are_unchanged_from_the_seed_order() -> None:
    assert [p.id for p in load_pilots(bundled_data_dir() / "pilots.yaml")][:3] == [
        "luton-and-central-bedfordshire",
        "leicester-and-leicestershire",
        "croydon",
    ]


PILOT = "  - {id: x, name: X, region: R"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"pilots:\n{PILOT}, themes: [just text]}}\n",
            "pilot 1 (id x): 'themes[1]' must be a mapping",
        ),
        (
            f"pilots:\n{PILOT}, themes: [{{text: T}}]}}\n",
            "pilot 1 (id x): 'themes[1].source' is missing",
        ),
        (
            f"pilots:\n{PILOT}, themes: [{{text: T, source: ftp://x}}]}}\n",
            "'themes[1].source' must be a source id, or a list of source ids, found text",
        ),
        (f"pilots:\n{PILOT}, figures: {{text: T}}}}\n", "'figures' must be a list"),
        (
            f"pilots:\n{PILOT}, official_name: '', official_name_source: lc-pilots-index}}\n",
            "'official_name' must not be empty",
        ),
        (
            f"pilots:\n{PILOT}, official_name: Xtown and Y}}\n",
            "pilot 1 (id x): an 'official_name' needs an 'official_name_source'",
        ),
        (f"pilots:\n{PILOT}, authorities: [A, B]}}\n", "'authorities' must be a mapping"),
        (
            f"pilots:\n{PILOT}, authorities: {{members: [A]}}}}\n",
            "pilot 1 (id x): 'authorities.source' is missing",
        ),
        (
            f"pilots:\n{PILOT}, authorities: {{source: lc-pilot-kent, members: [1]}}}}\n",
            "'authorities.members[1]' must be non-empty text",
        ),
        (
            f"pilots:\n{PILOT}, sources: ['https://e.example/']}}\n",
            "'sources[1]' must be a source id (lower-case words joined by hyphens)",
        ),
        (
            f"pilots:\n{PILOT}, sources: [lc-pilot-kentt]}}\n",
            "'sources[1]': no source has the id 'lc-pilot-kentt' in sources.yaml; did you mean "
            "'lc-pilot-kent'?",
        ),
        (
            f"pilots:\n{PILOT}, categories: [nope], themes: [{{text: T, source: x-page}}]}}\n",
            "unknown category 'nope'",
        ),
        (
            f"categories:\n  - {{id: c, label: C}}\npilots:\n{PILOT}, categories: [c]}}\n",
            "'categories' need sourced 'themes'",
        ),
        ("categories: 5\npilots: []\n", "'categories' must be a list"),
        ("categories:\n  - {id: c}\npilots: []\n", "category 1 (id c): 'label' is missing"),
        (
            "categories:\n  - {id: c, label: C}\n  - {id: c, label: D}\npilots: []\n",
            "category 2 (id c): duplicate id 'c'",
        ),
        ("categories:\n  - {id: c, label: C, synonyms: x}\npilots: []\n", "'synonyms' must be"),
        (  # a list as an id once crashed the check that categories exist (unhashable)
            "categories:\n  - {id: [c], label: C}\npilots: []\n",
            "category 1: 'id' must be non-empty text, found a list",
        ),
    ],
)
def test_bad_pilot_fields_raise_a_data_error_naming_file_and_pilot(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "pilots.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_catalogue(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.exit_code == ExitCode.DATA


def test_a_minimal_user_file_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "pilots.yaml"
    path.write_text(f"pilots:\n{PILOT}}}\n", encoding="utf-8")
    pilots, categories = load_catalogue(path)
    assert categories == ()
    assert pilots[0].to_json({})["themes"] == []


def test_the_usage_guide_lists_every_category_with_its_label_and_pilots() -> None:
    usage = (Path(__file__).resolve().parents[1] / "docs" / "usage.md").read_text("utf-8")
    for category in CATEGORIES:
        pilots = ", ".join(p.name for p in PILOTS if category.id in p.categories)
        assert f"| `{category.id}` | {category.label} | {pilots} |" in usage, category.id
