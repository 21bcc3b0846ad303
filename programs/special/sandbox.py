"""Run generated Python in an isolated sandbox (Linux namespaces through bubblewrap), never in the generator.

Isolation. Each run is a ``bwrap`` sandbox (package ``bubblewrap``) with its own mount, PID, network, IPC
and UTS namespaces:

- **filesystem**: a fresh root that holds only ``/usr`` (with the ``/bin``, ``/lib*`` links), the dynamic
  loader's ``/etc/ld.so.cache`` and ``/etc/localtime``, and the Python installation that runs the code
  (``sys.base_prefix``: the base interpreter, never the project's virtual environment), all read-only. The
  only writable places are ``/tmp`` (which holds the working directory, also ``HOME``) and ``/dev/shm``:
  tmpfs mounts of ``disk_mb`` each that vanish with the sandbox. Nothing of the host is writable; ``/root``,
  the repository, other users' files and ``/etc/shadow`` are not there;
- **processes**: a fresh ``/proc`` of the sandbox's own PID namespace (the parent and its environment are
  not visible); bubblewrap's init is PID 1, so when the run ends, times out or the parent dies
  (``--die-with-parent``) the kernel kills every process left in the namespace: nothing survives a run;
- **network**: a network namespace with only its own loopback (the host's ``127.0.0.1`` is not reachable,
  nor are abstract unix sockets);
- **environment**: cleared (``--clearenv``), then only ``PATH``, ``HOME``, ``TMPDIR``, ``LANG`` and a few
  ``PYTHON*`` settings; ``bwrap`` itself is started with the same minimal environment, so no secret is in
  any process of the sandbox. The code gets no terminal (``--new-session``, stdin from ``/dev/null``).
- **privileges**: run as root, the parent keeps only ``CAP_SETUID``/``CAP_SETGID`` for the bootstrap,
  which switches to a random unprivileged uid (so that ``RLIMIT_NPROC`` applies: the kernel never limits
  uid 0) and checks that no capability is left; otherwise bubblewrap runs in an unprivileged user
  namespace. ``no_new_privs`` is always set, so set-uid programs in ``/usr`` gain nothing.

Limits. A small bootstrap script *inside the sandbox* sets ``resource`` limits, soft and hard (the code
cannot raise them again), before the generated code runs: CPU seconds, address space (``memory_mb``),
file size, open files, processes and threads (``max_processes``; counted per user namespace, or per
sandbox uid when run as root) and no core dumps. ``subprocess``'s ``preexec_fn`` would do the same but is
unsafe in threaded programs, and the generation driver runs units in threads. A wall-clock timeout kills
the whole sandbox. Output is read incrementally: at most ``max_output_bytes`` of each stream (its head and
its tail) are kept in the parent, the rest is counted and dropped.

Everything returned (stdout, stderr, and so the failure text) is redacted (``core.redact``).

Where isolation is unavailable (no ``bwrap`` on PATH, or it cannot create namespaces, e.g. in a container
that forbids them; probed once per process) :func:`run_python` refuses: the result is ``refused`` with a
message naming the problem and the way out. Only an explicit opt-in, ``SandboxLimits(unsafe_unsandboxed=
True)`` or ``AGENTINSTRUCT_UNSAFE_SANDBOX=1``, runs the code in a plain limited subprocess instead (no
namespace, no process limit, only a ``socket`` guard against accidental network use), which must not be
used for untrusted code.
"""

from __future__ import annotations

import json
import logging
import math
import os
import secrets
import select
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core.redact import redact

log = logging.getLogger(__name__)

UNSAFE_ENV = "AGENTINSTRUCT_UNSAFE_SANDBOX"
MAX_FAILURE_CHARS = 4000
_FAILURE_LINE_CHARS = 500
_PROBE_TIMEOUT_S = 20.0
_DRAIN_AFTER_KILL_S = 5.0
_TEARDOWN_S = 10.0
_CHUNK = 64 * 1024
_SANDBOX_UIDS = (1 << 30, 1 << 31)  # far above any real user or subordinate id range
_BWRAP_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # bwrap's own environment: no secret in the sandbox

