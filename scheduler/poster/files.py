"""The poster file for an image reference, drawn when missing: what the daemon and the CLI give the
channels (an `ImageSource`), so that no channel loads content or draws posters itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..support.errors import ContentError
from ..support.values import ImageRef, poster_path

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign
    from ..inputs.content import Library


class PosterFiles:
    """An `ImageSource`: the rendered poster, drawn now if nobody ran `qm posters` for it.

    A content file that does not load holds back only its own items' posters: the others are drawn
    from the items that load (`read_library`)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._library: Library | None = None  # kept once it loads whole; one with problems is read again

    def __call__(self, image: ImageRef) -> Path:
        """The file; QmError (the item missing from the library, or not loading) or OSError when it cannot be made."""
        path = poster_path(self.campaign.paths.posters, image)
        if path.is_file():
            return path
        from ..inputs.content import read_library
        from . import ensure  # drawing pulls in Pillow and fonts: only when a poster is missing

        library = self._library or read_library(self.campaign.paths.content, self.campaign.text_values)
        if not library.problems:
            self._library = library
        item = library.get(image.item)
        if item is None:
            raise ContentError(f"内容库中没有内容 {image.item}" + held(library))
        return ensure(self.campaign, item, image)


def held(library: Library) -> str:
    """Why an item may be missing: the files that do not load, by file:line (none when all load)."""
    if not library.problems:
        return ""
    return f"（内容库有 {len(library.problems)} 处文件无法读取，这条内容可能在其中：{'；'.join(map(str, library.problems))}）"
