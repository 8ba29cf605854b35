"""The poster file for an image reference, drawn when missing: what the daemon and the CLI give the
channels (an `ImageSource`), so that no channel loads content or draws posters itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..support.values import ImageRef, poster_path

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign
    from ..inputs.content import ContentItem


class PosterFiles:
    """An `ImageSource`: the rendered poster, drawn now if nobody ran `qm posters` for it."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._items: dict[str, ContentItem] | None = None

    def __call__(self, image: ImageRef) -> Path:
        """The file; QmError, KeyError (item gone from the library) or OSError when it cannot be made."""
        path = poster_path(self.campaign.paths.posters, image)
        if path.is_file():
            return path
        from ..inputs.content import load_library
        from . import ensure  # drawing pulls in Pillow and fonts: only when a poster is missing

        if self._items is None:
            self._items = {item.id: item for item in load_library(self.campaign.paths.content, self.campaign.text_values).items}
        return ensure(self.campaign, self._items[image.item], image)
