"""Hostile code cannot find the parent's secrets, and a secret it prints comes back redacted."""

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS

from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs.special import sandbox
from programs.special.coding import CodingProgram
from programs.special.sandbox import SandboxLimits, run_python

KEY = "sk-test-abcdef1234567890"
BUILT_KEY = "'sk-' + 'test-abcdef' + '1234567890'"  # the key, without the key's text in the code
LIMITS = SandboxLimits(timeout_s=10, memory_mb=256)

HUNT = """\
import glob, os
hits, unreadable = [], 0
for path in ['/proc/%d/environ' % os.getppid(), '/proc/1/environ', '/proc/%d/environ' % PARENT,
             *glob.glob('/proc/*/environ'), *glob.glob('/proc/*/task/*/environ')]:
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        unreadable += 1
        continue
    if b'OPENAI' in data or b'sk-test' in data or b'AGENTINSTRUCT' in data:
        hits.append(path)
print('hits', hits)
print('env', sorted(name for name in os.environ if 'KEY' in name or 'OPENAI' in name))
print('ppid', os.getppid())
"""


@pytest.fixture(autouse=True)
def _isolated():
    problem = sandbox.isolation_problem()
    if problem is not None:
        pytest.fail(f"these tests need bubblewrap isolation (run .ci/system-deps.sh): {problem}")


@pytest.fixture
def parent_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("MY_SERVICE_TOKEN", "plain-value-without-shape")
    return KEY


def test_the_parents_environment_is_nowhere_in_the_sandbox(parent_key):
    import os

    result = run_python(HUNT.replace("PARENT", str(os.getpid())), LIMITS)
    assert result.ok, result.failure()
    lines = result.stdout.splitlines()
    assert lines[0] == "hits []"
    assert lines[1] == "env []"
    assert lines[2] == "ppid 1"  # its parent is the sandbox's own init, not the generator


def test_a_printed_key_comes_back_redacted(parent_key):
    code = (f"key = {BUILT_KEY}\nprint('the key is', key)\nprint('token=' + 'ab12' * 8)\n"
            f"print('plain-value-' + 'without-shape')\nraise ValueError(key)")
    result = run_python(code, LIMITS)
    assert KEY not in result.stdout + result.stderr + result.failure()
    assert "plain-value-without-shape" not in result.stdout  # a secret environment value, whatever its shape
    assert result.stdout.splitlines() == ["the key is [REDACTED]", "token=[REDACTED]", "[REDACTED]"]
    assert result.failure().startswith("ValueError: [REDACTED]")


SPEC = load_skills()["coding"]
SEED_TEXT = "def add(a, b):\n    return a + b\n"
SEED = SeedDoc(id="a.py", text=SEED_TEXT, source="a.py", sha256=sha256_text(SEED_TEXT), kind=SeedKind.CODE)


def test_the_fix_up_prompt_and_the_failure_record_never_see_the_key(parent_key):
    leaky = {**ALL_FIELDS, "code": f"KEY = {BUILT_KEY}\ndef add(a, b):\n    return a - b",
             "tests": "assert add(2, 3) == 5, KEY"}
    lm = DummyLM({"": leaky}, adapter=dspy.JSONAdapter())
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = CodingProgram(SPEC).run_plan(UnitPlan([PathPlan("identity", ["implement_function"], [])], 1, 1),
                                               SEED)
    (failure,) = outcome.failures
    assert failure.reason == "sandbox" and "AssertionError: [REDACTED]" in failure.excerpt
    fixer_prompts = [c["messages"][-1]["content"] for c in lm.history if "failed_code" in c["messages"][-1]["content"]]
    assert len(fixer_prompts) == 2
    assert all("AssertionError: [REDACTED]" in p and KEY not in p for p in fixer_prompts)
    assert KEY not in failure.excerpt
