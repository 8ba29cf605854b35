"""The outdoor screen kind (户外电子屏): everything that knows a slide on a wall.

kind.py     the kind the registry hands out (`KIND`): payload, preview block, hooks (extra items on
            launch day, playlists prepared before the wall switches on)
config.py   the `channels.screens` list of config.yaml
rules.py    what fits on a slide: what `qm check` and publishing apply
stats.py    plays and on-air minutes from proof of play

Screens publish through the outbox; their playlists (building, serving, pushing to Anthias) are
the screen feature in `scheduler/screens/`.
"""

from .kind import KIND

__all__ = ["KIND"]
