"""The sandbox runs code out of process with limits; coding items are verified, repaired or rejected."""

import os

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS

from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs.special.coding import CodingProgram, count_assertions
from programs.special.sandbox import SandboxLimits, run_python

SPEC = load_skills()["coding"]
SEED_TEXT = "def mean(xs):\n    return sum(xs) / len(xs)\n"
SEED = SeedDoc(id="m.py", text=SEED_TEXT, source="m.py", sha256=sha256_text(SEED_TEXT), kind=SeedKind.CODE)
FAST = SandboxLimits(timeout_s=5, memory_mb=256)


def test_passing_and_failing_code():
    assert run_python("assert 1 + 1 == 2\nprint('ok')", FAST).stdout == "ok\n"
    result = run_python("def f():\n    return 2\n\nassert f() == 3, 'f is wrong'", FAST)
    assert not result.ok and "AssertionError: f is wrong" in result.failure()


def test_runs_in_another_process_in_a_throwaway_directory():
    out = run_python("import os\nprint(os.getpid())\nprint(os.getcwd())\nopen('x.txt', 'w').write('x')", FAST)
    pid, cwd = out.stdout.split()
    assert int(pid) != os.getpid()
    assert "agentinstruct-sandbox-" in cwd and not os.path.exists(cwd)


def test_environment_is_stripped(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    out = run_python("import os\nprint(sorted(os.environ))", FAST)
    assert out.ok and "HTTPS_PROXY" not in out.stdout and "OPENAI_API_KEY" not in out.stdout


def test_network_calls_fail():
    # The sandbox has its own network namespace (only its own loopback): names do not resolve and no
    # address is reachable. (This used to be a monkeypatched ``socket`` raising PermissionError, which
    # ``_socket`` and child processes went around; tests/adversarial covers those.)
    code = ("import socket\nfor target in [('example.org', 80), ('1.1.1.1', 80)]:\n    try:\n"
            "        socket.create_connection(target, timeout=1)\n        print('connected')\n"
            "    except OSError as e:\n        print('blocked', type(e).__name__)")
    assert run_python(code, FAST).stdout.split("\n")[:2] == ["blocked gaierror", "blocked OSError"]


def test_timeout_kills_the_run():
    result = run_python("while True:\n    pass", SandboxLimits(timeout_s=1, memory_mb=256))
    assert not result.ok and (result.timed_out or result.returncode < 0)


def test_memory_limit_stops_a_hungry_run():
    result = run_python("x = bytearray(1024 * 1024 * 1024)\nprint('allocated')",
                        SandboxLimits(timeout_s=5, memory_mb=128))
    assert not result.ok and "allocated" not in result.stdout
    assert "MemoryError" in result.stderr or result.returncode < 0


def test_count_assertions():
    assert count_assertions("assert f(1) == 2\nassert f(0) == 0") == 2
    assert count_assertions("self.assertEqual(f(1), 2)") == 1
    assert count_assertions("print(f(1))") == 0
    assert count_assertions("assert (") == 0


BUGGY = {**ALL_FIELDS, "code": "def add(a, b):\n    return a - b", "tests": "assert add(2, 3) == 5"}
FIXED = {**ALL_FIELDS, "code": "def add(a, b):\n    return a + b", "tests": "assert add(2, 3) == 5",
         "explanation": "The bug was a subtraction; adding fixes it."}


def _run(answers: dict, itype: str = "implement_function"):
    lm = DummyLM(answers, adapter=dspy.JSONAdapter())
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = CodingProgram(SPEC).run_plan(UnitPlan([PathPlan("identity", [itype], [])], 1, 1), SEED)
    return outcome, lm


def test_failing_tests_are_repaired_by_the_fix_up_agent():
    outcome, lm = _run({"failed_code": FIXED, "": BUGGY})  # the fixer (sees failed_code) repairs
    assert outcome.failures == []
    (example,) = outcome.examples
    answer = example.messages[-1]["content"]
    assert "return a + b" in answer and "return a - b" not in answer
    assert example.agents[-2:] == ["solver", "fixer"]
    assert example.metadata["fix_attempts"] == "1" and example.metadata["verified"] == "tests_passed"
    fixer_prompt = lm.history[-1]["messages"][-1]["content"]
    assert "AssertionError" in fixer_prompt  # the fixer saw the sandbox's error output


def test_code_that_stays_broken_never_reaches_the_output():
    outcome, lm = _run({"": BUGGY})
    assert outcome.examples == []
    (failure,) = outcome.failures
    assert (failure.stage, failure.agent, failure.reason) == ("verify", "implement_function", "sandbox")
    assert "after 2 fix-up attempt(s)" in failure.excerpt and "AssertionError" in failure.excerpt
    assert sum("failed_code" in c["messages"][-1]["content"] for c in lm.history) == 2


def test_tests_without_assertions_do_not_count_as_passing():
    outcome, _ = _run({"": {**ALL_FIELDS, "tests": "print(add(2, 3))"}})
    assert outcome.examples == [] and "no assertion" in outcome.failures[0].excerpt


def test_explanation_types_get_the_generic_response():
    outcome, _ = _run({"": ALL_FIELDS}, itype="explain_code")
    (example,) = outcome.examples
    assert example.messages[-1]["content"] == ALL_FIELDS["response"]
    assert example.agents[-1] == "respond"


@pytest.mark.parametrize("itype", [t.id for t in SPEC.instruction_types if t.runs_code])
def test_every_verified_type_runs_the_sandbox(itype, monkeypatch):
    runs = []
    monkeypatch.setattr(CodingProgram, "run_tests", lambda self, code, tests: runs.append(code) or
                        run_python(f"{code}\n{tests}", FAST))
    plan_types = {t.id for t in SPEC.types_for("identity")}
    if itype not in plan_types:
        pytest.skip(f"{itype} does not follow the identity transformation")
    outcome, _ = _run({"": ALL_FIELDS}, itype=itype)
    assert len(outcome.examples) == 1 and runs == [ALL_FIELDS["code"]]


def test_an_early_exit_does_not_skip_the_tests():
    outcome, _ = _run({"": {**ALL_FIELDS, "code": "import sys\nsys.exit(0)\ndef add(a, b):\n    return a - b"}})
    assert outcome.examples == [] and "before all tests ran" in outcome.failures[0].excerpt
