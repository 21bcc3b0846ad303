"""Hostile code cannot leave processes behind: not by forking, detaching, outliving its time or its parent."""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from programs.special import sandbox
from programs.special.sandbox import SandboxLimits, run_python

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _isolated():
    problem = sandbox.isolation_problem()
    if problem is not None:
        pytest.fail(f"these tests need bubblewrap isolation (run .ci/system-deps.sh): {problem}")


@pytest.fixture
def marker() -> str:
    return "agentinstruct-adversarial-" + secrets.token_hex(8)


def survivors(marker: str) -> list[int]:
    """Host processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # the process ended while we looked, or is not ours to read: not a survivor of ours
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


SLEEPERS = """\
import subprocess, sys
started = 0
for _ in range(COUNT):
    try:
        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', 'MARKER'],
                         start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started += 1
    except OSError as e:
        print('refused after', started, type(e).__name__, flush=True)
        break
print('started', started, flush=True)
"""


def test_sixty_four_detached_sleepers_do_not_survive_the_run(marker):
    result = run_python(SLEEPERS.replace("COUNT", "64").replace("MARKER", marker),
                        SandboxLimits(timeout_s=20, memory_mb=256, max_processes=64))
    assert result.ok, result.failure()
    started = int(result.stdout.split()[-1])  # checked at once: run_python returns after the teardown
    assert 10 <= started < 64  # children start, up to the process limit
    assert "refused after" in result.stdout
    assert survivors(marker) == []


def test_a_fork_bomb_is_capped_and_leaves_nothing(marker):
    code = f"""\
import os, sys
forked = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.setsid()
        try:
            os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}])
        finally:
            os._exit(1)
    forked += 1
print('forked', forked)
"""
    result = run_python(code, SandboxLimits(timeout_s=20, memory_mb=256, max_processes=32))
    assert result.ok, result.failure()
    assert 0 < int(result.stdout.split()[-1]) < 32
    assert survivors(marker) == []


def test_the_timeout_kills_everything_in_the_sandbox(marker):
    code = SLEEPERS.replace("COUNT", "8").replace("MARKER", marker) + "while True:\n    pass\n"
    start = time.monotonic()
    result = run_python(code, SandboxLimits(timeout_s=2, memory_mb=256))
    assert result.timed_out and not result.ok and result.failure() == "timed out"
    assert time.monotonic() - start < 2 + 5
    assert "started 8" in result.stdout
    assert survivors(marker) == []


def test_killing_the_generator_takes_its_sandbox_down(marker):
    code = SLEEPERS.replace("COUNT", "4").replace("MARKER", marker) + "import time; time.sleep(120)"
    script = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
              "from programs.special.sandbox import SandboxLimits, run_python\n"
              f"run_python({code!r}, SandboxLimits(timeout_s=120))\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    deadline = time.monotonic() + 60
    sleepers = []
    while len(sleepers) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
        sleepers = [pid for pid in survivors(marker) if pid != parent.pid]
    assert len(sleepers) == 4  # the sandbox is up, with its sleepers
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert survivors(marker) == []
