"""Filter the pilots by region, theme and place; look one up; summarise them by region and theme.

Matching (`phrase_matches`) ignores case, punctuation, "&"/"and" and word order, takes each typed
word as the start of a word ("west mids", "older"), and forgives typos in a second, fuzzy pass."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence

from totalplace_cli.errors import UsageError
from totalplace_cli.models import FaqEntry
from totalplace_cli.pilot_models import Category, Pilot

STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "in", "for", "to", "with", "on", "at", "by"})

# Words people use for regions that are not the start of the region's own words.
REGION_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "mids": ("midlands",),
    "yorks": ("yorkshire",),
    "ne": ("north", "east"),
    "nw": ("north", "west"),
    "se": ("south", "east"),
    "sw": ("south", "west"),
    "em": ("east", "midlands"),
    "wm": ("west", "midlands"),
}

FUZZY_RATIO = 0.8  # difflib ratio for a typed word to count as a typo of a known word


def normalise(text: str) -> str:
    """Lower case, "&" as "and", apostrophes dropped, other punctuation as spaces."""
    text = text.casefold().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def words(text: str) -> tuple[str, ...]:
    """The words that carry meaning, for matching."""
    return tuple(word for word in normalise(text).split() if word not in STOP_WORDS)


def slug(text: str) -> str:
    """A shell-friendly form of a name ("Yorkshire & Humber" -> "yorkshire-and-humber")."""
    return normalise(re.sub(r"\(.*?\)", "", text)).replace(" ", "-")


def _word_matches(typed: str, known: str, fuzzy: bool) -> bool:
    if known.startswith(typed):
        return True
    # A plural typed against a singular name ("drugs" finds "drug misuse", "ferries" "ferry").
    if len(typed) > 3 and typed.endswith("s") and not typed.endswith("ss"):
        singular = typed[:-3] + "y" if typed.endswith("ies") else typed[:-1]
        if known.startswith(singular):
            return True
    # Typos rarely hit the first letter; requiring it keeps "housing" from meaning "focusing".
    if fuzzy and len(typed) >= 4 and typed[0] == known[0]:
        return difflib.SequenceMatcher(None, typed, known[: len(typed) + 2]).ratio() >= FUZZY_RATIO
    return False


def phrase_matches(typed: Sequence[str], known: Sequence[str], fuzzy: bool = False) -> bool:
    """True if every typed word starts (or, fuzzily, resembles) some word of the known phrase."""
    return bool(typed) and all(any(_word_matches(t, k, fuzzy) for k in known) for t in typed)


NEAR_MISS = 0.6  # difflib ratio above which a suggestion is worth making


def _closest(wanted: str, names: Iterable[str]) -> str | None:
    """The name most like `wanted`, if one is close enough to suggest."""
    by_form = {normalise(name): name for name in names}
    close = difflib.get_close_matches(normalise(wanted), list(by_form), n=1, cutoff=NEAR_MISS)
    return by_form[close[0]] if close else None


def _typed_words(wanted: str, what: str) -> tuple[str, ...]:
    typed = words(wanted)
    if not typed:
        raise UsageError(f"the {what} is empty; try for example: tp pilots --{what} ...")
    return typed


def regions(pilots: Sequence[Pilot]) -> list[str]:
    """The distinct regions, in the data's order."""
    return list(dict.fromkeys(pilot.region for pilot in pilots))


def match_regions(pilots: Sequence[Pilot], wanted: str) -> list[str]:
    """An exact name ("east" is East, not North East), else every region the words could mean
    ("midlands": East and West)."""
    known = regions(pilots)
    typed = _typed_words(wanted, "region")
    typed = tuple(word for t in typed for word in REGION_ABBREVIATIONS.get(t, (t,)))

    def named(fuzzy: bool) -> list[str]:
        return [region for region in known if phrase_matches(typed, words(region), fuzzy)]

    exact = [region for region in known if words(region) == typed]
    found = exact or named(fuzzy=False) or named(fuzzy=True)
    if found:
        return found
    close = _closest(wanted, known)
    if close:
        raise UsageError(f"unknown region '{wanted}'; did you mean {close}?")
    raise UsageError(f"unknown region '{wanted}'; the regions are: {', '.join(known)}")


