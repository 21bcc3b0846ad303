"""Hostile code can read nothing of the host but the system and the interpreter, and write nowhere on it."""

import os
import sys
from pathlib import Path

import pytest

from programs.special import sandbox
from programs.special.sandbox import SandboxLimits, run_python

REPO = Path(__file__).resolve().parents[2]
HOME = Path.home().resolve()
LIMITS = SandboxLimits(timeout_s=10, memory_mb=256)

TRY_READ = """\
import sys
for path in sys.argv_paths:
    try:
        with open(path) as f:
            print('read', path, len(f.read()))
    except OSError as e:
        print('denied', path, type(e).__name__)
"""

TRY_WRITE = """\
for path in PATHS:
    try:
        with open(path, 'w') as f:
            f.write('pwned')
        print('wrote', path)
    except OSError as e:
        print('denied', path, type(e).__name__)
"""


@pytest.fixture(autouse=True)
def _isolated():
    problem = sandbox.isolation_problem()
    if problem is not None:
        pytest.fail(f"these tests need bubblewrap isolation (run .ci/system-deps.sh): {problem}")


def _run_over(template: str, paths: list[str]):
    code = template.replace("sys.argv_paths", repr(paths)).replace("PATHS", repr(paths))
    result = run_python(code, LIMITS)
    assert result.ok, result.failure()
    return result.stdout.splitlines()


def test_files_outside_the_sandbox_cannot_be_read(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("host secret")
    targets = [str(secret), "/etc/shadow", "/etc/passwd", str(REPO / "pyproject.toml"), str(REPO / ".git" / "config"),
               str(HOME / ".bashrc"), str(HOME / ".ssh" / "id_rsa"), f"/proc/{os.getpid()}/environ"]
    assert all(line.startswith("denied ") for line in _run_over(TRY_READ, targets))


def test_only_the_system_and_the_interpreter_are_visible():
    # The interpreter may live under the home directory (pyenv): then only the path down to it is visible there.
    interpreter = Path(sys.base_prefix).resolve()
    under_home = interpreter.relative_to(HOME).parts[:1] if interpreter.is_relative_to(HOME) else ()
    repo_top = "/" + REPO.resolve().parts[1]
    code = (f"import os, sys\nprint(sorted(os.listdir('/')))\n"
            f"print(sorted(os.listdir({str(HOME)!r})) if os.path.isdir({str(HOME)!r}) else [])\n"
            f"print(os.path.exists({repo_top!r}), os.path.exists('/sys'))")
    result = run_python(code, LIMITS)
    top, home, others = result.stdout.splitlines()
    system = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
    assert set(eval(top)) <= system | set(interpreter.parts[1:2])
    assert set(eval(home)) <= set(under_home)
    assert others == "False False"  # not the checkout's tree, not /sys


def test_nothing_outside_the_sandbox_can_be_written(tmp_path):
    targets = [str(tmp_path / "written.txt"), str(REPO / "pwned.txt"), "/usr/pwned", "/etc/pwned", str(HOME / "pwned"),
               "/pwned", "/dev/pwned", os.path.join(sys.base_prefix, "pwned"),
               os.path.join(sys.base_prefix, "lib", "pwned.py")]
    lines = _run_over(TRY_WRITE, targets)
    assert lines == [line for line in lines if line.startswith("denied ")], lines
    assert not any(os.path.exists(t) for t in targets)


def test_the_writable_places_are_throwaway_and_bounded():
    code = """\
import os
open('here.txt', 'w').write('x')
open('/tmp/there.txt', 'w').write('x')
print(os.getcwd(), os.environ['HOME'] == os.getcwd())
written = 0
try:
    for i in range(10):
        with open(f'/tmp/big{i}', 'wb') as f:
            f.write(b'x' * 3 * 2**20)
        written += 1
except OSError as e:
    print('stopped', written, e.errno)
"""
    result = run_python(code, SandboxLimits(timeout_s=10, memory_mb=256, max_file_mb=4, disk_mb=8))
    cwd, home = result.stdout.splitlines()[0].split()
    assert home == "True" and not os.path.exists(cwd) and not os.path.exists("/tmp/there.txt")
    assert result.stdout.splitlines()[1] == "stopped 2 28"  # ENOSPC: the tmpfs holds disk_mb, no more
