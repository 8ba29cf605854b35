"""The layout's rules, read from the source: which layers may import which, and who may print or exit.

Planning, rendering and posters are work that a command or the daemon asks for: they never reach
(directly or through what they import) the queue database, the daemon or what runs it, network code
(anything that imports an HTTP client, a server or sockets, such as a channel's API client) or the
command line. Only the command line writes to the terminal and decides the exit code: code below it
raises `QmError`s and logs. The root of `scheduler/` holds packages, not modules. A module fits in a
line budget, so that it can be read in one sitting; the few still over it are listed with why.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "scheduler"

# Layers that must stay free of the queue, the daemon, the network and the command line.
PURE = ("planning", "rendering", "poster")
FORBIDDEN = {
    "publishing": "the queue database",
    "daemon": "the daemon",
    "jobs": "the daemon's jobs",
    "runtime": "what runs the daemon",
    "cli": "the command line",
}
NETWORK = ("httpx", "http.client", "http.server", "urllib.request", "socket", "socketserver", "ssl", "requests", "uvicorn", "starlette")
# Root modules: the package, `python -m scheduler`, the job functions stored jobs point at (`scheduler.jobs:...`),
# and the daemon.
ROOT_MODULES = {"__init__", "__main__", "jobs", "daemon"}
COMMAND_LINE = ("cli", "__main__")
# Below the command line, who may still write to the terminal or end the process, and why.
MAY_PRINT_OR_EXIT = {
    "support.logs": "the log handler writes to stderr (and says so when qm.log cannot be written)",
    "support.orphans": "a worker whose parent died ends itself at once",
    "runtime.work_ahead": "the drawing child answers its parent on stdout",
    "simulation.failover_node": "a daemon process of the failover simulation: its own `python -m` entry, ended when the simulation is gone",
}
EXITS = {"exit", "quit", "_exit", "abort"}
STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}
LINE_BUDGET = 300  # lines of one module (blank lines and docstrings included)
# Modules still over the budget, and why. The list may only shrink: a module that fits must leave it,
# and no module joins it (split a module that grows past the budget by what it holds).
OVER_BUDGET: dict[str, str] = {}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. scheduler.rendering.payloads
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def load(root: Path) -> dict[str, Module]:
    """Every module of the package at `root`, by dotted name."""
    found: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = Module(".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def _runtime_nodes(tree: ast.AST, *, in_functions: bool = True) -> list[ast.AST]:
    """Every node that runs, leaving out `if TYPE_CHECKING:` blocks (imports for the type checker only).

    Without `in_functions`, only what runs when the module is imported: not the bodies of functions.
    """
    nodes: list[ast.AST] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        if not in_functions and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(module: Module, *, in_functions: bool = True) -> set[str]:
    """Dotted names a module imports at run time (at import, and inside functions unless told not to), relative ones resolved."""
    names: set[str] = set()
    for node in _runtime_nodes(module.tree, in_functions=in_functions):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            names.add(origin)
            names.update(f"{origin}.{alias.name}" for alias in node.names)
    return names


def graph(modules: dict[str, Module], *, in_functions: bool) -> dict[str, set[str]]:
    """Project module -> the project modules it imports (a package's `__init__` runs before its modules)."""
    edges: dict[str, set[str]] = {}
    for name, module in modules.items():
        targets = set()
        for imported in imported_names(module, in_functions=in_functions):
            parts = imported.split(".")
            targets.update(p for p in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if p in modules)
        edges[name] = targets - {name}
    return edges


def network_modules(modules: dict[str, Module]) -> set[str]:
    """Project modules that themselves import an HTTP client, a server or sockets."""
    return {
        name
        for name, module in modules.items()
        if any(imported == n or imported.startswith(n + ".") for imported in imported_names(module) for n in NETWORK)
    }


def _within(name: str, top: str, package: str) -> bool:
    full = f"{top}.{package}"
    return name == full or name.startswith(full + ".")


def layer_violations(root: Path) -> list[str]:
    """Each pure-layer module that reaches a forbidden one, with the chain of imports that leads there.

    A pure-layer module's own imports count wherever they are (a function's too); beyond it, what
    importing each module loads (a registry may load a network client only when one is asked for).
    """
    modules = load(root)
    top = root.name
    own = graph(modules, in_functions=True)
    loaded = graph(modules, in_functions=False)
    network = network_modules(modules)
    found: list[str] = []
    for start in sorted(m for m in modules if any(_within(m, top, p) for p in PURE)):
        came_from: dict[str, str] = {start: ""}
        reached: dict[str, str] = {}  # forbidden module -> why
        todo = [start]
        while todo:
            current = todo.pop()
            pure = any(_within(current, top, p) for p in PURE)
            for target in sorted((own if pure else loaded)[current]):
                if target in came_from:
                    continue
                came_from[target] = current
                why = next((what for p, what in FORBIDDEN.items() if _within(target, top, p)), None)
                if why is None and target in network:
                    why = "network code"
                if why is None:
                    todo.append(target)
                else:
                    reached[target] = why
        for target, why in sorted(reached.items()):
            if any(other.startswith(target + ".") for other in reached):
                continue  # the package of a module named below
            chain = [target]
            while came_from[chain[-1]]:
                chain.append(came_from[chain[-1]])
            found.append(f"{start} reaches {why}: {' -> '.join(reversed(chain))}")
    return found


def output_violations(root: Path) -> list[str]:
    """Where code below the command line prints, writes to stdout/stderr or ends the process."""
    top = root.name
    found: list[str] = []
    for name, module in load(root).items():
        if any(_within(name, top, p) for p in (*COMMAND_LINE, *MAY_PRINT_OR_EXIT)):
            continue
        for node in _runtime_nodes(module.tree):
            what = _output(node)
            if what:
                found.append(f"{module.path.relative_to(root.parent)}:{getattr(node, 'lineno', 0)}: {what}")
    return sorted(found)


def _output(node: ast.AST) -> str:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"print", "exit", "quit"}:
        return f"{node.func.id}()"
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id in {"sys", "os"} and node.attr in EXITS:
            return f"{node.value.id}.{node.attr}"
        if node.value.id == "sys" and node.attr in STREAMS:
            return f"sys.{node.attr}"
    if isinstance(node, ast.ImportFrom) and node.module in {"sys", "os"}:
        taken = [a.name for a in node.names if a.name in EXITS | STREAMS]
        if taken:
            return f"from {node.module} import {', '.join(taken)}"
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(exc, ast.Name) and exc.id in {"SystemExit", "KeyboardInterrupt"}:
            return f"raise {exc.id}"
    return ""