def _category_terms(category: Category) -> list[str]:
    return [category.id, category.label, *category.synonyms]


def match_theme(
    pilots: Sequence[Pilot], categories: Sequence[Category], wanted: str
) -> frozenset[str]:
    """The ids of the pilots in the categories `wanted` names (by id, label or synonym), and of
    those whose own wording it matches."""
    typed = _typed_words(wanted, "theme")
    for fuzzy in (False, True):
        chosen = tuple(
            category.id
            for category in categories
            if any(phrase_matches(typed, words(term), fuzzy) for term in _category_terms(category))
        )
        selected = frozenset(
            pilot.id
            for pilot in pilots
            if set(pilot.categories) & set(chosen)
            or any(phrase_matches(typed, words(theme.text), fuzzy) for theme in pilot.themes)
        )
        if chosen or selected:  # a category may have no pilots: no match, but no typo either
            return selected
    terms = [term for c in categories for term in _category_terms(c)]
    close = _closest(wanted, terms)
    if close:
        suggestion = next(c.id for c in categories if close in _category_terms(c))
        raise UsageError(f"no pilot theme like '{wanted}'; did you mean {suggestion}?")
    # Nothing close: the list of categories helps more than three unrelated near misses.
    listed = ", ".join(c.id for c in categories)
    raise UsageError(f"no pilot theme like '{wanted}'; the themes are: {listed}")


# Places

# Words that name the kind of body, not its place ("Thanet District Council", "NHS Luton").
_BODY_WORDS = frozenset(
    {
        *("Council", "County", "City", "Borough", "District", "Metropolitan", "Police"),
        *("Authority", "Combined", "Fire", "and", "Rescue", "Service", "PCT", "Primary"),
        *("Care", "Trust", "Probation", "University", "Task", "Force"),
    }
)
# A tail of body words names a local body only with one of these; "Crown Prosecution Service",
# "Her Majesty's Courts Service" and "Ministry of Justice" are national and name no place.
_LOCAL_BODY_WORDS = frozenset(["Council", "Police", "Fire", "PCT", "Primary", "Probation"])
# Parts of a joint name that are no place on their own ("Eastern and Coastal Kent").
_NOT_PLACES = frozenset(["Eastern", "Western", "Northern", "Southern", "Coastal"])
_CLAUSE = re.compile(r"[:;.()]")
_WORD = re.compile(r"[\w'\u2019-]+")
_PARTS = re.compile(r",|&|\band\b|\bincluding\b")


def theme_place_names(text: str) -> list[str]:
    """The proper names in a theme's wording ("Margate Task Force", "Cliftonville West"); a
    capitalised word alone at the start of a clause is just the clause's capital ("Gangs")."""
    found: list[str] = []
    for clause in _CLAUSE.split(text):
        run: list[str] = []
        tokens = [*_WORD.findall(clause), ""]
        for position, word in enumerate(tokens):
            # Capitalised, and not an acronym such as "NEETs".
            if word[:1].isupper() and sum(char.isupper() for char in word) == 1:
                run.append(word)
                continue
            if run and not (len(run) == 1 and position == 1):
                found.append(" ".join(run))
            run = []
    return found


def place_names(pilot: Pilot) -> list[str]:
    """What `--place` looks in: names, member authorities, proper names in themes."""
    in_themes = [name for theme in pilot.themes for name in theme_place_names(theme.text)]
    return [pilot.name, *filter(None, [pilot.official_name]), *pilot.authorities, *in_themes]


def _split_places(text: str) -> list[str]:
    parts = (part.strip() for part in _PARTS.split(text))
    return [part for part in parts if part and not set(part.split()) <= _NOT_PLACES]


