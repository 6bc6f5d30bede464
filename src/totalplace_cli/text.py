"""Turn text into search terms: the same rules for the FAQ and for a reader's query.

A term is a lower-case word reduced to its stem ("savings", "saved" -> "save"), or a number as
written ("5.5", "2010"). Curly quotes, "£", possessives, contractions, British/American "-ise/-ize"
and plural acronyms ("RIEPs", "LSPs") are normalised first, so the reader's spelling and the FAQ's
meet. Pure functions, no I/O; PyStemmer (a small C extension) is the only dependency.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any, NamedTuple

# Numbers keep their decimal point ("5.5"); words may carry an apostrophe ("children's", "haven't").
TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
VOWELS = frozenset("aeiouy")
AMERICAN_IZE = re.compile(r"iz(e|es|ed|er|ers|ing|ation|ations)$")
CONTRACTIONS = {"can't": "can", "won't": "will", "shan't": "shall"}
# Short forms readers type for amounts ("£4.5bn").
UNITS = {"bn": "billion", "mn": "million"}

# Function words: they carry no topic, so a query keys on its other words. They are still indexed,
# so a query made only of them ("what is it") can be answered.
_STOP_WORD_LIST = """
    a about above after again against all also am an and any are as at be been being both but by
    ca can could did do does doing down during each either for from further had has have having he
    her here hers him his how i if in into is it its itself just kind kinds let many may me might
    more most much must my nor not of off on once only or our ours ourselves out over own per
    same shall she should so some sort sorts such than that the their theirs them themselves then
    there these they this those through to too type types under until up upon us very was we were
    what whatever which while whom will with would you your yours yourself st nd rd th s t re
    ve ll d get gets got wo thing things
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())


class Token(NamedTuple):
    """One term of a text: its stem, the normalised word, whether it is a function word, and the
    span of the text it came from (for snippets)."""

    term: str
    word: str
    stop: bool
    start: int
    end: int


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    # PyStemmer ships no type hints; ~1 ms to import and build.
    import Stemmer  # type: ignore[import-not-found,import-untyped,unused-ignore]

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English (Snowball) stem of one normalised word; numbers are kept as they are."""
    if word[0].isdigit():
        return word
    return str(_stemmer().stemWord(word))


def normalise_word(raw: str) -> list[str]:
    """Lower-case one raw token and undo the spellings that differ between writer and reader."""
    word = raw.lower().replace("\u2019", "'")
    if word[0].isdigit():
        if "." not in word:
            word = word.lstrip("0") or "0"  # "09" as in "PBR09" is the number 9
        return [word]
    if word in CONTRACTIONS:
        return [CONTRACTIONS[word], "not"]
    if word.endswith("n't"):
        return [word[:-3], "not"]
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    word = UNITS.get(word, word)
    # Plural acronyms: "LSPs", "PCTs" (the stemmer leaves vowel-less words alone).
    if len(word) >= 4 and word.endswith("s") and not VOWELS.intersection(word[:-1]):
        word = word[:-1]
    word = AMERICAN_IZE.sub(r"is\1", word)
    return [word] if word else []


@lru_cache(maxsize=1 << 17)
def analyse(raw: str) -> tuple[tuple[str, str, bool], ...]:
    """(term, word, is a function word) for each word of one raw token; memoised, since a text
    repeats its words and indexing a large FAQ would otherwise normalise and stem each again."""
    return tuple((stem(word), word, word in STOP_WORDS) for word in normalise_word(raw))


def raw_words(text: str) -> list[str]:
    """The raw tokens of `text` as written; `analyse` each to get its terms."""
    return TOKEN.findall(text)


def terms(text: str) -> list[tuple[str, str, bool]]:
    """(term, word, is a function word) for every word of `text`, in order, without spans."""
    return [analysed for raw in TOKEN.findall(text) for analysed in analyse(raw)]


def words(text: str) -> list[str]:
    """The normalised words of `text`, unstemmed (what a reader would recognise)."""
    return [word for raw in TOKEN.findall(text) for word in normalise_word(raw)]


def matched_spans(text: str, wanted: Collection[str]) -> list[tuple[int, int, str | None]]:
    """Each word's span in `text` with its term when that term is `wanted`, else None.

    Built for snippets, which need every word's position but the terms of only a few words:
    only a word that could stem to a wanted term is analysed. Normalising and stemming keep a
    word's first letter, except for numbers ("09" is 9) and contractions ("haven't" gives
    "not"), which are always analysed. A word with two wanted terms gives two entries.
    """
    initials = {term[0] for term in wanted}
    spans: list[tuple[int, int, str | None]] = []
    for match in TOKEN.finditer(text):
        raw = match.group()
        first = raw[0].lower()
        found: list[str] = []
        if first in initials or first.isdigit() or "'" in raw or "\u2019" in raw:
            found = [term for term, _, _ in analyse(raw) if term in wanted]
        if found:
            spans.extend((match.start(), match.end(), term) for term in found)
        else:
            spans.append((match.start(), match.end(), None))
    return spans


def tokenise(text: str) -> list[Token]:
    """Every term of `text` with the character span it came from, in order."""
    tokens: list[Token] = []
    for match in TOKEN.finditer(text):
        for term, word, stop in analyse(match.group()):
            tokens.append(Token(term, word, stop, match.start(), match.end()))
    return tokens


def is_stop_word(word: str) -> bool:
    """Whether a normalised word is a function word that carries no topic."""
    return word in STOP_WORDS
