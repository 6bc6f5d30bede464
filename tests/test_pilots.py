"""The pilot filters, look-up and summaries as pure functions over the bundled data."""

from __future__ import annotations

import pytest
from conftest import load_catalogue, load_faq

from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.lookup import (
    explain_no_match,
    faq_mentions,
    filter_pilots,
    find_pilot,
    match_place,
    match_regions,
    match_theme,
    normalise,
    pilots_by_category,
    pilots_by_region,
    place_completions,
    places,
    region_completions,
    regions,
    theme_completions,
    theme_place_names,
)
from totalplace_cli.models import Pilot
from totalplace_cli.streams import ExitCode, UsageError

PILOTS, CATEGORIES = load_catalogue(bundled_data_dir() / "pilots.yaml")


def names(pilots: list[Pilot]) -> list[str]:
    return [pilot.name for pilot in pilots]


def ids(selected: frozenset[str]) -> list[str]:
    """Ids in the data's order, for readable assertions."""
    return [pilot.id for pilot in PILOTS if pilot.id in selected]


def test_normalise_ignores_case_punctuation_and_ampersands() -> None:
    assert normalise("Yorkshire & Humber") == normalise("yorkshire and humber")
    assert normalise("North-East") == "north east"
    assert normalise("Children\u2019s services") == normalise("childrens services")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("West Midlands", ["West Midlands"]),
        ("west mids", ["West Midlands"]),
        ("WM", ["West Midlands"]),
        ("Yorkshire", ["Yorkshire & Humber"]),
        ("yorks", ["Yorkshire & Humber"]),
        ("Yorkshire and the Humber", ["Yorkshire & Humber"]),
        ("yorkshire-and-humber", ["Yorkshire & Humber"]),
        ("north-east", ["North East"]),
        ("NE", ["North East"]),
        ("east", ["East"]),  # the exact name wins over North East and South East
        ("midlands", ["East Midlands", "West Midlands"]),
        ("north", ["North East", "North West"]),
        ("west midlnds", ["West Midlands"]),  # a typo
        ("  LONDON ", ["London"]),
    ],
)
def test_region_matching_is_forgiving(typed: str, expected: list[str]) -> None:
    assert match_regions(PILOTS, typed) == expected


@pytest.mark.parametrize("typed", ["Wales", "Scotland", "xyz"])
def test_a_region_nothing_is_close_to_lists_every_region(typed: str) -> None:
    with pytest.raises(UsageError) as caught:
        match_regions(PILOTS, typed)
    assert caught.value.exit_code == ExitCode.USAGE
    assert str(caught.value).startswith(f"unknown region '{typed}'; the regions are: ")
    listed = str(caught.value).split("the regions are: ")[1].split(", ")
    assert listed == regions(PILOTS)


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("northeast", "North East"), ("southwest", "South West"), ("eastmidlands", "East Midlands")],
)
def test_a_near_miss_region_suggests_the_one_it_resembles(typed: str, suggested: str) -> None:
    with pytest.raises(UsageError) as caught:
        match_regions(PILOTS, typed)
    assert str(caught.value) == f"unknown region '{typed}'; did you mean {suggested}?"


def test_empty_values_are_usage_errors() -> None:
    for call in (
        lambda: match_regions(PILOTS, " & "),
        lambda: match_theme(PILOTS, CATEGORIES, "the"),
        lambda: match_place(PILOTS, ""),
        lambda: find_pilot(PILOTS, "  "),
    ):
        with pytest.raises(UsageError, match="empty"):
            call()


CHILDREN = [
    "croydon",
    "south-tyneside-gateshead-and-sunderland",
    "manchester-and-warrington",
    "birmingham",
    "coventry",
    "worcestershire",
]
DRUGS = [
    "leicester-and-leicestershire",
    "south-tyneside-gateshead-and-sunderland",
    "birmingham",
    "worcestershire",
]
OFFENDING = ["luton-and-central-bedfordshire", "lewisham", "birmingham", "bradford"]