def _place_of_body(name: str) -> list[str]:
    """The places a local body's name starts with ("Hinckley and Bosworth Borough Council");
    none for a national body ("Ministry of Justice", "Learning and Skills Council")."""
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    if name.startswith("NHS ") and not name.endswith(" Trust"):
        return _split_places(name.removeprefix("NHS "))
    tokens = name.split()
    tail: list[str] = []
    while len(tokens) > 1 and tokens[-1] in _BODY_WORDS:
        tail.insert(0, tokens.pop())
    if not _LOCAL_BODY_WORDS & set(tail) and tail != ["Task", "Force"]:
        return []
    place = " ".join(tokens)
    if tail == ["Council"] and re.search(r"\b(and|of)\b|&", place):
        return []  # "Learning and Skills Council": a body named for what it does
    return _split_places(place) if place[:1].isupper() else []


def places(pilot: Pilot) -> list[tuple[str, str]]:
    """The places a pilot names (in its names, local member bodies and themes), each with where
    it is first named."""
    found = [(part, pilot.name) for part in _split_places(pilot.name)]
    if pilot.official_name:
        found += [(part, pilot.official_name) for part in _split_places(pilot.official_name)]
    found += [(place, body) for body in pilot.authorities for place in _place_of_body(body)]
    for theme in pilot.themes:
        title = re.split(r"[:;,(]", theme.text)[0]  # "Margate Task Force", not the whole theme
        for name in theme_place_names(theme.text):
            found += [(place, f"theme {title}") for place in _place_of_body(name) or [name]]
    first: dict[str, str] = {}
    for place, named_in in found:
        first.setdefault(place, named_in)
    return list(first.items())


def match_place(pilots: Sequence[Pilot], wanted: str) -> frozenset[str]:
    """The ids of pilots whose `place_names` contain the place (none is no error: any text may
    be a place)."""
    typed = _typed_words(wanted, "place")

    def named(fuzzy: bool) -> frozenset[str]:
        return frozenset(
            pilot.id
            for pilot in pilots
            if any(phrase_matches(typed, words(name), fuzzy) for name in place_names(pilot))
        )

    return named(fuzzy=False) or named(fuzzy=True)


def filter_pilots(
    pilots: Sequence[Pilot],
    region: str | None = None,
    theme: str | None = None,
    place: str | None = None,
    categories: Sequence[Category] = (),
) -> list[Pilot]:
    """The pilots that meet every given filter, in the data's order."""
    selected = list(pilots)
    if region is not None:
        names = match_regions(pilots, region)
        selected = [pilot for pilot in selected if pilot.region in names]
    if theme is not None:
        themed = match_theme(pilots, categories, theme)
        selected = [pilot for pilot in selected if pilot.id in themed]
    if place is not None:
        placed = match_place(pilots, place)
        selected = [pilot for pilot in selected if pilot.id in placed]
    return selected


def explain_no_match(
    pilots: Sequence[Pilot],
    region: str | None = None,
    theme: str | None = None,
    place: str | None = None,
) -> str:
    """Why a valid combination of filters found nothing, for the one-line error."""
    if place is not None and not match_place(pilots, place):
        close = _closest(place, [name for pilot in pilots for name, _ in places(pilot)])
        hint = f"did you mean {close}?" if close else "see 'tp pilot NAME' for a pilot's places"
        return f"no pilot's names, member authorities or themes mention '{place}'; {hint}"
    given = {"region": region, "theme": theme, "place": place}
    filters = " ".join(f"--{name} '{value}'" for name, value in given.items() if value is not None)
    message = f"no pilot meets all of {filters}"
    if theme is not None:
        unthemed = [
            p.name for p in filter_pilots(pilots, region=region, place=place) if not p.themes
        ]
        if unthemed:
            message += f" (no sourced themes for: {', '.join(unthemed)})"
    return message


