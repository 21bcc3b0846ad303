"""Without isolation the sandbox refuses to run generated code, unless unsafe execution is allowed
explicitly; in the coding flow the refusal is a recorded ``sandbox`` rejection, not a crash."""

import os

import dspy
import pytest
from dspy.utils import DummyLM
from dummies import ALL_FIELDS

from core.flow.plan import PathPlan, UnitPlan
from core.seeds import SeedDoc, SeedKind, sha256_text
from core.taxonomy import load_skills
from programs.special import sandbox
from programs.special.coding import CodingProgram
from programs.special.sandbox import UNSAFE_ENV, SandboxLimits, run_python

LIMITS = SandboxLimits(timeout_s=10, memory_mb=256)
MISSING = "bubblewrap (`bwrap`) is not on PATH"


@pytest.fixture
def no_isolation(monkeypatch):
    monkeypatch.setattr(sandbox, "isolation_problem", lambda: MISSING)
    monkeypatch.delenv(UNSAFE_ENV, raising=False)


@pytest.fixture
def fresh_probe(monkeypatch):
    """An empty probe cache for this test (the real answer is restored afterwards)."""
    monkeypatch.setattr(sandbox, "_probe_answer", [])


def test_without_isolation_generated_code_is_refused(no_isolation, tmp_path):
    flag = tmp_path / "ran"
    result = run_python(f"open({str(flag)!r}, 'w').write('x')", LIMITS)
    assert result.refused and not result.ok and result.returncode is None
    assert not flag.exists()
    message = result.failure()
    assert MISSING in message and "apt-get install bubblewrap" in message and f"{UNSAFE_ENV}=1" in message
    assert "unsafe_unsandboxed=True" in message


def test_the_environment_flag_allows_the_unsafe_run(no_isolation, monkeypatch):
    monkeypatch.setenv(UNSAFE_ENV, "1")
    result = run_python("print('ran')", LIMITS)
    assert result.ok and result.stdout == "ran\n" and not result.isolated


def test_the_typed_setting_allows_the_unsafe_run(no_isolation):
    result = run_python("import os\nprint(sorted(os.environ))", SandboxLimits(timeout_s=10, unsafe_unsandboxed=True))
    assert result.ok and not result.isolated and "OPENAI_API_KEY" not in result.stdout


def test_other_flag_values_do_not_allow_it(no_isolation, monkeypatch):
    monkeypatch.setenv(UNSAFE_ENV, "0")
    assert run_python("print('ran')", LIMITS).refused


def test_a_missing_bwrap_is_found_by_the_probe_once(fresh_probe, monkeypatch):
    calls = []
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: calls.append(name))
    assert sandbox.isolation_problem() == MISSING
    assert sandbox.isolation_problem() == MISSING
    assert calls == ["bwrap"]  # probed once, then cached


def test_a_bwrap_that_cannot_create_namespaces_is_found_by_the_probe(fresh_probe, monkeypatch, tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    problem = sandbox.isolation_problem()
    assert problem.startswith("bwrap cannot create the sandbox") and "No permissions" in problem
    assert run_python("print('ran')", LIMITS).refused


SPEC = load_skills()["coding"]
SEED_TEXT = "def add(a, b):\n    return a + b\n"
SEED = SeedDoc(id="a.py", text=SEED_TEXT, source="a.py", sha256=sha256_text(SEED_TEXT), kind=SeedKind.CODE)


def test_in_the_coding_flow_a_refusal_is_a_sandbox_rejection_without_fix_ups(no_isolation):
    lm = DummyLM({"": ALL_FIELDS}, adapter=dspy.JSONAdapter())
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = CodingProgram(SPEC).run_plan(UnitPlan([PathPlan("identity", ["implement_function"], [])], 1, 1),
                                               SEED)
    assert outcome.examples == []
    (failure,) = outcome.failures
    assert failure.reason == "sandbox" and "sandbox unavailable" in failure.excerpt
    assert not any("failed_code" in c["messages"][-1]["content"] for c in lm.history)  # no fixer was asked