@pytest.mark.parametrize(
    ("typed", "category", "expected"),
    [
        ("children", "children-and-young-people", CHILDREN),
        ("Children and young people", "children-and-young-people", CHILDREN),
        ("young", "children-and-young-people", CHILDREN),
        ("children-and-young-people", "children-and-young-people", CHILDREN),
        ("drugs", "drugs-and-alcohol", DRUGS),
        ("alcohol", "drugs-and-alcohol", DRUGS),
        ("drug misuse", "drugs-and-alcohol", DRUGS),
        ("alchohol", "drugs-and-alcohol", DRUGS),  # a typo
        ("older", "older-people", ["dorset-poole-and-bournemouth"]),
        ("aged care", "older-people", ["dorset-poole-and-bournemouth"]),  # the FAQ's own words
        ("crime", "crime-and-offending", OFFENDING),
        ("offender", "crime-and-offending", OFFENDING),
        ("housing", "housing", ["birmingham"]),
        ("regeneration", "regeneration", ["durham"]),
        ("leaving care", "leaving-institutions", ["bradford"]),
        ("care leavers", "leaving-institutions", ["bradford"]),
        (
            "benefits",
            "worklessness-and-benefits",
            ["luton-and-central-bedfordshire", "worcestershire"],
        ),
        ("property", "assets-and-property", ["kent", "worcestershire"]),
    ],
)
def test_theme_matches_categories_and_their_synonyms(
    typed: str, category: str, expected: list[str]
) -> None:
    match = match_theme(PILOTS, CATEGORIES, typed)
    assert {pilot.id for pilot in PILOTS if category in pilot.categories} <= match
    assert ids(match) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("gangs", ["birmingham"]),  # Birmingham's own wording, not all of crime-and-offending
        ("NEETs", ["worcestershire"]),
        ("early years", ["croydon", "manchester-and-warrington"]),
        ("Margate", ["kent"]),
        ("self reliance", ["luton-and-central-bedfordshire"]),
        ("leadership", ["worcestershire"]),
        ("deep dive", ["south-tyneside-gateshead-and-sunderland"]),
        ("early intervention", ["croydon", "birmingham"]),
        ("gun crime", ["birmingham"]),
    ],
)
def test_theme_matches_a_pilots_own_wording(typed: str, expected: list[str]) -> None:
    assert ids(match_theme(PILOTS, CATEGORIES, typed)) == expected


@pytest.mark.parametrize("typed", ["transport", "zzz"])
def test_theme_nothing_is_close_to_is_a_usage_error(typed: str) -> None:
    with pytest.raises(UsageError) as caught:
        match_theme(PILOTS, CATEGORIES, typed)
    message = str(caught.value)
    # Nothing is close: every category is listed rather than unrelated near misses.
    assert message.startswith(f"no pilot theme like '{typed}'; the themes are: ")
    listed = message.split("the themes are: ")[1].split(", ")
    assert listed == [category.id for category in CATEGORIES]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Poole", ["dorset-poole-and-bournemouth"]),
        ("bournemouth", ["dorset-poole-and-bournemouth"]),
        ("Gateshead", ["south-tyneside-gateshead-and-sunderland"]),
        ("Gatshead", ["south-tyneside-gateshead-and-sunderland"]),  # a typo
        ("Solihull", ["coventry"]),  # from the official name
        ("Warwickshire", ["coventry"]),
        ("Thanet", ["kent"]),  # a member authority
        ("Tunbridge Wells", ["kent"]),
        ("Rutland", ["leicester-and-leicestershire"]),
        ("Greater Manchester", ["manchester-and-warrington"]),
        ("Bedford", ["luton-and-central-bedfordshire"]),
        ("Margate", ["kent"]),  # named in a theme: "Margate Task Force"
        ("Cliftonville West", ["kent"]),
    ],
)
def test_place_matches_names_and_member_authorities(typed: str, expected: list[str]) -> None:
    assert ids(match_place(PILOTS, typed)) == expected


