"""Build step: the bundled campaign (config.yaml, content/, templates/) goes into the package.

They stay at the top of the project, where the commands and the tests use them; a wheel (`pip install .`,
`pip install qm-*.whl`) has no project folder, so `build_py` copies them into `scheduler/bundled/`, where
`qm init` finds them (`scheduler.cli.bundled`). An editable install reads them from the project folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("config.yaml", "content", "templates")


def _left_out(folder: str, names: list[str]) -> list[str]:
    """At the top, all but the bundled campaign; below it, hidden files and caches."""
    if Path(folder) == HERE:
        return [name for name in names if name not in BUNDLED]
    return [name for name in names if name.startswith(".") or name == "__pycache__"]


class BuildWithCampaign(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):  # an editable install reads them from the project folder
            target = Path(self.build_lib) / "scheduler" / "bundled"
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE, target, ignore=_left_out)


setup(cmdclass={"build_py": BuildWithCampaign})
