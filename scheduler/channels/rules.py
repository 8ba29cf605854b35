"""A channel's platform rules, as its kind (`channels/kinds/`) states them: one function per kind
that `qm check` and every publisher of that kind (API, assisted, outbox) call, so a post the check
passes is never refused at publishing.

    problems(config, payload, files) -> list[str]   empty when the post fits

`files` maps a post's image placeholders to their files (only those that exist, for the check).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..inputs.campaign import ChannelConfig
from .kinds import kind_of


def problems(config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
    return kind_of(config).problems(config, payload, files)