@pytest.mark.parametrize(
    ("theme", "names"),
    [
        (
            "Margate Task Force: joint work in the two most deprived wards, Cliftonville West "
            "and Margate Central",
            ["Margate Task Force", "Cliftonville West", "Margate Central"],
        ),
        ("Total Community, which focused on an area east of the city", ["Total Community"]),
        ("Gangs", []),  # a clause's capital is not a name
        ("Older people's services: acute diversion", []),
        ("Cross-organisational review: either NEETs or alcohol abuse", []),  # nor an acronym
    ],
)
def test_the_proper_names_in_a_theme(theme: str, names: list[str]) -> None:
    assert theme_place_names(theme) == names


def test_ordinary_words_of_a_theme_are_not_places() -> None:
    assert match_place(PILOTS, "benefits") == frozenset()  # Luton: "Access to benefits"
    assert match_place(PILOTS, "gangs") == frozenset()  # Birmingham: "Gangs"


def test_a_pilots_places_leave_out_national_bodies() -> None:
    luton = find_pilot(PILOTS, "luton")
    assert [place for place, _ in places(luton)] == [
        "Luton",
        "Central Bedfordshire",
        "Bedfordshire",
    ]
    kent = {place: where for place, where in places(find_pilot(PILOTS, "kent"))}
    assert kent["Thanet"] == "Thanet District Council"
    assert kent["Margate"] == "theme Margate Task Force"
    assert not {"Learning", "Skills", "Jobcentre Plus", "South East", "Eastern"} & set(kent)


def test_a_place_no_pilot_names_is_an_empty_result_not_an_error() -> None:
    assert match_place(PILOTS, "Leeds") == frozenset()
    assert filter_pilots(PILOTS, place="Leeds") == []


def test_filters_combine_and_keep_the_data_order() -> None:
    assert names(
        filter_pilots(PILOTS, region="west mids", theme="children", categories=CATEGORIES)
    ) == [
        "Birmingham",
        "Coventry",
        "Worcestershire",
    ]
    assert names(
        filter_pilots(PILOTS, region="west mids", theme="drugs", categories=CATEGORIES)
    ) == [
        "Birmingham",
        "Worcestershire",
    ]
    assert names(filter_pilots(PILOTS, theme="older", place="Poole", categories=CATEGORIES)) == [
        "Dorset, Poole & Bournemouth"
    ]
    assert names(
        filter_pilots(PILOTS, region="London", theme="children", categories=CATEGORIES)
    ) == ["Croydon"]
    assert filter_pilots(PILOTS, region="London", theme="older", categories=CATEGORIES) == []
    assert filter_pilots(PILOTS) == list(PILOTS)


def test_an_invalid_value_is_reported_even_when_another_filter_is_empty() -> None:
    with pytest.raises(UsageError, match="unknown region"):
        filter_pilots(PILOTS, region="Wales", place="Leeds", categories=CATEGORIES)


def test_no_match_explanations_say_why() -> None:
    message = explain_no_match(PILOTS, region="Yorkshire", theme="children")
    assert message == "no pilot meets all of --region 'Yorkshire' --theme 'children'"
    unthemed = [*PILOTS[:2], Pilot(id="x", name="Xtown", region="East")]
    message = explain_no_match(unthemed, region="East", theme="children")
    assert message.endswith(" (no sourced themes for: Xtown)")
    message = explain_no_match(PILOTS, place="Leeds")
    assert message == (
        "no pilot's names, member authorities or themes mention 'Leeds'; "
        "see 'tp pilot NAME' for a pilot's places"
    )
    message = explain_no_match(PILOTS, place="Cliftonvile Wst")
    assert message.endswith("; did you mean Cliftonville West?")
    assert "London" in explain_no_match(PILOTS, region="London", theme="older")
    assert "sourced themes" not in explain_no_match(PILOTS, region="South East", theme="older")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("birmingham", "birmingham"),
        ("Dorset, Poole & Bournemouth", "dorset-poole-and-bournemouth"),
        ("dorset-poole-and-bournemouth", "dorset-poole-and-bournemouth"),
        ("Coventry, Solihull and Warwickshire", "coventry"),  # the official name
        ("leic", "leicester-and-leicestershire"),  # a unique start
        ("poole", "dorset-poole-and-bournemouth"),  # a place in the name
        ("gateshead", "south-tyneside-gateshead-and-sunderland"),
        ("Thanet", "kent"),  # a member authority
        ("birmingam", "birmingham"),  # a near miss
        ("croydn", "croydon"),
    ],
)
def test_find_pilot_is_forgiving(key: str, expected: str) -> None:
    assert find_pilot(PILOTS, key).id == expected


