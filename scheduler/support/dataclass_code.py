"""The code of the methods `dataclasses` writes for each data class, compiled once and kept between runs.

For every data class, `dataclasses` writes the source text of `__init__`, `__repr__`, `__eq__`, `__hash__`
(and `__setattr__`, `__delattr__` for frozen ones) and runs each text with `exec`, which compiles it first.
On Python 3.11 compiling is nearly all of a data class's cost: the 48 data classes a `qm check` after one
edit makes cost about 15 ms of compiling, more than PyYAML's whole import. The code compiled from a text
depends on nothing but that text and the Python compiling it, so the code is kept, keyed by the whole
text, in `__pycache__` beside qm's own compiled modules: a class whose fields, defaults or options changed
writes another text, which is compiled (and kept) anew. What runs the code is unchanged: the same globals
and namespace `dataclasses` passes, so the methods made are the same as without the cache.

As for Python's own compiled modules, nothing is written when bytecode is not written
(PYTHONDONTWRITEBYTECODE, `python -B`) or the folder cannot be written; a kept file from another Python,
or one that cannot be read, is ignored (and replaced).
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import dataclasses
import marshal
import os
import sys
from types import CodeType
from typing import Any

FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "__pycache__")
FILE = f"dataclass-code.{sys.implementation.cache_tag}.opt-{sys.flags.optimize}.marshal"
STAMP = (1, sys.version)  # format, and the Python that compiled (marshal's code format is the version's)
LIMIT = 4000  # texts kept; when there are more, only those the last run used


class KeptCode:
    """Compiled code of exec'd texts, read from `path` when first asked for and written back at exit
    if anything was compiled."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.codes: dict[str, CodeType] | None = None
        self.used: dict[str, CodeType] = {}
        self.compiled = 0  # texts this process compiled

    def run(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        """`exec(source, globals, locals)` as `dataclasses` calls it, compiling a text it has not seen."""
        if not isinstance(source, str) or globals is None:  # dataclasses always passes its text and globals
            return builtins.exec(source, globals if globals is not None else sys._getframe(1).f_globals, locals)
        if self.codes is None:
            self.codes = self._read()
        code = self.codes.get(source)
        if code is None:
            code = self.codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
        self.used[source] = code
        builtins.exec(code, globals, locals)
        return None

    def _read(self) -> dict[str, CodeType]:
        try:
            with open(self.path, "rb") as f:
                stamp, codes = marshal.loads(f.read())
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if stamp != STAMP or not isinstance(codes, dict):
            return {}
        return {text: code for text, code in codes.items() if isinstance(text, str) and type(code) is CodeType}

    def save(self) -> None:
        """Write the kept code if this process compiled any (never while bytecode is not written)."""
        if not self.compiled or self.codes is None or sys.dont_write_bytecode:
            return
        codes = self.codes if len(self.codes) <= LIMIT else self.used
        tmp = f"{self.path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "xb") as f:
                f.write(marshal.dumps((STAMP, codes)))
            os.replace(tmp, self.path)  # another process reads the old file or this one, never half of one
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.compiled = 0


def keep_dataclass_code(path: str = os.path.join(FOLDER, FILE)) -> KeptCode:
    """Let `dataclasses` run kept code (once per process: later calls return the one installed)."""
    installed = getattr(getattr(dataclasses, "exec", None), "__self__", None)
    if isinstance(installed, KeptCode):
        return installed
    kept = KeptCode(path)
    setattr(dataclasses, "exec", kept.run)  # noqa: B010 - the module's own name `exec`, looked up before builtins
    atexit.register(kept.save)
    return kept
