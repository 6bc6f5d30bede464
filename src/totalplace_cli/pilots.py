"""Filter the pilots and explain bad filter values."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from totalplace_cli.errors import UsageError
from totalplace_cli.models import Pilot


def regions(pilots: Sequence[Pilot]) -> list[str]:
    """The distinct regions, in the data's order."""
    return list(dict.fromkeys(pilot.region for pilot in pilots))


def match_region(pilots: Sequence[Pilot], wanted: str) -> str:
    """The region named by `wanted` (case-insensitive), or a usage error naming the closest."""
    known = regions(pilots)
    for region in known:
        if region.casefold() == wanted.strip().casefold():
            return region
    close = difflib.get_close_matches(
        wanted.casefold(), [r.casefold() for r in known], n=3, cutoff=0
    )
    names = [next(r for r in known if r.casefold() == c) for c in close]
    raise UsageError(f"unknown region '{wanted}'; closest: {', '.join(names)}")


def filter_pilots(pilots: Sequence[Pilot], region: str | None = None) -> list[Pilot]:
    """The pilots that meet every given filter, in the data's order."""
    selected = list(pilots)
    if region is not None:
        name = match_region(pilots, region)
        selected = [pilot for pilot in selected if pilot.region == name]
    return selected
