"""Every item × layout × size of a campaign, arranged (not painted) and held to the rules (rules.py).

What the rules test and `benchmarks/poster_rules.py` run: a combination is either refused because the
layout has no variant for the size's shape (the message names the sizes that fit), or arranged and
checked; an arrangement that fails for any other reason (text that does not fit) is a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..support.errors import QmError
from . import fonts, sizes
from .draw import breaches
from .job import Job
from .layout import family_folder, layout_names, load_layout
from .make import arrangement, prepare
from .texts import PosterText


@dataclass
class Audit:
    arranged: int = 0
    refused: int = 0  # layout × size combinations refused with the list of fitting sizes
    breaches: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rules_checked: int = 0

    @property
    def combinations(self) -> int:
        return self.arranged + self.refused + len(self.failures)


def audit(campaign: Campaign, library: Library, layouts: Iterable[str] | None = None, size_names: Iterable[str] | None = None) -> Audit:
    font_files = fonts.candidates(campaign.brand.font)
    out = Audit()
    wanted_sizes = list(size_names or sizes.names(campaign))
    for name in layouts or layout_names(campaign.paths.templates / "posters"):
        for size_name in wanted_sizes:
            size = sizes.resolve(size_name, campaign)
            for item in library.items:  # each in its area's family
                folder = family_folder(campaign.paths.templates, campaign.posters.family_for(item.area))
                if not load_layout(folder, name).fits(size.width, size.height):
                    out.refused += 1
                    continue
                job = Job(PosterText.of(item), name, size_name, Path("unused.png"))
                try:
                    prepared = prepare(campaign, job, font_files)
                    arr = arrangement(campaign, prepared, font_files)
                except QmError as exc:  # text that does not fit, a missing glyph: a failure, not a refusal
                    out.failures.append(f"{item.id} {name} {size_name}：{exc}")
                    continue
                out.arranged += 1
                out.rules_checked += 1
                out.breaches += [f"{item.id} {name} {size_name} {b}" for b in breaches(arr, campaign.brand, prepared.fields)]
    return out
