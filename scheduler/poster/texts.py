"""What a poster says: the fields a layout's text patterns can use, from a content item or ad-hoc text."""

from __future__ import annotations

from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem, field_where
from ..inputs.vocabulary import AREAS, TOPICS
from . import pictures


@dataclass(frozen=True)
class PosterText:
    """The words of one poster. `id` names the poster in messages and its folder under posters/."""

    id: str
    title: str
    headline: str = ""
    line: str = ""
    summary: str = ""
    area: str = ""
    topic: str = ""
    source: str = ""  # content file:line, for messages
    tags: tuple[str, ...] = ()
    lines: tuple[tuple[str, int], ...] = ()  # (field, its line in the content file), for messages

    def words(self) -> dict[str, str]:
        """What the poster says (where it is written and its tags are not part of it)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("source", "tags", "lines")}

    def where(self, name: str) -> str:
        """file:line of field `name` in the content file, for messages."""
        return field_where(self.source, self.lines, name) or self.id

    @classmethod
    def of(cls, item: ContentItem) -> PosterText:
        return cls(item.id, item.title, item.headline, item.line, item.summary, item.area, item.topic, item.source, item.tags, item.lines)


def fields(campaign: Campaign, text: PosterText) -> dict[str, str]:
    return {
        "title": text.title,
        "headline": text.headline or text.title,
        "line": text.line,
        "summary": text.summary,
        "area": AREAS.get(text.area, ""),
        "topic": TOPICS.get(text.topic, ""),
        **campaign.text_values,
        "organizer_short": campaign.organizer_short,  # where the full name does not fit (`arrange.patterns`)
        "theme": "" if text.title.strip() == campaign.theme.strip() else campaign.theme,  # the theme's own poster: not again in its footer
        "launch_venue": campaign.key_dates.launch_venue,  # a poster names the venue only when the config has it
        "picture": pictures.kind_of(text.tags, text.topic, text.area, text.title),  # the illustration of the sheet and photo families
    }
