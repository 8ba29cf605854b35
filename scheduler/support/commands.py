"""How to write a qm (or pip) command in advice so that it works where the user is going to type it: the folder
`qm init` made, a campaign folder far from the project's `.venv`. `qm` itself when the `qm` on PATH is the one
running; otherwise the running one's absolute path (`/home/王/qm/.venv/bin/qm`), or `python -m scheduler` when
started that way. pip: the running interpreter's own, by absolute path, so a package lands where qm runs from.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

_SHELL_SPECIAL = re.compile(r"[\s'\"\\$`!*?&;|<>()#~{}\[\]]")


def shell_word(text: str) -> str:
    """`text` as one word of a shell command: quoted only when the shell would split or expand it (a Chinese
    folder name stays as it is written)."""
    return shlex.quote(text) if not text or _SHELL_SPECIAL.search(text) else text


def qm_command() -> str:
    """The words that start this qm from any folder."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is None or started.stem != "qm" or not started.is_file():  # python -m scheduler: its qm beside it
        started = Path(sys.executable).parent / "qm"
        if not started.is_file():
            return f"{shell_word(sys.executable)} -m scheduler"
    import shutil  # only when advice is written: the pages that name a font start without it

    found = shutil.which("qm")
    if found is not None and Path(found).resolve() == started.resolve():
        return "qm"
    return shell_word(os.path.abspath(started))


def activation() -> str | None:
    """The command that puts this qm on PATH as plain `qm` (its virtual environment's activate script), if any."""
    script = Path(sys.executable).parent / "activate"
    return f"source {shell_word(str(script))}" if script.is_file() else None


def pip_command() -> str:
    """pip of the interpreter qm runs in (not whichever pip comes first on PATH, nor a path relative to the project)."""
    return f"{shell_word(sys.executable)} -m pip"


def shown_path(path: Path) -> str:
    """`path` as one word of a command typed in the current folder: relative when shorter (a folder by its
    name, not "."), quoted only when it must be."""
    try:
        relative = os.path.relpath(path)
        relative = os.path.join("..", path.name) if relative == "." else relative
    except ValueError:  # another drive (Windows)
        relative = str(path)
    return shell_word(relative if len(relative) < len(str(path)) else str(path))
