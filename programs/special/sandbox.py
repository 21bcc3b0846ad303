"""Run generated Python out of process, with time, memory and file limits, never in the generator.

Each run gets a throw-away working directory (``TemporaryDirectory``), a fresh interpreter in isolated
mode (``python -I``: no ``PYTHON*`` variables, no user site-packages, no script directory on the path), a
stripped environment (no proxies, no credentials, ``HOME`` inside the throw-away directory) and a wall-clock
timeout after which its whole process group is killed.

Resource limits (CPU seconds, address space, file size, open files, no core dumps) are set with
``resource.setrlimit`` by a small bootstrap script *inside the child* before the generated code runs, both
soft and hard, so the code cannot raise them again. ``subprocess``'s ``preexec_fn`` would do the same but is
documented as unsafe in threaded programs (the child can deadlock before ``exec``), and the generation
driver runs units in threads.

Network: the bootstrap replaces the ``socket`` module's connection functions with ones that raise, which
stops accidental network use by test code. That is not a security boundary (C extensions or ``_socket``
reach the network anyway): true isolation needs a network namespace (``unshare --net``, bubblewrap, a
container without a network), which the caller must provide when running untrusted code at scale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_OUTPUT_CHARS = 8000

_BOOTSTRAP = """\
import resource, runpy, socket, sys

cpu_s, mem_bytes, fsize = (int(v) for v in sys.argv[1:4])
limits = [(resource.RLIMIT_CPU, cpu_s), (resource.RLIMIT_AS, mem_bytes), (resource.RLIMIT_FSIZE, fsize),
          (resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_CORE, 0)]
for which, value in limits:
    resource.setrlimit(which, (value, value))

def _no_network(*args, **kwargs):
    raise PermissionError("network access is disabled in the sandbox")

socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network
sys.argv = ["main.py"]
runpy.run_path("main.py", run_name="__main__")
"""


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed run."""

    timeout_s: float = 10.0
    memory_mb: int = 512
    max_file_mb: int = 16


@dataclass(frozen=True)
class SandboxResult:
    """What one sandboxed run did."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Whether the code ran to the end without an error."""
        return self.returncode == 0 and not self.timed_out

    def failure(self) -> str:
        """A short description of what went wrong (empty when ``ok``)."""
        if self.timed_out:
            return "timed out"
        if self.ok:
            return ""
        if self.returncode is not None and self.returncode < 0:
            name = signal.Signals(-self.returncode).name if -self.returncode in signal.valid_signals() else ""
            return f"killed by signal {-self.returncode} {name} (a resource limit?)".strip()
        lines = self.stderr.strip().splitlines()
        if not lines:
            return f"exit status {self.returncode}"
        # The error first, then the traceback from the generated code on (the bootstrap's frames are noise).
        start = next((i for i, line in enumerate(lines) if 'File "main.py"' in line), 0)
        frames = [line for line in lines[start:-1] if "_bootstrap.py" not in line and "<frozen runpy>" not in line]
        return "\n".join([lines[-1], *frames[-10:]])


def _env(home: str) -> dict[str, str]:
    """A minimal environment: no proxies, no keys, nothing inherited but a plain PATH."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS] + "\n... (output cut)"


def run_python(source: str, limits: SandboxLimits | None = None) -> SandboxResult:
    """Run ``source`` as ``main.py`` in a fresh, limited interpreter and a throw-away directory."""
    limits = limits or SandboxLimits()
    cpu_s = max(1, int(limits.timeout_s + 0.999))
    with tempfile.TemporaryDirectory(prefix="agentinstruct-sandbox-") as work:
        root = Path(work)
        (root / "main.py").write_text(source, encoding="utf-8")
        (root / "_bootstrap.py").write_text(_BOOTSTRAP, encoding="utf-8")
        argv = [sys.executable, "-I", "_bootstrap.py", str(cpu_s), str(limits.memory_mb * 2**20),
                str(limits.max_file_mb * 2**20)]
        proc = subprocess.Popen(argv, cwd=root, env=_env(work), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                text=True, encoding="utf-8", errors="replace")
        try:
            stdout, stderr = proc.communicate(timeout=limits.timeout_s)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            stdout, stderr = proc.communicate()
            timed_out = True
        return SandboxResult(proc.returncode, _clip(stdout), _clip(stderr), timed_out)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the run and every process it started (it leads its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
