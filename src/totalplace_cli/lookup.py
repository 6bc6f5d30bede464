"""Find what a person names: an FAQ entry by number, slug or question; a pilot by id, name or a
place in it; pilots by region, theme and place; an acronym in any case or number; and the values
shell completion offers. Names match ignoring case, punctuation, "&"/"and" and word order, each
typed word as the start of a word ("west mids", "older"), then forgiving typos (RapidFuzz)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from totalplace_cli.models import Category, FaqEntry, GlossaryTerm, Pilot
from totalplace_cli.search import STOP_WORDS
from totalplace_cli.streams import UsageError, without_controls

MAX_CANDIDATES_NAMED = 5  # entries an ambiguous prefix names before pointing to `tp questions`
TYPO_SCORE = 80  # RapidFuzz ratio (0-100) for a typed word to count as a typo of a known word
NEAR_MISS = 60  # ratio above which a name is worth suggesting
COMPLETION_WIDTH = 76  # Rich wraps a shell's completion descriptions at 80 when it sees no terminal
# Words people use for regions that are not the start of the region's own words.
REGION_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    **{"mids": ("midlands",), "yorks": ("yorkshire",)},
    **{"ne": ("north", "east"), "nw": ("north", "west")},
    **{"se": ("south", "east"), "sw": ("south", "west")},
    **{"em": ("east", "midlands"), "wm": ("west", "midlands")},
}


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


def closest(typed: str, names: Iterable[str], limit: int = 1, cutoff: int = NEAR_MISS) -> list[str]:
    """The names most like `typed` (compared as `normalise` leaves them), best first."""
    from rapidfuzz import fuzz, process  # costs start-up time: only a near miss pays for it

    by_form = {normalise(name): name for name in names}
    found = process.extract(normalise(typed), list(by_form), scorer=fuzz.ratio, limit=limit)
    return [by_form[form] for form, score, _ in found if score >= cutoff]


def _word_matches(typed: str, known: str, fuzzy: bool) -> bool:
    # A plural typed against a singular name ("drugs" finds "drug misuse", "ferries" "ferry").
    singular = typed
    if len(typed) > 3 and typed.endswith("s") and not typed.endswith("ss"):
        singular = typed[:-3] + "y" if typed.endswith("ies") else typed[:-1]
    if known.startswith((typed, singular)):
        return True
    # Typos rarely hit the first letter; requiring it keeps "housing" from meaning "focusing".
    if fuzzy and len(typed) >= 4 and typed[0] == known[0]:
        from rapidfuzz import fuzz

        return fuzz.ratio(typed, known[: len(typed) + 2]) >= TYPO_SCORE
    return False


def matches_any(typed: Sequence[str], names: Iterable[str], fuzzy: bool = False) -> bool:
    """True if every typed word starts (or, fuzzily, resembles) some word of one of the names."""
    return bool(typed) and any(
        all(any(_word_matches(t, k, fuzzy) for k in words(name)) for t in typed) for name in names
    )


def question_number(key: str) -> int | None:
    """The number `key` gives ("12", "#12", "0012"), if it is one (ASCII digits, any length)."""
    found = re.fullmatch(r"#?([0-9]+)", key.strip())
    return int(found.group(1)) if found else None


def find_entry(entries: Sequence[FaqEntry], key: str) -> FaqEntry:
    """The entry whose id, slug or question is `key`, or the one whose slug `key` starts."""
    key = key.strip()
    number = question_number(key)
    if number is not None:
        ids = [entry.id for entry in entries]
        if number in ids:
            return entries[ids.index(number)]
        span = f"{min(ids)}-{max(ids)}" if ids else "none"
        raise UsageError(f"no question number {number} (valid numbers: {span}); see 'tp questions'")
    wanted = slug(key)  # "What sort of savings" starts the slug what-sort-of-savings-can-be-made
    asked = normalise(key)
    found = [e for e in entries if e.slug == wanted or normalise(e.question) == asked][:1]
    found = found or [e for e in entries if wanted and e.slug.startswith(wanted)]  # a slug's start
    if len(found) == 1:
        return found[0]
    if found:
        named = ", ".join(f"{e.slug} ({e.id})" for e in found[:MAX_CANDIDATES_NAMED])
        more = len(found) - MAX_CANDIDATES_NAMED
        rest = f" and {more} more (see 'tp questions')" if more > 0 else ""
        raise UsageError(f"'{key}' could be any of: {named}{rest}; say which")
    close = closest(wanted, [e.slug for e in entries], limit=3, cutoff=50)
    hint = f"did you mean {', '.join(close)}?" if close else "see 'tp questions' or try 'tp ask'"
    raise UsageError(f"no question with id or slug '{key}'; {hint}")


def question_completions(entries: Sequence[FaqEntry], incomplete: str) -> list[tuple[str, str]]:
    """Values for `tp show <TAB>` with their questions: numbers, or slugs once a letter is typed."""
    typed = incomplete.strip().lstrip("#").casefold()
    by_number = not typed or typed[0].isdigit()
    values = [(str(entry.id) if by_number else entry.slug, entry.question) for entry in entries]
    return [(value, question) for value, question in values if value.startswith(typed)]


def spelling_key(spelling: str) -> str:
    """How a typed term is compared: any case, plural or singular ("RIEPs", "riep")."""
    key = spelling.strip().casefold()
    return key[:-1] if len(key) > 2 and key.endswith("s") else key


def find_term(terms: Sequence[GlossaryTerm], wanted: str) -> GlossaryTerm:
    """The term `wanted` names, or a usage error suggesting the closest terms."""
    key = spelling_key(wanted)
    for term in terms:
        if key in {spelling_key(spelling) for spelling in (term.term, *term.aliases)}:
            return term
    # Someone may type a word of the expansion ("treasury"), or misspell the acronym.
    by_meaning = [t for t in terms if len(key) >= 3 and key in t.expansion.casefold()]
    keys = {spelling_key(t.term): t for t in terms}
    by_spelling = [keys[k] for k in closest(key, keys, limit=3, cutoff=50)]
    close = list(dict.fromkeys([*by_meaning, *by_spelling]))[:3]
    hint = "; closest: " + ", ".join(f"{t.term} ({t.expansion})" for t in close) if close else ""
    raise UsageError(f"unknown acronym '{wanted.strip()}'{hint}; see 'tp glossary' for the list")


def term_completions(terms: Sequence[GlossaryTerm], incomplete: str) -> list[tuple[str, str]]:
    """The terms whose spelling or alias starts (in any case) with `incomplete`, with expansions."""
    typed = incomplete.strip().casefold()
    return [
        (term.term, term.expansion)
        for term in terms
        if any(spelling.casefold().startswith(typed) for spelling in (term.term, *term.aliases))
    ]


@lru_cache(maxsize=8)
def _terms_pattern(terms: tuple[GlossaryTerm, ...]) -> re.Pattern[str]:
    forms = sorted({form for term in terms for form in term.forms}, key=len, reverse=True)
    alternatives = "|".join(re.escape(form) for form in forms) or "(?!)"  # (?!): never matches
    return re.compile(rf"(?<![\w])({alternatives})(?![\w])")


def mark_terms(terms: Sequence[GlossaryTerm], text: str) -> list[tuple[str, GlossaryTerm | None]]:
    """`text` in pieces, each with the term it spells or None; case matters ("GO", not "go")."""
    by_form = {form: term for term in terms for form in term.forms}
    # The pattern's one group makes split() alternate plain text (even) and matched terms (odd).
    parts = enumerate(_terms_pattern(tuple(terms)).split(text))
    return [(part, by_form[part] if index % 2 else None) for index, part in parts if part]


def terms_in(terms: Sequence[GlossaryTerm], text: str) -> list[GlossaryTerm]:
    """The terms `text` uses, in the order they first occur."""
    found = [term for _, term in mark_terms(terms, text) if term is not None]
    return list(dict.fromkeys(found))


def answers_using(
    terms: Sequence[GlossaryTerm], entries: Sequence[FaqEntry]
) -> dict[str, list[int]]:
    """For each term, the ids of the FAQ entries whose answer uses it, in the FAQ's order."""
    used = [(entry.id, {t.term for t in terms_in(terms, entry.answer)}) for entry in entries]
    return {term.term: [number for number, found in used if term.term in found] for term in terms}


