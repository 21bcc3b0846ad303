"""How far each judge can be trusted: its accuracy on a file of items labelled good or bad.

A calibration file is JSONL, one item per line: ``skill``, ``label`` (``good`` or ``bad``), ``messages`` (the
item's chat turns, ending with the assistant's) and optionally ``passage``, ``instruction`` and
``subcategory``. Each juror of each criterion of the skill's jury rates every item; a ballot is right when
``score >= threshold`` (the criterion's ``min_score``, 0.5 without one) matches the label. A failed ballot
is not counted either way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.flow.outcome import Example
from metrics.item_jury import SkillJury

DEFAULT_THRESHOLD = 0.5


class CalibrationItem(BaseModel):
    """One labelled item of a calibration file."""

    model_config = ConfigDict(extra="forbid")

    skill: str
    label: Literal["good", "bad"]
    messages: list[dict[str, str]] = Field(min_length=2)
    passage: str | None = None
    instruction: str | None = None
    subcategory: str | None = None

    def example(self, jury: SkillJury) -> Example:
        """The item as the jury reads it."""
        users = [m["content"] for m in self.messages if m.get("role") == "user"]
        return Example(messages=self.messages, subcategory=self.subcategory or jury.spec.instruction_types[0].id,
                       transformation=None, passage=self.passage,
                       instruction=self.instruction or (users[0] if users else ""),
                       response=self.messages[-1]["content"])


def load_calibration(path: str | Path) -> list[CalibrationItem]:
    """The items of a calibration file (``ValueError`` naming the line of a bad one)."""
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                items.append(CalibrationItem.model_validate(json.loads(line)))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not a calibration item: {exc}") from exc
    return items


def calibrate(items: list[CalibrationItem], juries: Mapping[str, SkillJury]) -> dict[str, float | None]:
    """``<criterion>/<juror>`` -> accuracy over the items of the skills in ``juries`` (``None``: no ballot)."""
    right: dict[str, int] = {}
    counted: dict[str, int] = {}
    for item in items:
        jury = juries.get(item.skill)
        if jury is None:
            continue
        scores = jury.rate(item.example(jury))
        for ballot in scores.ballots:
            key = f"{ballot.criterion}/{ballot.judge}"
            counted.setdefault(key, 0)
            right.setdefault(key, 0)
            if ballot.score is None:
                continue
            threshold = jury.thresholds.get(ballot.criterion)
            good = ballot.score >= (DEFAULT_THRESHOLD if threshold is None else threshold)
            counted[key] += 1
            right[key] += good == (item.label == "good")
    return {key: (right[key] / counted[key] if counted[key] else None) for key in sorted(counted)}