def find_pilot(pilots: Sequence[Pilot], key: str) -> Pilot:
    """The pilot named by id, name, a unique start of either, a place in it, or a near miss."""
    typed = words(key)
    if not typed:
        raise UsageError("the pilot is empty; see 'tp pilots' for their ids")
    wanted = normalise(key)

    # From the strictest reading of `key` to the loosest; the first that names any pilot decides.
    stages: tuple[Callable[[Pilot], bool], ...] = (
        lambda p: wanted in {normalise(p.id), normalise(p.name), normalise(p.official_name or "")},
        lambda p: normalise(p.id).startswith(wanted) or normalise(p.name).startswith(wanted),
        lambda p: any(phrase_matches(typed, words(n)) for n in (p.name, p.official_name or "")),
        lambda p: any(phrase_matches(typed, words(name)) for name in p.authorities),
        lambda p: phrase_matches(typed, words(p.name), fuzzy=True),
    )
    for stage in stages:
        found = [pilot for pilot in pilots if stage(pilot)]
        if len(found) > 1:
            names = ", ".join(pilot.id for pilot in found)
            raise UsageError(f"'{key}' could be any of: {names}; say which")
        if found:
            return found[0]
    hint = "see 'tp pilots' for their ids and names"
    if any(phrase_matches(typed, words(region)) for region in regions(pilots)):
        hint = f"'{key}' is a region: try tp pilots --region '{key}'"
    raise UsageError(f"no pilot '{key}'; {hint}")


def faq_mentions(entries: Sequence[FaqEntry], pilot: Pilot) -> list[tuple[FaqEntry, list[str]]]:
    """The FAQ entries whose text names the pilot, each with the verbatim lines that do."""
    pattern = re.compile(rf"(?<!\w){re.escape(pilot.name)}(?!\w)")
    mentions = []
    for entry in entries:
        lines = [line for line in entry.answer.split("\n") if pattern.search(line)]
        if pattern.search(entry.question):
            lines.insert(0, entry.question)
        if lines:
            mentions.append((entry, lines))
    return mentions


def pilots_by_region(pilots: Sequence[Pilot]) -> list[tuple[str, list[Pilot]]]:
    """Each region (in the data's order) with its pilots."""
    return [(region, [p for p in pilots if p.region == region]) for region in regions(pilots)]


def pilots_by_category(
    pilots: Sequence[Pilot], categories: Sequence[Category]
) -> list[tuple[Category, list[Pilot]]]:
    """Each category (in the data's order) with the pilots whose sourced themes fall in it."""
    return [(c, [p for p in pilots if c.id in p.categories]) for c in categories]


def category_labels(pilot: Pilot, categories: Sequence[Category]) -> list[str]:
    """The labels of a pilot's categories, in the pilot's order."""
    labels = {category.id: category.label for category in categories}
    return [labels.get(category, category) for category in pilot.categories]


# Values for the shell, each with a help text; regions and places as slugs (no quoting needed).
def region_completions(pilots: Sequence[Pilot], incomplete: str) -> list[tuple[str, str]]:
    return _complete([(slug(region), region) for region in regions(pilots)], incomplete)


def theme_completions(categories: Sequence[Category], incomplete: str) -> list[tuple[str, str]]:
    return _complete([(category.id, category.label) for category in categories], incomplete)


def pilot_completions(pilots: Sequence[Pilot], incomplete: str) -> list[tuple[str, str]]:
    return _complete([(pilot.id, pilot.name) for pilot in pilots], incomplete)


def place_completions(pilots: Sequence[Pilot], incomplete: str) -> list[tuple[str, str]]:
    """Never a national body; each with the pilot and where it is named."""
    values: dict[str, str] = {}
    for pilot in pilots:
        for place, named_in in places(pilot):
            where = pilot.name if named_in == pilot.name else f"{pilot.name}: {named_in}"
            values.setdefault(slug(place), where)
    return _complete(list(values.items()), incomplete)


def _complete(values: list[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    start = slug(incomplete)
    return [(value, help_text) for value, help_text in values if value.startswith(start)]