def _typed_words(wanted: str, what: str, known: Callable[[], str]) -> tuple[str, ...]:
    typed = words(wanted)
    if not typed:
        raise UsageError(f"the --{what} value is empty; {known()}")
    return typed


def regions(pilots: Sequence[Pilot]) -> list[str]:
    """The distinct regions, in the data's order."""
    return list(dict.fromkeys(pilot.region for pilot in pilots))


def match_regions(pilots: Sequence[Pilot], wanted: str) -> list[str]:
    """An exact name ("east": not North East), else every region it could mean ("midlands")."""
    known = regions(pilots)
    listed = f"the regions are: {', '.join(known)}"
    typed = _typed_words(wanted, "region", lambda: listed)
    typed = tuple(word for t in typed for word in REGION_ABBREVIATIONS.get(t, (t,)))
    found = [region for region in known if words(region) == typed]
    for fuzzy in (False, True):
        found = found or [region for region in known if matches_any(typed, [region], fuzzy)]
    if found:
        return found
    close = closest(wanted, known)
    hint = f"did you mean {close[0]}?" if close else listed
    raise UsageError(f"unknown region '{wanted}'; {hint}")


def _category_terms(category: Category) -> list[str]:
    return [category.id, category.label, *category.synonyms]


def match_theme(
    pilots: Sequence[Pilot], categories: Sequence[Category], wanted: str
) -> frozenset[str]:
    """The ids of the pilots in the categories `wanted` names, or whose themes' wording it does."""
    listed = f"the themes are: {', '.join(c.id for c in categories)}"
    typed = _typed_words(wanted, "theme", lambda: listed)
    for fuzzy in (False, True):
        chosen = {c.id for c in categories if matches_any(typed, _category_terms(c), fuzzy)}
        selected = frozenset(
            pilot.id
            for pilot in pilots
            if chosen.intersection(pilot.categories)
            or matches_any(typed, [theme.text for theme in pilot.themes], fuzzy)
        )
        if chosen or selected:  # a category may have no pilots: no match, but no typo either
            return selected
    close = closest(wanted, [term for c in categories for term in _category_terms(c)])
    ids = [c.id for c in categories if close and close[0] in _category_terms(c)]
    # Nothing close: the list of categories helps more than three unrelated near misses.
    hint = f"did you mean {ids[0]}?" if ids else listed
    raise UsageError(f"no pilot theme like '{wanted}'; {hint}")


