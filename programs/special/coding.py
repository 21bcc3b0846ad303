"""Coding with verification: code and its tests run out of process; failures go to a fix-up agent.

Instruction types with ``runs_code: true`` are answered by a solver that returns an explanation, Python
code and ``assert`` tests. Code and tests run together in the sandbox (``programs.special.sandbox``: a
separate, limited interpreter in a throw-away directory, never ``exec`` in this process). When they fail,
the fix-up agent sees the error output and returns corrected code and tests, up to
``options.fix_attempts`` times; an item still failing is rejected (reason ``sandbox``) and never reaches
the output. Other types (explaining or reviewing code) get the generic teacher response.
"""

from __future__ import annotations

import ast

import dspy

from core.redact import redact
from core.taxonomy import SkillSpec
from programs.flow import Finished, Rejected
from programs.item import PassageItem
from programs.role_lms import RoleLMs
from programs.skill import SkillProgram
from programs.special.sandbox import SandboxLimits, SandboxResult, run_python
from signatures import FixCode, SolveCodingTask, specialize

_DONE = "__agentinstruct_all_tests_ran__"


def _unfence(text: str) -> str:
    """Code without a surrounding markdown fence, if the model added one."""
    body = (text or "").strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rstrip()
        body = body.removesuffix("```")
    return body.strip("\n")


def count_assertions(tests: str) -> int:
    """``assert`` statements and ``self.assert*`` calls in the tests (0 when they do not parse)."""
    try:
        tree = ast.parse(tests)
    except (SyntaxError, ValueError):
        return 0
    return sum(
        1 for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
        or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("assert"))
    )


def render_solution(explanation: str, code: str, tests: str) -> str:
    """The assistant turn of a verified coding item."""
    return (f"{explanation.strip()}\n\n```python\n{code.rstrip()}\n```\n\n"
            f"Tests:\n\n```python\n{tests.rstrip()}\n```")


class CodingProgram(SkillProgram):
    """``program: coding``."""

    def __init__(self, spec: SkillSpec, lms: RoleLMs | None = None):
        super().__init__(spec, lms)
        solve = specialize(SolveCodingTask, spec.system_prompt) if spec.system_prompt else SolveCodingTask
        self.solvers = {"solver": dspy.Predict(solve)}
        self.fixers = {"fixer": dspy.Predict(FixCode)}
        self.limits = SandboxLimits(timeout_s=spec.options.timeout_s, memory_mb=spec.options.memory_mb)

    def run_tests(self, code: str, tests: str) -> SandboxResult:
        """Run the code followed by its tests in the sandbox; it passes only if it gets past the last test
        (an early ``sys.exit(0)`` is a failure)."""
        result = run_python(f"{code}\n\n\n{tests}\n\nprint({_DONE!r})\n", self.limits)
        if result.ok and _DONE not in result.stdout:
            return SandboxResult(1, result.stdout, "the run ended before all tests ran (an early exit?)")
        return result

    def finish(self, item: PassageItem) -> Finished:
        """The item's answer: verified code and tests (repaired if needed), or the generic response."""
        if not self.spec.instruction_type(item.instruction_type).runs_code:
            return super().finish(item)
        request = self.user_message(item)
        with self.lms.use("responder"):
            out = self.solvers["solver"](request=request)
        explanation, code, tests = out.explanation, _unfence(out.code), _unfence(out.tests)
        agents, attempts = ["solver"], 0
        result = self._check(code, tests)
        while not result.ok and not result.refused and attempts < self.spec.options.fix_attempts:
            attempts += 1
            with self.lms.use("editor"):
                fixed = self.fixers["fixer"](request=request, failed_code=code, failed_tests=tests,
                                             error=redact(result.failure()))
            explanation, code, tests = fixed.explanation, _unfence(fixed.code), _unfence(fixed.tests)
            agents.append("fixer")
            result = self._check(code, tests)
        if result.refused:
            raise Rejected("sandbox", redact(result.failure()))
        if not result.ok:
            raise Rejected("sandbox", f"tests fail after {attempts} fix-up attempt(s): {redact(result.failure())}")
        if not (explanation or "").strip():
            raise Rejected("validation", "the solution has no explanation")
        item.response = render_solution(explanation, code, tests)
        return Finished(self.messages(item), agents=agents,
                        metadata={"verified": "tests_passed", "fix_attempts": str(attempts),
                                  "assertions": str(count_assertions(tests))})

    def _check(self, code: str, tests: str) -> SandboxResult:
        """A sandbox run, or a failed result without running when there is nothing to run or test."""
        if not code.strip():
            return SandboxResult(1, "", "the solution has no code")
        if count_assertions(tests) == 0:
            return SandboxResult(1, "", "the tests contain no assertion (write assert statements)")
        return self.run_tests(code, tests)
