"""The fake account's media library and draft box, each upload checked against the documented limits.

Permanent images (`material/add_material`, PNG/JPEG/GIF/BMP up to 10 MB; `material/del_material`
deletes one, and a draft that names it is then refused with 40007), in-article images
(`media/uploadimg`, PNG/JPEG under 1 MB) and drafts (`draft/add`: title, author, digest and content
lengths, and a cover that is in the library).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..server import Answer, Request
from .answers import MB, Route, err, ok

COVER_TYPES = (b"\x89PNG", b"\xff\xd8", b"GIF8", b"BM")
ARTICLE_IMAGE_TYPES = (b"\x89PNG", b"\xff\xd8")


class Library:
    def __init__(self, ids: Iterator[int], now: Callable[[], float], title_max: int) -> None:
        self._ids, self._now = ids, now
        self.title_max = title_max
        self.materials: dict[str, bytes] = {}  # permanent images by media_id
        self.image_urls: set[str] = set()  # in-article images
        self.drafts: dict[str, dict[str, Any]] = {}  # media_id -> {"articles", "at"}

    def routes(self) -> dict[str, Route]:
        return {
            "add_material": self._add_material,
            "del_material": self._del_material,
            "uploadimg": self._uploadimg,
            "add": self._add_draft,
        }

    def title(self, media_id: str) -> str:
        """The title of a draft's first article."""
        return str(self.drafts[media_id]["articles"][0].get("title", ""))

    def _image(self, request: Request, kinds: tuple[bytes, ...], limit: int) -> tuple[bytes, Answer | None]:
        if "media" not in request.files:
            return b"", err(41005, "media data missing")
        content = request.files["media"][1]
        if not content.startswith(kinds):
            return content, err(40005, "invalid file type")
        if len(content) > limit:
            return content, err(40009, "invalid image size")
        return content, None

    def _add_material(self, request: Request) -> Answer:
        if request.query.get("type") != "image":
            return err(40004, "invalid media type")
        content, problem = self._image(request, COVER_TYPES, 10 * MB)
        if problem:
            return problem
        media_id = f"fake-media-{next(self._ids)}"
        self.materials[media_id] = content
        return ok(media_id=media_id, url=f"http://mmbiz.qpic.cn/fake/{media_id}/0")

    def _del_material(self, request: Request) -> Answer:
        """A permanent material deleted from the library (by staff in the web console, or this API)."""
        if self.materials.pop(request.param("media_id"), None) is None:
            return err(40007, "invalid media_id")
        return ok()

    def _uploadimg(self, request: Request) -> Answer:
        _content, problem = self._image(request, ARTICLE_IMAGE_TYPES, MB - 1)
        if problem:
            return problem
        url = f"http://mmbiz.qpic.cn/fake/img-{next(self._ids)}/0"
        self.image_urls.add(url)
        return ok(url=url)

    def _add_draft(self, request: Request) -> Answer:
        articles = request.json.get("articles") or []
        if not articles:
            return err(44003, "empty news data")
        for a in articles:
            problem = self._article_problem(a)
            if problem:
                return problem
        media_id = f"fake-draft-{next(self._ids)}"
        self.drafts[media_id] = {"articles": articles, "at": self._now()}
        return ok(media_id=media_id)

    def _article_problem(self, a: dict[str, Any]) -> Answer | None:
        content = str(a.get("content", ""))
        checks = (
            (len(str(a.get("title", ""))) > self.title_max, 45003, "title size out of limit"),
            (len(str(a.get("author", ""))) > 16, 45110, "author size out of limit"),
            (len(str(a.get("digest", ""))) > 128, 45004, "description size out of limit"),
            (len(content) >= 20000 or len(content.encode()) >= MB, 45002, "content size out of limit"),
            (a.get("thumb_media_id") not in self.materials, 40007, "invalid media_id"),
        )
        return next((err(code, message) for failed, code, message in checks if failed), None)