# Places. Words that name the kind of body, not its place ("Thanet District Council").
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
_CLAUSE = r"[:;.()]"  # patterns: `re` compiles them on first use
_WORD = r"[\w'\u2019-]+"
_PARTS = r",|&|\band\b|\bincluding\b"


def theme_place_names(text: str) -> list[str]:
    """The proper names in a theme's wording ("Margate Task Force"), not a clause's capital."""
    found: list[str] = []
    for clause in re.split(_CLAUSE, text):
        run: list[str] = []
        for position, word in enumerate([*re.findall(_WORD, clause), ""]):
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
    parts = (part.strip() for part in re.split(_PARTS, text))
    return [part for part in parts if part and not set(part.split()) <= _NOT_PLACES]


def _place_of_body(name: str) -> list[str]:
    """Places a local body's name starts with; none for a national one ("Ministry of Justice")."""
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
    """The places a pilot's names, local member bodies and themes name, each with where first."""
    names = [pilot.name, *filter(None, [pilot.official_name])]
    found = [(part, name) for name in names for part in _split_places(name)]
    found += [(place, body) for body in pilot.authorities for place in _place_of_body(body)]
    for theme in pilot.themes:
        title = re.split(r"[:;,(]", theme.text)[0]  # "Margate Task Force", not the whole theme
        for name in theme_place_names(theme.text):
            found += [(place, f"theme {title}") for place in _place_of_body(name) or [name]]
    first = dict(reversed(found))  # each place with where it is first named
    return [(place, first[place]) for place in dict.fromkeys(place for place, _ in found)]


