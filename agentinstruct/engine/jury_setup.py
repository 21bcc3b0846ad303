"""The judging stage of a generation run, built from its config: the jurors (role models, models of their
own, second prompts), each skill's jury and thresholds, and the ``JudgedRunner`` around every program.

The local driver and every Ray worker build it the same way, from the same config.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import dspy

from core.config import RunConfig
from core.flow.contract import SkillRunner
from core.judging_config import min_score_for
from core.lm.accounting import Accountant
from core.lm.metered import metered
from core.lm.request_store import RequestStore
from core.lm.roles import build_lm
from metrics.calibration import calibrate, load_calibration
from metrics.item_jury import SkillJury
from metrics.judging import JudgedRunner
from metrics.jury import Juror
from metrics.pairwise import PairwiseComparison

log = logging.getLogger(__name__)

JUDGE_ROLE = "judge"
"""Every juror's calls are accounted under this role, whichever model it runs on."""


def build_jurors(cfg: RunConfig, role_lms: Mapping[str, dspy.BaseLM], *, accountant: Accountant | None = None,
                 store: RequestStore | None = None) -> list[Juror]:
    """One ``Juror`` per configured seat: its role's LM, or its own model (metered like every other LM)."""
    jurors = []
    for seat in cfg.judging.jurors:
        if seat.model is not None:
            lm = build_lm(seat.model, cfg.models)
            if accountant is not None:
                lm = metered(lm, accountant, store, malformed_attempts=seat.model.malformed_attempts)
        else:
            lm = role_lms.get(seat.role)
        jurors.append(Juror(seat.name, lm, seat.instructions, seat.weight, role=JUDGE_ROLE))
    return jurors


def skill_jury(name: str, runner: SkillRunner, cfg: RunConfig, jurors: list[Juror],
               guard: Callable[[], None] | None = None) -> SkillJury:
    """The jury of one skill: its criteria, thresholds and checks (config over the skill file)."""
    spec = runner.spec
    criteria = cfg.judging.criteria_for(name, spec.judging)
    thresholds = {c: min_score_for(cfg.quality.min_score, name, c, spec.judging) for c in criteria}
    return SkillJury(spec, criteria, jurors, aggregate=cfg.judging.aggregate_for(spec.judging),  # type: ignore[arg-type]
                     thresholds=thresholds, no_verdict=cfg.judging.no_verdict,
                     checks=spec.judging.checks if cfg.judging.checks else [],
                     difficulty=cfg.judging.difficulty, guard=guard)


def judged_suite(suite: Mapping[str, SkillRunner], cfg: RunConfig, role_lms: Mapping[str, dspy.BaseLM], *,
                 accountant: Accountant | None = None, store: RequestStore | None = None,
                 guard: Callable[[], None] | None = None) -> dict[str, SkillRunner]:
    """Every program wrapped in its skill's ``JudgedRunner`` (the suite itself when judging is off)."""
    if not cfg.judging.enabled:
        return dict(suite)
    jurors = build_jurors(cfg, role_lms, accountant=accountant, store=store)
    out: dict[str, SkillRunner] = {}
    for name, runner in suite.items():
        pairwise = (PairwiseComparison(jurors, rubric=runner.spec.judge_rubric, guard=guard)
                    if cfg.judging.pairwise else None)
        out[name] = JudgedRunner(runner, skill_jury(name, runner, cfg, jurors, guard),
                                 min_margin=cfg.judging.min_margin, pairwise=pairwise)
    return out


def run_calibration(path: str, runners: Mapping[str, SkillRunner]) -> dict:
    """Each juror's accuracy on the calibration file, over the skills of this run (``calibration.json``)."""
    items = load_calibration(path)
    juries = {name: r.jury for name, r in runners.items() if isinstance(r, JudgedRunner)}
    accuracy = calibrate(items, juries)
    log.info("calibration on %d items: %s", len(items), accuracy)
    return {"file": str(path), "items": len(items), "accuracy": accuracy}
