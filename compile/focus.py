"""Focus an optimizer on the predictors a data set actually reaches.

A skill program holds one predictor per agent (dozens), but a handful of examples runs only a few of them.
An optimizer would otherwise propose prompts for predictors it never evaluates. ``FocusedProgram`` exposes
only the reached predictors as parameters, shares them with the full program it runs, and deep-copies as
one unit, so the optimizer's copies stay consistent and the full program is what gets saved.
"""

from __future__ import annotations

import re
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


_FAMILY = {"transformers": "transformation", "generators": "instruction_type", "suggesters": "goal",
           "editors": "goal"}
"""What the key of each standard predictor family of ``SkillProgram`` is."""
_NAME = re.compile(r"^(\w+)\['([^']+)'\]$")


def reached_predictors(program: dspy.Module, examples: Iterable[dspy.Example]) -> list[str]:
    """Names of the predictors the examples' paths run, in the program's order.

    A predictor kept in a dict (``generators['flaw']``) is reached when its key is the example's agent of
    the kind that family is keyed by: its transformation, instruction type or one of its goals. The
    standard families say which kind; a special program's own families (``user_simulators`` keyed by
    instruction type, ``formatters`` by goal) are matched by the key itself. Predictors that are not keyed
    by an agent of the path (``responder``, ``replies['assistant']``, ``solvers['solver']``) serve every
    path and are always reached.
    """
    spec = program.spec
    ids = {"transformation": {t.id for t in spec.transformations},
           "instruction_type": {t.id for t in spec.instruction_types},
           "goal": {g.id for g in spec.refinement.goals}}
    examples = list(examples)
    names = []
    for name, _ in program.named_predictors():
        match = _NAME.match(name)
        if match is None:
            names.append(name)
            continue
        family, key = match.groups()
        kinds = [_FAMILY[family]] if family in _FAMILY else [k for k, known in ids.items() if key in known]
        if not kinds or any(_path_has(ex, kind, key) for ex in examples for kind in kinds):
            names.append(name)
    return names


def _path_has(example: dspy.Example, kind: str, key: str) -> bool:
    if kind == "goal":
        return key in (example.goals or [])
    return getattr(example, kind) == key
