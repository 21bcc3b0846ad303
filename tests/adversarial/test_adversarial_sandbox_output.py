"""Hostile output cannot grow the generator: each stream is read in chunks and capped, the rest dropped."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from programs.special import sandbox
from programs.special.sandbox import SandboxLimits, run_python

REPO = Path(__file__).resolve().parents[2]
MiB = 2**20

MEASURE = """\
import json, resource, sys
sys.path.insert(0, REPO)
from programs.special.sandbox import SandboxLimits, run_python

def status():
    fields = dict(line.split(':', 1) for line in open('/proc/self/status'))
    return {name: int(fields[name].split()[0]) * 1024 for name in ('VmRSS', 'VmHWM')}

limits = SandboxLimits(timeout_s=60, memory_mb=512)
run_python("print('warm-up')", limits)  # imports and the isolation probe, outside the measurement
before = status()
result = run_python("import sys\\nsys.stdout.write('x' * 50_000_000)\\nsys.stdout.write('\\\\nTHE END\\\\n')", limits)
after = status()
print(json.dumps({"before": before, "after": after, "ok": result.ok, "stdout_chars": len(result.stdout),
                  "dropped": result.bytes_dropped, "note": "bytes of output cut" in result.stdout,
                  "tail": result.stdout[-8:], "isolated": result.isolated}))
"""


@pytest.fixture(autouse=True)
def _isolated():
    problem = sandbox.isolation_problem()
    if problem is not None:
        pytest.fail(f"these tests need bubblewrap isolation (run .ci/system-deps.sh): {problem}")


def test_a_50_mb_print_keeps_the_parent_small():
    # In a fresh interpreter, so that its peak RSS (VmHWM) before the run is its RSS then.
    run = subprocess.run([sys.executable, "-c", MEASURE.replace("REPO", repr(str(REPO)))], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["ok"] and report["isolated"]
    assert report["after"]["VmHWM"] - report["before"]["VmHWM"] < 8 * MiB
    assert report["after"]["VmRSS"] - report["before"]["VmRSS"] < 8 * MiB
    assert report["stdout_chars"] <= 64 * 1024 + 100 and report["note"]
    assert report["dropped"] >= 50_000_000 - 64 * 1024
    assert report["tail"] == "THE END\n"  # the end of the stream is kept


def test_a_flood_on_stderr_keeps_the_error_that_ends_it():
    code = "import sys\nsys.stderr.write('noise\\n' * 2_000_000)\nraise ValueError('the real error')"
    result = run_python(code, SandboxLimits(timeout_s=20, memory_mb=256, max_output_bytes=16 * 1024))
    assert not result.ok and result.failure().startswith("ValueError: the real error")
    assert len(result.stderr) < 16 * 1024 + 100 and result.bytes_dropped > 10_000_000
    assert "bytes of output cut" in result.stderr


def test_the_coding_check_still_sees_its_end_marker_after_a_flood():
    from core.taxonomy import load_skills
    from programs.special.coding import CodingProgram

    program = CodingProgram(load_skills()["coding"])
    result = program.run_tests("def add(a, b):\n    return a + b\nprint('y' * 5_000_000)", "assert add(2, 3) == 5")
    assert result.ok and result.bytes_dropped > 4_000_000


def test_a_failure_text_is_short_whatever_the_error():
    result = run_python("raise ValueError('z' * 1_000_000)", SandboxLimits(timeout_s=10, memory_mb=256))
    failure = result.failure()
    assert not result.ok and "zzz" in failure and len(failure) <= sandbox.MAX_FAILURE_CHARS
    assert all(len(line) <= 500 for line in failure.splitlines())