def test_find_pilot_refuses_to_guess_between_several() -> None:
    with pytest.raises(UsageError) as caught:
        find_pilot(PILOTS, "west")
    assert "could be any of" in str(caught.value)
    assert "kent" in str(caught.value)  # West Kent Primary Care Trust


def test_find_pilot_unknown_points_at_the_region_filter_when_it_is_a_region() -> None:
    with pytest.raises(UsageError, match="is a region: try tp pilots --region 'london'"):
        find_pilot(PILOTS, "london")
    with pytest.raises(UsageError, match="no pilot 'zzzz'; see 'tp pilots'"):
        find_pilot(PILOTS, "zzzz")


def test_faq_mentions_give_the_verbatim_lines_that_name_the_pilot() -> None:
    faq = load_faq(bundled_data_dir() / "faq.yaml")
    mentions = faq_mentions(faq, find_pilot(PILOTS, "kent"))
    assert [(entry.id, lines) for entry, lines in mentions] == [(2, ["South East | Kent |"])]
    for pilot in PILOTS:  # every pilot is named in the FAQ's table, and only there
        assert [entry.id for entry, _ in faq_mentions(faq, pilot)] == [2], pilot.id


def test_summaries_cover_every_pilot_once_per_region() -> None:
    rows = pilots_by_region(PILOTS)
    assert [region for region, _ in rows][:3] == ["East", "East Midlands", "London"]
    assert sum(len(members) for _, members in rows) == 13
    assert {r: names(m) for r, m in rows}["West Midlands"] == [
        "Birmingham",
        "Coventry",
        "Worcestershire",
    ]


def test_theme_summary_matches_the_pilots_categories() -> None:
    rows = pilots_by_category(PILOTS, CATEGORIES)
    counts = {category.id: len(members) for category, members in rows}
    assert counts["children-and-young-people"] == 6
    assert counts["older-people"] == 1
    assert all(count >= 1 for count in counts.values())  # no category without a sourced pilot
    for category, members in rows:
        assert all(category.id in pilot.categories for pilot in members)


def test_completion_values_are_accepted_by_the_filters() -> None:
    regions = region_completions(PILOTS, "")
    assert ("west-midlands", "West Midlands") in regions
    for value, region in regions:
        assert match_regions(PILOTS, value) == [region]
    themes = theme_completions(CATEGORIES, "")
    assert [value for value, _ in themes] == [category.id for category in CATEGORIES]
    for value, _ in themes:
        in_category = {pilot.id for pilot in PILOTS if value in pilot.categories}
        assert in_category <= match_theme(PILOTS, CATEGORIES, value)
    places = place_completions(PILOTS, "")
    assert {"poole", "gateshead", "solihull", "thanet", "margate"} <= {v for v, _ in places}
    for value, description in places:
        pilot_name = description.split(": ")[0]
        assert pilot_name in names(filter_pilots(PILOTS, place=value)), value


def test_completion_filters_by_what_was_typed() -> None:
    assert region_completions(PILOTS, "West M") == [("west-midlands", "West Midlands")]
    assert [v for v, _ in region_completions(PILOTS, "north")] == ["north-east", "north-west"]
    assert theme_completions(CATEGORIES, "dr") == [("drugs-and-alcohol", "Drugs and alcohol")]
    assert place_completions(PILOTS, "zzz") == []
