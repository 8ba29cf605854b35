"""The scripts that make the README's pictures are not run by the suite (they drive Chromium and draw
for minutes), but they must still import: a module they use that was moved would otherwise be found
only by the next person who wants a fresh screenshot."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("module", ["docs.screenshots", "docs.make_families"])
def test_the_scripts_that_make_the_readme_pictures_import(module: str) -> None:
    assert callable(importlib.import_module(module).main)
