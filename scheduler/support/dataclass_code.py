"""The code of the methods `dataclasses` writes for each data class, compiled once and kept between runs.

For every data class, `dataclasses` writes the source text of `__init__`, `__repr__`, `__eq__`, `__hash__`
(and `__setattr__`, `__delattr__` for frozen ones) and runs each text with `exec`, which compiles it first.
On Python 3.11 compiling is nearly all of a data class's cost: the 48 data classes a `qm check` after one
edit makes cost about 15 ms of compiling, more than PyYAML's whole import. The code compiled from a text
depends on nothing but that text and the Python compiling it, so the code is kept, keyed by the whole
text, in `__pycache__` beside qm's own compiled modules: a class whose fields, defaults or options changed
writes another text, which is compiled (and kept) anew. What runs the code is unchanged: the same globals
and namespace `dataclasses` passes, so the methods made are the same as without the cache. The code is
kept per module of qm's, so that a command reads only that of the modules it imports (every module's
together is several times what one command needs).

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

FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "__pycache__", "dataclass-code")
TAG = f"{sys.implementation.cache_tag}.opt-{sys.flags.optimize}"  # a file per module: <module>.<TAG>.marshal
STAMP = (1, sys.version)  # format, and the Python that compiled (marshal's code format is the version's)
_MODULE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


class KeptCode:
    """Compiled code of exec'd texts, a file per module of `packages` (the one defining the data class:
    `dataclasses` runs the text in its globals), each read when the module first makes a data class and
    written back at exit if anything of it was compiled. A process reads only the code of the modules it imports."""

    def __init__(self, folder: str, packages: tuple[str, ...] = ("scheduler",)) -> None:
        """`packages`: whose modules' data classes to keep the code of (qm's own; a library's are compiled as usual)."""
        self.folder = folder
        self.packages = packages
        self.modules: dict[str, dict[str, CodeType]] = {}  # module -> text -> code
        self.used: dict[str, dict[str, CodeType]] = {}  # what this process ran, by module
        self.changed: set[str] = set()  # modules with code compiled here, to write
        self.compiled = 0  # texts this process compiled

    def path(self, module: str) -> str:
        return os.path.join(self.folder, f"{module}.{TAG}.marshal")

    def run(self, source: Any, globals: Any = None, locals: Any = None, /) -> None:
        """`exec(source, globals, locals)` as `dataclasses` calls it, compiling a text it has not seen."""
        if not isinstance(source, str) or globals is None:  # dataclasses always passes its text and globals
            return builtins.exec(source, globals if globals is not None else sys._getframe(1).f_globals, locals)
        module = globals.get("__name__")
        if not isinstance(module, str) or not self._keeps(module):
            return builtins.exec(source, globals, locals)
        codes = self.modules.get(module)
        if codes is None:
            codes = self.modules[module] = self._read(module)
        code = codes.get(source)
        if code is None:
            code = codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            self.compiled += 1
            self.changed.add(module)
        self.used.setdefault(module, {})[source] = code
        builtins.exec(code, globals, locals)
        return None

    def _keeps(self, module: str) -> bool:
        return set(module) <= _MODULE_CHARS and any(module == p or module.startswith(p + ".") for p in self.packages)

    def _read(self, module: str) -> dict[str, CodeType]:
        try:
            with open(self.path(module), "rb") as f:
                stamp, codes = marshal.loads(f.read())
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if stamp != STAMP or not isinstance(codes, dict):
            return {}
        return {text: code for text, code in codes.items() if isinstance(text, str) and type(code) is CodeType}

    def save(self) -> None:
        """Write the kept code of each module this process compiled any for (never while bytecode is not
        written). The code of texts no longer made (a class changed since) goes when it outnumbers the rest."""
        if not self.changed or sys.dont_write_bytecode:
            return
        with contextlib.suppress(OSError):
            os.makedirs(self.folder, exist_ok=True)
        for module in sorted(self.changed):
            codes, used = self.modules[module], self.used[module]
            keep = codes if len(codes) <= 2 * len(used) else used
            tmp = f"{self.path(module)}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
            try:
                with open(tmp, "xb") as f:
                    f.write(marshal.dumps((STAMP, keep)))
                os.replace(tmp, self.path(module))  # another process reads the old file or this one, never half of one
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self.changed.clear()


def keep_dataclass_code(folder: str = FOLDER) -> KeptCode:
    """Let `dataclasses` run kept code (once per process: later calls return the one installed)."""
    installed = getattr(getattr(dataclasses, "exec", None), "__self__", None)
    if isinstance(installed, KeptCode):
        return installed
    kept = KeptCode(folder)
    setattr(dataclasses, "exec", kept.run)  # noqa: B010 - the module's own name `exec`, looked up before builtins
    atexit.register(kept.save)
    return kept
