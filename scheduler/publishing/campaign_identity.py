"""Which campaign a queue database holds, so that a machine with another campaign's config cannot write
into it (add its posts to the queue, approve, take over publishing and send the real campaign's posts
back to review because its review rules differ).

A campaign is known by three things staff write in `campaign:`: its name, its organiser and its period
(start and end). The first command that opens the database records them (`claim`); every later one
compares its config's with them before it does anything else. A config agreeing in at least two of the
three is the same campaign, edited: a corrected name, a moved period or a new organiser is recorded
then, so the next edit is judged against it. Two that agree in fewer than two are refused with a
message naming both. Nothing is kept outside the database: the machines sharing it need no file to be
copied among them, and a state folder lost or made afresh changes nothing.

Why not an identifier made by `qm init`: configs made before it have none, and a config copied from
another campaign's folder would carry that campaign's identifier, the very mistake to catch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign
from ..support.db_names import is_postgresql, shown
from ..support.errors import InputError
from .dialect_insert import insert_into
from .tables import campaign_identity

KEY = "campaign"  # the table's one row


@dataclass(frozen=True)
class Identity:
    name: str
    organizer: str
    start: str
    end: str

    @classmethod
    def of(cls, campaign: Campaign) -> Identity:
        return cls(campaign.name, campaign.organizer, campaign.start.isoformat(), campaign.end.isoformat())

    def agreeing(self, other: Identity) -> int:
        """In how many of name, organiser and period the two agree."""
        return sum((self.name == other.name, self.organizer == other.organizer, (self.start, self.end) == (other.start, other.end)))

    def described(self) -> str:
        return f"“{self.name}”（{self.organizer}，{self.start} 至 {self.end}）"


class CampaignDiffers(InputError):
    """This machine's config is another campaign than the one the database holds."""


def claim(engine: Engine, campaign: Campaign, now: float) -> None:
    """Record the config's campaign as the database's when it holds none yet, follow an edit of one of
    its three parts; refuse (CampaignDiffers) another campaign, writing nothing."""
    mine = Identity.of(campaign)
    if _held(engine) == mine:  # the usual case, read only: a command that only reads takes no write lock for this
        return
    with engine.begin() as conn:
        first = insert_into(conn, campaign_identity).values(key=KEY, at=now, **asdict(mine))
        conn.execute(first.on_conflict_do_nothing(index_elements=[campaign_identity.c.key]))  # two at once: one row
        row = conn.execute(sa.select(campaign_identity).where(campaign_identity.c.key == KEY)).one()
        held = Identity(row.name, row.organizer, row.start, row.end)
        if held == mine:
            return
        if held.agreeing(mine) < 2:
            raise CampaignDiffers(_refusal(held, mine, shown(engine.url), is_postgresql(engine)))
        conn.execute(campaign_identity.update().where(campaign_identity.c.key == KEY).values(at=now, **asdict(mine)))


def _held(engine: Engine) -> Identity | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(campaign_identity).where(campaign_identity.c.key == KEY)).first()
    return Identity(row.name, row.organizer, row.start, row.end) if row is not None else None


def _refusal(held: Identity, mine: Identity, where: str, shared: bool) -> str:
    """Why another campaign's config is refused: on a server database (`shared`, PostgreSQL) the machines
    sharing it disagree; on a SQLite file, one machine's config.yaml was replaced by another campaign's."""
    fix = (
        "两台机器要用同一份配置，把那台机器的 config.yaml 复制过来"
        if shared
        else "config.yaml 被换成了另一个活动的，请恢复本活动的 config.yaml"
    )
    return (
        f"数据库（{where}）里是{held.described()}的排期，本机 config.yaml 是{mine.described()}："
        f"{fix}；要换活动请用新的数据库（改 config.yaml 的 database）。"
        "本机什么也没有写入。同一个活动改名称、主办单位或活动期时，一次只改其中一项，运行一次命令记下后再改下一项"
    )
