"""What a post is made from, so a post that goes back to review can say what changed.

Each version of a post records its sources: the content file and a digest of the item, and a
snapshot of the config (every key of the config file, each value by its hash) and of the
templates (each file by its hash). When a new version replaces an approved one, the two
records are compared and the difference is named the way a person finds it in the project:
`内容 content/food/salt.md`, `模板 templates/wechat/article.html.j2`, `配置 config.yaml: campaign.hotline、pins`
(the config's keys as `config_changes` names them). The logo and the photograph count by their bytes: one saved
with another picture, when nothing else explains the change, is named `标志图片 logo.png`, `照片 photo.jpg`.

A snapshot is named by a digest of the files' bytes, so that the config is read key by key (with
PyYAML, unless its text was parsed before) only when a snapshot is new: after the config or a
template changed, not at every fill.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from ..channels.kinds import kinds
from ..inputs import located_yaml
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..planning.planner import PlannedPost
from ..support.file_digest import file_digest
from .config_changes import changed_keys, listed


@dataclass(frozen=True)
class Snapshot:
    """The config and the templates at one time: key or file → hash of its value."""

    config: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)
    config_name: str = "config.yaml"  # as the user names the file
    templates_dir: str = "templates"
    pictures: Mapping[str, str] | None = None  # the logo and the photograph by name (`标志图片 logo.png`); None: not recorded

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "config": dict(self.config),
            "templates": dict(self.templates),
            "names": [self.config_name, self.templates_dir],
        }
        if self.pictures is not None:
            body["pictures"] = dict(self.pictures)
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        body = json.loads(text)
        config_name, templates_dir = body.get("names", ["config.yaml", "templates"])
        return cls(body.get("config", {}), body.get("templates", {}), config_name, templates_dir, body.get("pictures"))


@dataclass(frozen=True)
class PostSource:
    """One version of a post: its channel kind, content file and item digest, and the snapshot it was made with."""

    kind: str
    content: str  # the content file, as the user names it (content/food/salt.md)
    item: str  # the digest of the item's entry in its file, then of what the item says (config values filled in)
    snapshot: str  # ConfigAndTemplates.digest of the snapshot


class ConfigAndTemplates:
    """The config file and the templates as they are now: `digest` names them by their bytes,
    `snapshot` reads the config key by key (asked for only when that digest is not stored yet)."""

    def __init__(self, campaign: Campaign) -> None:
        self._config_path, self._base = campaign.config_path, campaign.config_path.parent
        try:
            self._config_text: str | None = located_yaml.read_text(campaign.config_path)
        except located_yaml.YamlSyntaxError:
            self._config_text = None  # a config read from elsewhere: the differences are then not named
        root = campaign.paths.templates
        self._templates = {
            path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            for path in sorted(root.rglob("*"))
            if path.is_file()  # poster layouts too: their text is drawn on the pictures (`rendering/picture_look.py`)
        }
        self._names = (campaign.config_path.name, _shown(root, self._base))
        named = (("标志图片", campaign.brand.logo), ("照片", campaign.posters.photo))
        self._pictures = {f"{what} {_shown(path, self._base)}": file_digest(path)[:16] for what, path in named if path is not None}
        self._files: dict[str, str] = {}  # content file -> as the user names it
        self._folders: dict[Path, Path] = {}  # resolved
        self._real_base = self._base.resolve()
        self._items: dict[int, tuple[ContentItem, str]] = {}  # id(item) -> (item, its digest): posts share items

    @cached_property
    def digest(self) -> str:
        config = hashlib.sha256((self._config_text or "").encode("utf-8", "surrogateescape")).hexdigest()
        body = {"config": config, "templates": self._templates, "names": list(self._names), "pictures": self._pictures}
        return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    @cached_property
    def snapshot(self) -> Snapshot:
        config: dict[str, str] = {}
        if self._config_text is not None:
            with contextlib.suppress(located_yaml.YamlSyntaxError):  # PyYAML only when this text was not parsed before
                _flatten(located_yaml.parse(self._config_text, str(self._config_path)), "", config)
        return Snapshot(config, self._templates, *self._names, self._pictures)

    def source_of(self, post: PlannedPost) -> PostSource:
        file = post.item.source.rsplit(":", 1)[0]
        if file not in self._files:
            self._files[file] = self._shown_file(Path(file))
        item, said = self._items.get(id(post.item)) or (None, "")
        if item is not post.item:
            said = _item_digest(post.item)
            self._items[id(post.item)] = (post.item, said)
        return PostSource(post.channel.split(":", 1)[0], self._files[file], said, self.digest)

    def _shown_file(self, path: Path) -> str:
        """`_shown(path, base)`, each folder (and the base) resolved once for all its files."""
        if path.is_symlink() or path.name in ("", ".", ".."):
            return _shown(path, self._base)
        if path.parent not in self._folders:
            self._folders[path.parent] = path.parent.resolve()
        try:
            return Path(os.path.relpath(self._folders[path.parent] / path.name, self._real_base)).as_posix()
        except ValueError:
            return path.as_posix()


def _item_digest(item: ContentItem) -> str:
    """What the item says (its place in the file aside)."""
    words = {f.name: getattr(item, f.name) for f in fields(item) if f.name not in ("source", "digest")}
    said = hashlib.sha256(json.dumps(words, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{item.digest}:{said}"


def what_changed(old: PostSource | None, old_snap: Snapshot | None, new: PostSource, new_snap: Snapshot) -> list[str]:
    """The sources that differ between two versions of a post, named for a person ([] if unknown)."""
    if old is None:
        return []
    found = []
    entry, said = old.item.partition(":")[::2], new.item.partition(":")[::2]
    if old.content != new.content or entry[0] != said[0]:  # the file's entry changed
        found.append(f"内容 {new.content}")
    if old_snap is not None and old.snapshot != new.snapshot:
        for name in sorted(set(old_snap.templates) | set(new_snap.templates)):
            if old_snap.templates.get(name) != new_snap.templates.get(name) and _used_by(name, new.kind):
                found.append(f"模板 {new_snap.templates_dir}/{name}")
        keys = changed_keys(old_snap.config, new_snap.config, lambda key: _config_for(key, new.kind))
        if keys:
            found.append(f"配置 {new_snap.config_name}: {listed(keys)}")
        if not found and old_snap.pictures is not None and new_snap.pictures is not None:  # not every post shows them: named last
            found += [
                name
                for name in sorted(set(old_snap.pictures) | set(new_snap.pictures))
                if old_snap.pictures.get(name) != new_snap.pictures.get(name)
            ]
    if not found and entry[1] != said[1]:  # what it says changed, and nothing in the files explains it
        found.append(f"内容 {new.content}")
    return found


# config.yaml's sections no post's words or pictures are made from: the console, the daemons, the
# database, who is told what, reminders and units' files for staff, review stages, the checks. A
# change there alone gives no post a new version, so it never explains one.
UNPUBLISHED = frozenset({"web", "daemon", "database", "notifications", "reminders", "units", "review", "lint"})


def _used_by(template: str, kind: str) -> bool:
    """A template in another channel kind's folder does not make this post."""
    folders = {k.template.split("/", 1)[0]: k.name for k in kinds() if "/" in k.template}
    return folders.get(template.split("/", 1)[0], kind) == kind if "/" in template else True


def _config_for(key: str, kind: str) -> bool:
    """Settings of how qm runs (`UNPUBLISHED`) and another channel kind's (`channels.<its section>`) do
    not make this post. A version records the whole config as it was: one that changed meanwhile
    would otherwise be named whenever the post changes for another reason (its content edited)."""
    parts = key.split(".")
    if parts[0].split("[", 1)[0] in UNPUBLISHED:
        return False
    if parts[0] != "channels" or len(parts) < 2:
        return True
    sections = {k.section: k.name for k in kinds()}
    return sections.get(parts[1].split("[", 1)[0], kind) == kind


def _flatten(value: Any, key: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(v, f"{key}.{k}" if key else str(k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            name = v.get("id") or v.get("name") if isinstance(v, Mapping) else None
            _flatten(v, f"{key}[{name if isinstance(name, str | int) else i}]", out)
    else:
        out[key] = hashlib.sha256(json.dumps(value, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _shown(path: Path, base: Path) -> str:
    """A path as the user names it: relative to the config file's folder when that reads well."""
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class Sources:
    """What one fill rendered from: the config and templates, and each rendered post's sources."""

    files: ConfigAndTemplates
    posts: Mapping[str, PostSource]