_BOOTSTRAP = """\
import os, resource, runpy, site, sys

cpu_s, mem_bytes, fsize, nproc, uid, guard_network = (int(v) for v in sys.argv[1:7])
if uid:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    with open("/proc/self/status") as status:
        caps = [line.split()[1] for line in status if line.startswith(("CapPrm:", "CapEff:", "CapAmb:"))]
    if len(caps) != 3 or any(int(cap, 16) for cap in caps):
        sys.stderr.write("sandbox bootstrap: capabilities left after dropping privileges; not running\\n")
        os._exit(70)
limits = [(resource.RLIMIT_CPU, cpu_s), (resource.RLIMIT_AS, mem_bytes), (resource.RLIMIT_FSIZE, fsize),
          (resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_CORE, 0)]
if nproc:
    limits.append((resource.RLIMIT_NPROC, nproc))
for which, value in limits:
    resource.setrlimit(which, (value, value))
site.setquit()  # exit() and quit() as in a normal interpreter (-S skips site)
if guard_network:
    import socket

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
    """Limits of one sandboxed run.

    ``max_processes`` bounds processes and threads together; ``disk_mb`` is the size of each writable
    tmpfs (``/tmp`` with the working directory, and ``/dev/shm``); ``max_output_bytes`` is how much of
    each output stream the parent keeps (half from the start, half from the end). ``unsafe_unsandboxed``
    allows running without isolation where bubblewrap is unavailable (never for untrusted code).
    """

    timeout_s: float = 10.0
    memory_mb: int = 512
    max_file_mb: int = 16
    max_processes: int = 64
    disk_mb: int = 64
    max_output_bytes: int = 64 * 1024
    unsafe_unsandboxed: bool = False


@dataclass(frozen=True)
class SandboxResult:
    """What one sandboxed run did (output already redacted and cut to the limits)."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    refused: bool = False
    isolated: bool = False
    bytes_dropped: int = 0

    @property
    def ok(self) -> bool:
        """Whether the code ran to the end without an error."""
        return self.returncode == 0 and not self.timed_out and not self.refused

    def failure(self) -> str:
        """A short description of what went wrong (empty when ``ok``)."""
        if self.refused:
            return self.stderr
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
        text = "\n".join(line[:_FAILURE_LINE_CHARS] for line in [lines[-1], *frames[-10:]])
        return text[:MAX_FAILURE_CHARS]


def run_python(source: str, limits: SandboxLimits | None = None) -> SandboxResult:
    """Run ``source`` as ``main.py`` in a fresh, limited, isolated interpreter.

    Returns a ``refused`` result (never raises) when isolation is unavailable and unsafe execution was
    not allowed explicitly.
    """
    limits = limits or SandboxLimits()
    problem = isolation_problem()
    if problem is None:
        return _run_isolated(source, limits)
    if limits.unsafe_unsandboxed or unsafe_allowed_by_env():
        _warn_unsafe_once(problem)
        return _run_unsandboxed(source, limits)
    message = (f"sandbox unavailable, refusing to run generated code: {problem}. Install bubblewrap "
               f"(`apt-get install bubblewrap`, or `.ci/system-deps.sh` as root) on a kernel that allows "
               f"namespaces, or, only for code you trust, set {UNSAFE_ENV}=1 "
               f"(or SandboxLimits(unsafe_unsandboxed=True)) to run it without isolation")
    return SandboxResult(None, "", message, refused=True)


def unsafe_allowed_by_env() -> bool:
    """Whether ``AGENTINSTRUCT_UNSAFE_SANDBOX`` allows running without isolation (``1``/``true``/``yes``)."""
    return os.environ.get(UNSAFE_ENV, "").strip().lower() in {"1", "true", "yes"}


# --- isolation probe ------------------------------------------------------------------------------------

_probe_lock = threading.Lock()
_probe_answer: list[str | None] = []
_warned_unsafe: list[bool] = []


def isolation_problem() -> str | None:
    """Why bubblewrap isolation is unavailable here (``None`` when it works); probed once, then cached."""
    with _probe_lock:
        if not _probe_answer:
            _probe_answer.append(_probe())
            if _probe_answer[0] is None:
                log.info("sandbox: bubblewrap isolation available (%s)", shutil.which("bwrap"))
            else:
                log.warning("sandbox: isolation unavailable: %s", _probe_answer[0])
        return _probe_answer[0]