def root_violations(root: Path) -> list[str]:
    return [f"{root.name}/{p.name}" for p in sorted(root.glob("*.py")) if p.stem not in ROOT_MODULES]


def budget_violations(root: Path, budget: int, over: Collection[str]) -> list[str]:
    """Modules longer than `budget` lines and not in `over`; those in `over` that fit it now, or are gone."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > budget and rel not in over:
            found.append(f"{root.name}/{rel}: {lines} lines, over the budget of {budget}: split it by what it holds")
        elif lines <= budget and rel in over:
            found.append(f"{root.name}/{rel}: {lines} lines, within the budget: take it off OVER_BUDGET")
    found += [f"{root.name}/{rel}: in OVER_BUDGET but no such module: take it off" for rel in over if not (root / rel).is_file()]
    return found


def test_planning_rendering_and_posters_reach_no_queue_daemon_network_or_command_line() -> None:
    assert layer_violations(ROOT) == [], "planning, rendering and poster must stay pure:\n" + "\n".join(layer_violations(ROOT))


def test_only_the_command_line_prints_or_exits() -> None:
    found = output_violations(ROOT)
    assert found == [], "raise a QmError (the CLI prints it and sets the exit code) or log instead:\n" + "\n".join(found)


def test_the_root_holds_packages_only() -> None:
    found = root_violations(ROOT)
    assert found == [], "put these modules in the package of their role (see scheduler/__init__.py): " + ", ".join(found)


def test_every_module_fits_the_line_budget_but_the_few_listed() -> None:
    found = budget_violations(ROOT, LINE_BUDGET, OVER_BUDGET)
    assert found == [], "\n".join(found)


def test_what_runs_the_daemon_does_not_import_the_queue() -> None:
    """The queue database depends on what runs the daemon (the lease, the lock's tables), never the other way round."""
    modules = load(ROOT)
    found = sorted(
        f"{name} imports {imported}"
        for name, module in modules.items()
        if _within(name, "scheduler", "runtime")
        for imported in imported_names(module)
        if _within(imported, "scheduler", "publishing")
    )
    assert found == []


def test_every_role_package_is_importable_on_its_own() -> None:
    """A role package's `__init__` imports nothing: reaching one module never loads a whole layer."""
    modules = load(ROOT)
    for name in ("inputs", "planning", "rendering", "publishing", "runtime", "views", "simulation", "support"):
        module = modules[f"scheduler.{name}"]
        assert imported_names(module) == set(), f"scheduler/{name}/__init__.py should hold a docstring only"


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_rules_catch_what_they_are_meant_to(tmp_path: Path) -> None:
    root = tmp_path / "app"
    _write(
        root,
        {
            "__init__.py": "",
            "jobs.py": "",
            "stray.py": "",
            "planning/__init__.py": "",
            "planning/plan.py": "from ..support import helper\n",
            "planning/fine.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..cli import main\n",
            "rendering/__init__.py": "",
            "rendering/page.py": "def draw():\n    from ..channels import api\n",
            "rendering/registry_user.py": "from ..channels import registry\n",
            "channels/registry.py": "def publisher():\n    from . import api\n",
            "poster/__init__.py": "from ..cli import main\n",
            "support/__init__.py": "",
            "support/helper.py": "from ..publishing.queue import Queue\nprint('hello')\n",
            "support/quiet.py": "import sys\nfrom sys import exit\ndef stop():\n    raise SystemExit(2)\ndef out():\n    sys.stdout.write('x')\n",
            "publishing/__init__.py": "",
            "publishing/queue.py": "class Queue: ...\n",
            "channels/__init__.py": "",
            "channels/api.py": "import httpx\n",
            "cli/__init__.py": "",
            "cli/main.py": "import sys\nprint('ok')\nsys.exit(0)\n",
        },
    )
    layers = layer_violations(root)
    assert "app.planning.plan reaches the queue database: app.planning.plan -> app.support.helper -> app.publishing.queue" in layers
    assert "app.rendering.page reaches network code: app.rendering.page -> app.channels.api" in layers
    assert "app.poster reaches the command line: app.poster -> app.cli.main" in layers
    assert not [v for v in layers if v.startswith("app.planning.fine")]  # an import for the type checker only
    assert not [v for v in layers if v.startswith("app.rendering.registry_user")]  # the client loads only when asked for
    assert output_violations(root) == [
        "app/support/helper.py:2: print()",
        "app/support/quiet.py:2: from sys import exit",
        "app/support/quiet.py:4: raise SystemExit",
        "app/support/quiet.py:6: sys.stdout",
    ]
    assert root_violations(root) == ["app/stray.py"]


def test_the_line_budget_catches_a_long_module_and_a_stale_exception(tmp_path: Path) -> None:
    root = tmp_path / "app"
    _write(root, {"short.py": "x = 1\n" * 3, "long.py": "x = 1\n" * 4, "listed.py": "x = 1\n" * 5, "fits/now.py": "x = 1\n"})
    assert budget_violations(root, 3, {"listed.py", "fits/now.py", "gone.py"}) == [
        "app/fits/now.py: 1 lines, within the budget: take it off OVER_BUDGET",
        "app/long.py: 4 lines, over the budget of 3: split it by what it holds",
        "app/gone.py: in OVER_BUDGET but no such module: take it off",
    ]
