"""Focus an optimizer on the predictors a data set actually reaches.

A skill program holds one predictor per agent (dozens), but a handful of examples runs only a few of them.
An optimizer would otherwise propose prompts for predictors it never evaluates. ``FocusedProgram`` exposes
only the reached predictors as parameters, shares them with the full program it runs, and deep-copies as
one unit, so the optimizer's copies stay consistent and the full program is what gets saved.
"""

from __future__ import annotations

from collections.abc import Iterable

import dspy


class _Held:
    """Holds the full program out of DSPy's parameter walk (it only walks modules, lists and dicts)."""

    def __init__(self, program: dspy.Module):
        self.program = program


def safe_name(name: str) -> str:
    """``generators['flaw']`` -> ``generators.flaw`` (a readable key for the focus dict)."""
    return name.replace("['", ".").replace("']", "")


class FocusedProgram(dspy.Module):
    """Runs the full program; its parameters are only the predictors named in ``names``."""

    def __init__(self, program: dspy.Module, names: Iterable[str]):
        super().__init__()
        wanted = set(names)
        self.focus = {safe_name(n): p for n, p in program.named_predictors() if n in wanted}
        unknown = wanted - {n for n, _ in program.named_predictors()}
        if unknown:
            raise ValueError(f"no such predictors: {sorted(unknown)}")
        self._held = _Held(program)

    @property
    def program(self) -> dspy.Module:
        """The full program (sharing the focused predictors)."""
        return self._held.program

    def forward(self, **kwargs):
        return self._held.program(**kwargs)


def reached_predictors(program: dspy.Module, examples: Iterable[dspy.Example]) -> list[str]:
    """Names of the ``SkillProgram`` predictors the examples' paths run, in the program's order."""
    names = set()
    spec = program.spec
    for ex in examples:
        if not spec.transformation(ex.transformation).identity:
            names.add(f"transformers['{ex.transformation}']")
        names.add(f"generators['{ex.instruction_type}']")
        for goal in ex.goals or []:
            names.update({f"suggesters['{goal}']", f"editors['{goal}']"})
        names.add("responder")
    return [n for n, _ in program.named_predictors() if n in names]
