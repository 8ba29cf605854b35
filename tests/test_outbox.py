"""The outbox channel: complete folders or none, idempotent publishing, certain reconciliation."""

from __future__ import annotations

import datetime as dt
import errno
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from scheduler.channels import make_channel, register
from scheduler.channels.base import OutgoingPost, PermanentError, TransientError
from scheduler.channels.outbox import OutboxChannel
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.planning.planner import Plan
from scheduler.poster.files import PosterFiles
from scheduler.publishing import states as st
from scheduler.publishing.maybe_sent import maybe_sent
from scheduler.support.errors import ConfigError
from scheduler.support.values import Receipt

from .channel_helpers import local, outgoing
from .conftest import DEFAULT

POST = OutgoingPost(
    id="20270908-weibo-0930",
    channel="weibo",
    at=dt.datetime(2027, 9, 8, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    item="publicity-launch-announcement",
    version="abc123",
    payload={"text": "【启动】质量月今天启动", "length": 10},
)


def test_publish_writes_payload_metadata_and_existing_images(tmp_path: Path) -> None:
    poster = tmp_path / "posters" / "card.png"
    poster.parent.mkdir()
    poster.write_bytes(b"\x89PNG")
    post = OutgoingPost(**{**POST.__dict__, "images": {"qm-image:x/square": poster, "qm-image:x/cover": tmp_path / "missing.png"}})
    channel = OutboxChannel("weibo", tmp_path / "outbox")
    receipt = channel.publish(post)
    folder = tmp_path / "outbox" / "weibo" / POST.id
    assert receipt.status == "published" and receipt.url == folder.resolve().as_uri()
    assert json.loads((folder / "payload.json").read_text(encoding="utf-8")) == POST.payload
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["version"] == "abc123" and meta["images"] == {"qm-image:x/square": "images/01-card.png"}
    assert meta["missing_images"] == ["qm-image:x/cover"]
    assert (folder / "images" / "01-card.png").read_bytes() == b"\x89PNG"


def test_publish_is_idempotent_and_reconcile_is_certain(tmp_path: Path) -> None:
    channel = OutboxChannel("weibo", tmp_path)
    assert channel.reconcile(POST, None) is None
    first = channel.publish(POST)
    assert channel.publish(POST) == first
    assert channel.reconcile(POST, None) == first
    assert channel.reconcile_is_authoritative


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    channel = OutboxChannel("weibo", tmp_path)
    broken = OutgoingPost(**{**POST.__dict__, "payload": {"not json": {1, 2}}})
    with pytest.raises(TypeError):
        channel.publish(broken)
    assert list((tmp_path / "weibo").iterdir()) == []
    assert channel.reconcile(POST, None) is None


def test_the_outbox_a_post_goes_to_is_recorded_before_writing_and_cleared_when_the_write_fails(tmp_path: Path) -> None:
    recorded: list[dict[str, Any]] = []
    post = OutgoingPost(**{**POST.__dict__, "checkpoint": recorded.append})

    def disk_full() -> dt.datetime:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(TransientError, match=r"无法写入发件箱 .*：磁盘已满（检查磁盘空间和权限）") as failed:
        OutboxChannel("weibo", tmp_path / "a", now=disk_full).publish(post)
    assert "No space" not in str(failed.value)  # the system's English is not what staff read
    writing, cleared = recorded
    assert writing["outbox"] == (tmp_path / "a" / "outbox-id").read_text(encoding="ascii").strip() and cleared == {}
    other_machine = OutboxChannel("weibo", tmp_path / "b")
    assert other_machine.reconcile(POST, Receipt("accepted", data=cleared)) is None  # nothing written: any machine may send it
    with pytest.raises(PermanentError, match=f"正写入.*的发件箱 {tmp_path / 'a' / 'weibo' / POST.id}"):
        other_machine.reconcile(POST, Receipt("accepted", data=writing))  # it may be in a folder this machine cannot see
    assert OutboxChannel("weibo", tmp_path / "a").reconcile(POST, Receipt("accepted", data=writing)) is None  # its own: certain


def test_a_write_that_stopped_before_the_folder_was_put_in_place_leaves_a_receipt_that_says_nothing_went_out(tmp_path: Path) -> None:
    """The daemon keeps the last checkpoint as the failed post's receipt: a refusal by the platform's rules, a full
    disk or a program error before the rename clears the outbox's record (the post is judged not sent, its edit takes
    effect); a write cut off mid-way keeps it (the post may be in that outbox: judged as maybe out)."""
    left: dict[str, list[dict[str, Any]]] = {"rules": [], "disk": [], "bug": [], "cut": []}

    def post(kind: str, **changes: Any) -> OutgoingPost:
        return OutgoingPost(**{**POST.__dict__, "checkpoint": left[kind].append, **changes})

    def disk_full() -> dt.datetime:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(PermanentError, match="不符合微博的限制：正文超过 140 字"):
        OutboxChannel("weibo", tmp_path / "a", check=lambda _payload, _files: ["正文超过 140 字"], label="微博").publish(post("rules"))
    with pytest.raises(TransientError):
        OutboxChannel("weibo", tmp_path / "a", now=disk_full).publish(post("disk"))
    with pytest.raises(TypeError):
        OutboxChannel("weibo", tmp_path / "a").publish(post("bug", payload={"not json": {1, 2}}))
    with pytest.raises(KeyboardInterrupt):  # the daemon stopped while writing: what was written is not known
        OutboxChannel("weibo", tmp_path / "a", check=lambda _payload, _files: _interrupt()).publish(post("cut"))
    assert not list((tmp_path / "a" / "weibo").iterdir())
    judged = {k: maybe_sent(st.FAILED, 1, Receipt("accepted", data=log[-1])) for k, log in left.items()}
    assert judged == {"rules": False, "disk": False, "bug": False, "cut": True}
    assert all(log[-1] == {} for k, log in left.items() if k != "cut")


def _interrupt() -> list[str]:
    raise KeyboardInterrupt


def test_factory_picks_a_channel_by_kind_and_publisher(tmp_path: Path) -> None:
    campaign = load_campaign(DEFAULT)
    assert isinstance(make_channel(campaign, campaign.channels[0], PosterFiles(campaign)), OutboxChannel)
    center = campaign.channel("screen:center")
    assert center is not None
    made = make_channel(campaign, center, PosterFiles(campaign))
    assert isinstance(made, OutboxChannel) and made.label == "中央大街户外大屏"  # its refusals name the screen as staff call it
    pigeon = type(campaign.channels[0])(**{**campaign.channels[0].__dict__, "publisher": "pigeon"})
    with pytest.raises(ConfigError, match="publisher: pigeon 还不可用"):
        make_channel(campaign, pigeon, PosterFiles(campaign))

    @register("wechat", "pigeon")
    def _make(c: object, config: object, images: object) -> OutboxChannel:
        return OutboxChannel("wechat", tmp_path)

    try:
        assert make_channel(campaign, pigeon, PosterFiles(campaign)).name == "wechat"
    finally:
        from scheduler import channels

        channels._makers.pop(("wechat", "pigeon"))


def test_the_configured_outbox_draws_missing_posters_and_stamps_campaign_time(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> None:
    campaign = local(heihe, tmp_path)
    post = outgoing(campaign, heihe_plan, "20160908-wechat-2000")
    assert post.images and not any(path.exists() for path in post.images.values())  # nobody ran qm posters
    channel = make_channel(campaign, campaign.wechat, PosterFiles(campaign))  # type: ignore[arg-type]
    channel.publish(post)
    folder = campaign.paths.state / "outbox" / "wechat" / post.id
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["missing_images"] == [] and set(meta["images"]) == set(post.images)
    for name in meta["images"].values():
        with Image.open(folder / name) as image:
            assert image.width > 0
    assert all(path.is_file() for path in post.images.values())  # and they stay in the posters folder
    assert meta["published_at"].endswith("+08:00")


def test_the_outbox_folder_recorded_for_another_machine_is_a_full_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Told to whoever finds the post interrupted, maybe from another folder or machine: the folder it may be in,
    not a path that means something only from the folder the daemon ran in."""
    monkeypatch.chdir(tmp_path)
    recorded: list[dict[str, Any]] = []
    OutboxChannel("weibo", Path(".qm") / "outbox").publish(OutgoingPost(**{**POST.__dict__, "checkpoint": recorded.append}))
    assert recorded[0]["outbox_folder"] == str(tmp_path / ".qm" / "outbox" / "weibo" / POST.id)


def test_a_post_left_in_an_unseen_outbox_says_where_to_look_and_that_only_the_outbox_need_be_shared(tmp_path: Path) -> None:
    """The advice agrees with the README (share `.qm/outbox`, not the whole state folder), and a daemon that
    ran on this same machine in another state folder is not looked for "on" this machine as if elsewhere."""
    recorded: list[dict[str, Any]] = []
    OutboxChannel("weibo", tmp_path / "a").publish(OutgoingPost(**{**POST.__dict__, "checkpoint": recorded.append}))
    here = OutboxChannel("weibo", tmp_path / "b")
    with pytest.raises(PermanentError) as same_host:
        here.reconcile(POST, Receipt("accepted", data=recorded[0]))
    said = str(same_host.value)
    assert f"本机（{socket.gethostname()}）另一个状态目录的发件箱 {tmp_path / 'a' / 'weibo' / POST.id}" in said
    assert f"本服务的发件箱是 {tmp_path / 'b'}" in said and "请到" not in said
    assert "发件箱 .qm/outbox 是同一个共享文件夹" in said and "状态目录放在共享存储" not in said
    elsewhere = {**recorded[0], "outbox_host": "office-pc-1"}
    with pytest.raises(PermanentError, match=f"正写入 office-pc-1 上的发件箱 .*请到 office-pc-1 上查看，.*qm confirm {POST.id}"):
        here.reconcile(POST, Receipt("accepted", data=elsewhere))