def match_place(pilots: Sequence[Pilot], wanted: str) -> frozenset[str]:
    """The ids of pilots whose `place_names` hold the place (none: no error; any text may be)."""

    def examples() -> str:  # each pilot's second place, unless only a theme names it
        named = [x for p in pilots for x, where in places(p)[1:2] if not where.startswith("theme")]
        return f"places such as {', '.join(named)}"

    typed = _typed_words(wanted, "place", examples)
    names = [(pilot.id, place_names(pilot)) for pilot in pilots]
    found = frozenset(id_ for id_, known in names if matches_any(typed, known))
    return found or frozenset(id_ for id_, known in names if matches_any(typed, known, fuzzy=True))


def filter_pilots(
    pilots: Sequence[Pilot],
    region: str | None = None,
    theme: str | None = None,
    place: str | None = None,
    categories: Sequence[Category] = (),
) -> list[Pilot]:
    """The pilots that meet every given filter, in the data's order."""
    named = match_regions(pilots, region) if region is not None else regions(pilots)
    chosen: list[frozenset[str]] = []  # the ids the theme and the place keep
    if theme is not None:
        chosen.append(match_theme(pilots, categories, theme))
    if place is not None:
        chosen.append(match_place(pilots, place))
    return [p for p in pilots if p.region in named and all(p.id in ids for ids in chosen)]


def explain_no_match(
    pilots: Sequence[Pilot],
    region: str | None = None,
    theme: str | None = None,
    place: str | None = None,
    categories: Sequence[Category] = (),
) -> str:
    """Why a valid combination of filters found nothing, for the one-line error."""
    if place is not None and not match_place(pilots, place):
        close = closest(place, [name for pilot in pilots for name, _ in places(pilot)])
        hint = f"did you mean {close[0]}?" if close else "see 'tp pilot NAME' for a pilot's places"
        return f"no pilot's names, member authorities or themes mention '{place}'; {hint}"
    given = {"region": region, "theme": theme, "place": place}
    filters = " ".join(f"--{name} '{value}'" for name, value in given.items() if value is not None)
    message = f"no pilot meets all of {filters}"
    unthemed = filter_pilots(pilots, region=region, place=place) if theme is not None else []
    names = ", ".join(pilot.name for pilot in unthemed if not pilot.themes)
    return f"{message} (no sourced themes for: {names})" if names else message


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
        lambda p: matches_any(typed, [p.name, p.official_name or ""]),
        lambda p: matches_any(typed, place_names(p)),
        lambda p: matches_any(typed, [p.name], fuzzy=True),
        lambda p: matches_any(typed, place_names(p), fuzzy=True),
    )
    for stage in stages:
        found = [pilot for pilot in pilots if stage(pilot)]
        if len(found) > 1:
            names = ", ".join(pilot.id for pilot in found)
            raise UsageError(f"'{key}' could be any of: {names}; say which")
        if found:
            return found[0]
    hint = "see 'tp pilots' for their ids and names"
    if matches_any(typed, regions(pilots)):
        hint = f"'{key}' is a region: try tp pilots --region '{key}'"
    raise UsageError(f"no pilot '{key}'; {hint}")


def faq_mentions(entries: Sequence[FaqEntry], pilot: Pilot) -> list[tuple[FaqEntry, list[str]]]:
    """The FAQ entries whose text names the pilot, each with the verbatim lines that do."""
    pattern = re.compile(rf"(?<!\w){re.escape(pilot.name)}(?!\w)")
    texts = [(entry, [entry.question, *entry.answer.split("\n")]) for entry in entries]
    found = [(entry, [line for line in lines if pattern.search(line)]) for entry, lines in texts]
    return [(entry, lines) for entry, lines in found if lines]


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


def as_completions(values: list[tuple[str, str]], typed: str) -> list[tuple[str, str]]:
    """Values spelt to start with `typed`, case and all (Typer keeps only those); help on a line."""
    from rich.markup import escape  # completion only; Typer's own rendering imports Rich anyway

    found = []
    for value, text in values:
        if value[: len(typed)].casefold() == typed.casefold() and not value.startswith(typed):
            starts = [v for v in (value.lower(), value.upper()) if v.startswith(typed)]
            value = starts[0] if starts else typed + value[len(typed) :]
        text = " ".join(without_controls(text).split())
        text = text if len(text) <= COMPLETION_WIDTH else text[: COMPLETION_WIDTH - 1] + "\u2026"
        found.append((value, escape(text)))
    return found