def _probe() -> str | None:
    """Run a trivial program in a real sandbox; the problem found, or ``None``."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (`bwrap`) is not on PATH"
    try:
        result = _run_isolated("print('ok')", SandboxLimits(timeout_s=_PROBE_TIMEOUT_S, memory_mb=256))
    except OSError as exc:
        return f"bwrap could not be started ({exc})"
    if result.ok and result.stdout.strip() == "ok":
        return None
    detail = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
    return f"bwrap cannot create the sandbox (namespaces not permitted here?): {detail}"


def _warn_unsafe_once(problem: str) -> None:
    if not _warned_unsafe:
        _warned_unsafe.append(True)
        log.warning("sandbox: running generated code WITHOUT isolation (explicitly allowed): %s", problem)


# --- the isolated run -----------------------------------------------------------------------------------


def _interpreter() -> tuple[str, list[str]]:
    """The base interpreter (never a virtual environment's) and the host directories it needs."""
    prefix = os.path.realpath(sys.base_prefix)
    versioned = Path(prefix, "bin", f"python{sys.version_info.major}.{sys.version_info.minor}")
    base = str(versioned) if versioned.is_file() else getattr(sys, "_base_executable", None) or sys.executable
    executable = os.path.realpath(base)
    needed = [prefix]
    if not Path(executable).is_relative_to(prefix):
        needed.append(os.path.dirname(executable))
    return executable, [d for d in needed if not Path(d).is_relative_to("/usr")]


def _env(home: str, python_bin: str) -> dict[str, str]:
    """The sandbox's whole environment: no proxies, no keys, nothing inherited."""
    return {"PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": "/tmp",
            "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}


def _system_mounts() -> list[str]:
    """Read-only ``/usr``, the merged-``/usr`` links (or directories) and the loader's pieces of ``/etc``."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ("/etc/ld.so.cache", "/etc/localtime"):
        args += ["--ro-bind-try", name, name]
    return args


def _python_mounts(dirs: list[str]) -> list[str]:
    """The interpreter's directories at their own paths, read-only, with traversable parent directories
    (bubblewrap would create missing parents with mode 0700)."""
    args: list[str] = []
    made: set[str] = set()
    for directory in dirs:
        for parent in reversed(Path(directory).parents):
            if str(parent) != "/" and str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", directory, directory]
    return args


def _bwrap_argv(work: str, fds: tuple[int, int, int], limits: SandboxLimits, uid: int) -> list[str]:
    """The ``bwrap`` command line of one run. ``fds``: ``main.py``, ``_bootstrap.py`` and the pipe for
    bwrap's report; ``uid``: the uid the bootstrap switches to (0 for none)."""
    main_fd, boot_fd, info_fd = fds
    executable, python_dirs = _interpreter()
    disk = str(limits.disk_mb * 2**20)
    argv = [shutil.which("bwrap") or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv",
            "--info-fd", str(info_fd)]
    if uid:  # run as root: no user namespace (uid 0 is never process-limited); keep only what setuid needs
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user"]
    for name, value in _env(work, os.path.dirname(executable)).items():
        argv += ["--setenv", name, value]
    argv += _system_mounts() + _python_mounts(python_dirs)
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", disk, "--tmpfs", "/dev/shm",
             "--remount-ro", "/dev", "--perms", "1777", "--size", disk, "--tmpfs", "/tmp",
             "--perms", "0777", "--dir", work, "--perms", "0444", "--file", str(main_fd), f"{work}/main.py",
             "--perms", "0444", "--file", str(boot_fd), f"{work}/_bootstrap.py", "--remount-ro", "/",
             "--chdir", work]
    limit_args = _limit_args(limits, nproc=limits.max_processes, uid=uid, guard_network=False)
    return [*argv, executable, "-I", "-S", "_bootstrap.py", *limit_args]


def _limit_args(limits: SandboxLimits, *, nproc: int, uid: int, guard_network: bool) -> list[str]:
    """The bootstrap's arguments: CPU s, address space, file size, processes, uid, network guard."""
    cpu_s = max(1, math.ceil(limits.timeout_s))
    return [str(cpu_s), str(limits.memory_mb * 2**20), str(limits.max_file_mb * 2**20), str(nproc), str(uid),
            str(int(guard_network))]


def _memfd(name: str, text: str) -> int:
    """An anonymous in-memory file holding ``text``, positioned at its start (bwrap copies it in)."""
    fd = os.memfd_create(name)
    os.write(fd, text.encode("utf-8"))
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _run_isolated(source: str, limits: SandboxLimits) -> SandboxResult:
    """One run in a fresh bubblewrap sandbox; when it returns, every process of the sandbox is gone."""
    deadline = time.monotonic() + limits.timeout_s
    work = f"/tmp/agentinstruct-sandbox-{secrets.token_hex(6)}"
    uid = secrets.randbelow(_SANDBOX_UIDS[1] - _SANDBOX_UIDS[0]) + _SANDBOX_UIDS[0] if os.geteuid() == 0 else 0
    main_fd, boot_fd = _memfd("main.py", source), _memfd("_bootstrap.py", _BOOTSTRAP)
    info_r, info_w = os.pipe()
    try:
        argv = _bwrap_argv(work, (main_fd, boot_fd, info_w), limits, uid)
        proc = subprocess.Popen(argv, env=_BWRAP_ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(main_fd, boot_fd, info_w), start_new_session=True)
    finally:
        for fd in (main_fd, boot_fd, info_w):
            os.close(fd)
    try:
        init = _sandbox_init(info_r, deadline)
    finally:
        os.close(info_r)
    try:
        return _collect(proc, limits, deadline, isolated=True)
    finally:
        _await_teardown(init)


def _sandbox_init(info_r: int, deadline: float) -> int | None:
    """A pidfd of the sandbox's init (PID 1 of its namespace), from bwrap's ``--info-fd`` report; ``None``
    when bwrap failed before reporting or the sandbox is already gone."""
    data = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([info_r], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(info_r, 4096) if ready else b""
        if not chunk:
            break
        data += chunk
    if not data.strip():
        return None
    try:
        pid = int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("sandbox: unreadable bwrap info %r (%s); not waiting for the sandbox's teardown", data, exc)
        return None
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None


def _await_teardown(init: int | None) -> None:
    """Wait until the sandbox's init has exited: the kernel kills every other process of a PID namespace
    before its init is gone, so after this nothing of the sandbox runs."""
    if init is None:
        return
    try:
        ready, _, _ = select.select([init], [], [], _TEARDOWN_S)
        if not ready:
            log.warning("sandbox: its PID namespace is still alive %.0f s after the run", _TEARDOWN_S)
    finally:
        os.close(init)


# --- the unsafe, unsandboxed run (explicit opt-in only) -------------------------------------------------


def _run_unsandboxed(source: str, limits: SandboxLimits) -> SandboxResult:
    """The old plain subprocess: rlimits and a throw-away directory, but no namespaces and no process
    limit (a process limit would count all of the user's processes); an escaped process may survive."""
    executable, _ = _interpreter()
    with tempfile.TemporaryDirectory(prefix="agentinstruct-sandbox-") as work:
        root = Path(work)
        (root / "main.py").write_text(source, encoding="utf-8")
        (root / "_bootstrap.py").write_text(_BOOTSTRAP, encoding="utf-8")
        argv = [executable, "-I", "-S", "_bootstrap.py", *_limit_args(limits, nproc=0, uid=0, guard_network=True)]
        env = {**_env(work, os.path.dirname(executable)), "TMPDIR": work}
        proc = subprocess.Popen(argv, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        return _collect(proc, limits, time.monotonic() + limits.timeout_s, isolated=False)


# --- output -----------------------------------------------------------------------------------------------


class _Capped:
    """The head and the tail of a stream, at most ``cap`` bytes in all; the middle is counted, not kept."""

    def __init__(self, cap: int):
        self.head_cap, self.tail_cap = cap - cap // 2, cap // 2
        self.head, self.tail = bytearray(), bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk and self.tail_cap:
            self.tail += chunk[-self.tail_cap:]
            if len(self.tail) > self.tail_cap:
                del self.tail[:len(self.tail) - self.tail_cap]

    @property
    def dropped(self) -> int:
        return self.total - len(self.head) - len(self.tail)

    def text(self) -> str:
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        if self.dropped:
            return f"{head}\n... [{self.dropped} bytes of output cut] ...\n{tail}"
        return head + tail


def _collect(proc: subprocess.Popen, limits: SandboxLimits, deadline: float, *, isolated: bool) -> SandboxResult:
    """Read both pipes in bounded chunks until the run ends or ``deadline`` passes, then kill what is left."""
    streams = {proc.stdout: _Capped(limits.max_output_bytes), proc.stderr: _Capped(limits.max_output_bytes)}
    timed_out = _drain(streams, deadline)
    if timed_out:
        _kill_group(proc)
        if _drain(streams, time.monotonic() + _DRAIN_AFTER_KILL_S):
            log.warning("sandbox: output pipes still open %.0f s after the kill; closing them", _DRAIN_AFTER_KILL_S)
    for pipe in streams:
        pipe.close()
    returncode = proc.wait()
    if not isolated:
        _kill_group(proc)  # stragglers of the plain subprocess (those still in its process group)
    elif returncode > 128 and returncode - 128 in signal.valid_signals():
        returncode = 128 - returncode  # bwrap reports a death by signal N as 128 + N, like a shell
    out, err = streams[proc.stdout], streams[proc.stderr]
    return SandboxResult(returncode, redact(out.text()), redact(err.text()), timed_out=timed_out,
                         isolated=isolated, bytes_dropped=out.dropped + err.dropped)


def _drain(streams: dict, deadline: float) -> bool:
    """Read the pipes until both reach end of file (``False``) or ``deadline`` passes (``True``)."""
    open_pipes = [pipe for pipe in streams if not pipe.closed]
    with selectors.DefaultSelector() as selector:
        for pipe in open_pipes:
            selector.register(pipe, selectors.EVENT_READ)
        while open_pipes:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            for key, _ in selector.select(timeout=left):
                chunk = os.read(key.fd, _CHUNK)
                if chunk:
                    streams[key.fileobj].add(chunk)
                else:
                    selector.unregister(key.fileobj)
                    open_pipes.remove(key.fileobj)
    return False


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the run's process group: for a sandbox, killing ``bwrap`` takes its whole PID namespace down."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        log.debug("sandbox: process group %d already gone", proc.pid)
