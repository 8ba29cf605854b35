"""The failover simulation's daemon processes, from the simulation's side: a `Node` is one process
(started with `python -m scheduler.simulation.failover_node`) and this side of its conversation, its
questions answered while it works; the `Cluster` is what every node shares (the fault plan, the ledger
and the fake servers) and answers those questions."""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..channels.fake import Faults, Ledger
from ..fakes.platforms import Servers
from ..support.errors import RuntimeFailure
from .failover_node import NodeJob, read_message, write_message


class Node:
    """A daemon process, and this side of its conversation: its questions are answered while it works."""

    def __init__(self, job: Path, log: Path, cluster: Cluster) -> None:
        self.cluster = cluster
        self.log = log
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        with log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scheduler.simulation.failover_node", str(job)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                encoding="utf-8",
                env=env,
            )

    def send(self, command: str) -> dict[str, Any] | None:
        """The node's reply, or None when it asked to be killed (and was)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        write_message(self.proc.stdin, {"command": command})
        while True:
            message = read_message(self.proc.stdout)
            if message is None:
                self.proc.wait(30)
                tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeFailure(f"模拟的后台服务进程 {self.proc.pid} 意外退出（退出码 {self.proc.returncode}）：{tail}")
            if message.get("reply"):
                return message
            if message["ask"] == "kill":
                self.cluster.faults.count_kill(str(message["kind"]))
                self.kill()
                return None
            write_message(self.proc.stdin, self.cluster.answer(message))

    def kill(self) -> None:
        """SIGKILL: no clean stop, no goodbye to the database."""
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        """A clean stop: the node lets go of the lease (or its standby row) and exits."""
        expect(self.send("stop"))
        self.proc.wait(30)
        self.close()

    def close(self) -> None:
        """However the simulation ends, no node outlives it."""
        if self.proc.poll() is None:
            self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class Cluster:
    """The simulation's side: the fault plan, the ledger and the fake servers every node shares."""

    def __init__(self, folder: Path, job: NodeJob, faults: Faults, ledger: Ledger, servers: Servers) -> None:
        self.folder, self.faults, self.ledger, self.servers = folder, faults, ledger, servers
        self.job = folder / "job.pickle"
        self.job.write_bytes(pickle.dumps(job))
        self.started = 0

    def spawn(self) -> Node:
        self.started += 1
        return Node(self.job, self.folder / f"node-{self.started}.log", self)

    def answer(self, question: dict[str, Any]) -> dict[str, Any]:
        what = question["ask"]
        if what == "publish":
            return {"fault": self.faults.on_publish()}
        if what == "poll":
            return {"kill": self.faults.on_poll()}
        if what == "rearm":
            self.faults.rearm(str(question["kill"]))
            return {}
        if what == "deliver":
            return {"n": self.ledger.deliver(str(question["post"]), float(question["at"]))}
        if what == "first":
            return {"at": self.ledger.first(str(question["post"]))}
        if what == "label":
            self.servers.servers[str(question["channel"])].current_label = str(question["post"])
            return {}
        raise RuntimeFailure(f"模拟的后台服务进程提出了未知的请求：{what}")


def expect(answer: dict[str, Any] | None) -> dict[str, Any]:
    if answer is None:
        raise RuntimeFailure("模拟的后台服务进程在不该被杀掉的时候要求被杀掉")
    return answer
