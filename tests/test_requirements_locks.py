"""The dependency locks: complete, hashed, up to date with their inputs, and runtime kept apart from dev.

requirements-pip.txt (pip itself), requirements.txt (runtime) and requirements-dev.txt (runtime +
test, lint and bench tools) are compiled from the hand-edited .in files and installed with
`pip install --require-hashes`. The
Makefile installs only the dev lock for `make test` and counts the runtime install as done, so the
dev lock must carry every runtime pin unchanged. These tests read the files only; they must not
install or resolve anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Locked:
    version: str
    hashes: set[str] = field(default_factory=set)


def read_inputs(name: str) -> dict[str, str]:
    """The direct pins of a hand-edited .in file (options such as -c/-r and comments skipped)."""
    pins = {}
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = PIN.match(line)
        assert match, f"{name}: {line!r} is not pinned with =="
        pins[canonical(match["name"])] = match["version"]
    return pins


def read_lock(name: str) -> dict[str, Locked]:
    """Every package of a compiled lock with its version and the hashes of its files."""
    locked: dict[str, Locked] = {}
    current: Locked | None = None
    for line in (ROOT / name).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = PIN.match(line)
        if match:
            current = locked.setdefault(canonical(match["name"]), Locked(match["version"]))
        elif not line.startswith(" "):
            pytest.fail(f"{name}: {line!r} is not a pinned requirement")
        if current is not None:
            current.hashes.update(HASH.findall(line))
    return locked


@pytest.mark.parametrize("lock", ["requirements-pip.txt", "requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_is_pinned_with_hashes(lock):
    locked = read_lock(lock)
    assert locked
    assert [name for name, entry in locked.items() if not entry.hashes] == []


@pytest.mark.parametrize(
    ("source", "lock"),
    [
        ("requirements-pip.in", "requirements-pip.txt"),
        ("requirements.in", "requirements.txt"),
        ("requirements-dev.in", "requirements-dev.txt"),
    ],
)
def test_each_lock_holds_its_inputs_at_their_versions(source, lock):
    locked = read_lock(lock)
    stale = {
        name: (version, locked[name].version if name in locked else None)
        for name, version in read_inputs(source).items()
    }
    assert {name: pair for name, pair in stale.items() if pair[0] != pair[1]} == {}


def test_the_dev_lock_carries_every_runtime_pin_unchanged():
    runtime, dev = read_lock("requirements.txt"), read_lock("requirements-dev.txt")
    differing = {name: entry.version for name, entry in runtime.items() if dev.get(name) != entry}
    assert differing == {}


def test_test_lint_and_bench_tools_stay_out_of_the_runtime_lock():
    runtime = read_lock("requirements.txt")
    tools = set(read_inputs("requirements-dev.in")) - set(read_inputs("requirements.in"))
    assert {"pytest", "playwright", "daphne", "ruff", "import-linter"} <= tools
    assert sorted(tools & set(runtime)) == []
