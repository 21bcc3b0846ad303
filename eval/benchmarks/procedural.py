"""reasoning-gym (open-thought): procedurally generated reasoning tasks with exact verifiers.

There is no data file to download: the local file is a JSON *spec* of which tasks to generate, how many
items and with which seed, e.g. ``{"seed": 7, "tasks": [{"name": "leg_counting", "size": 50,
"config": {"max_animals": 5}}]}``. Items come from ``reasoning_gym.create_dataset(name, size=, seed=,
**config)``; answers are read from ``<answer>`` tags and scored by the dataset's own
``score_answer(answer, entry)`` (a float in [0, 1]). Tasks that generate offline include
``basic_arithmetic``, ``chain_sum``, ``leg_counting``, ``letter_counting``, ``spell_backward`` and
``word_sorting``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from eval.benchmarks.base import BenchItem, Benchmark
from eval.benchmarks.files import BenchmarkFileError, read_json, require
from eval.benchmarks.registry import register
from eval.extraction import patterns
from eval.optional import require as require_module

INSTRUCTION = ("Think step by step, then give only the final answer inside <answer></answer> tags, "
               "e.g. <answer>42</answer>.")


@functools.lru_cache(maxsize=64)
def _dataset(name: str, size: int, seed: int, config_json: str) -> Any:
    rg = require_module("reasoning_gym")
    return rg.create_dataset(name, size=size, seed=seed, **json.loads(config_json))


def load(path: Path) -> list[BenchItem]:
    """Generate the items a spec file asks for."""
    spec = read_json(path)
    if not isinstance(spec, dict) or not isinstance(spec.get("tasks"), list):
        raise BenchmarkFileError(f"{path}: expected {{\"seed\": int, \"tasks\": [{{\"name\", \"size\"}}]}}")
    seed = int(spec.get("seed", 0))
    items: list[BenchItem] = []
    for k, task in enumerate(spec["tasks"]):
        require(task, ("name", "size"), f"{path}: task {k}")
        name, size = str(task["name"]), int(task["size"])
        config_json = json.dumps(task.get("config") or {}, sort_keys=True)
        dataset = _dataset(name, size, seed, config_json)
        for i in range(size):
            entry = dataset[i]
            items.append(BenchItem(
                id=f"{name}-{seed}-{i}", prompt=entry["question"], reference=str(entry["answer"]),
                category=name, metadata={"task": name, "size": size, "seed": seed, "config": config_json,
                                         "index": i},
            ))
    return items


def render(item: BenchItem) -> list[str]:
    """The generated question and the answer-tag instruction."""
    return [f"{item.prompt}\n\n{INSTRUCTION}"]


def compare(extracted: str, item: BenchItem) -> float:
    """The task's own verifier on the extracted answer."""
    m = item.metadata
    dataset = _dataset(m["task"], m["size"], m["seed"], m["config"])
    return float(dataset.score_answer(extracted, dataset[m["index"]]))


REASONING_GYM = register(Benchmark(
    name="reasoning_gym", kind="procedural", load=load, render=render, description=__doc__.splitlines()[0],
    extract=patterns.tagged, llm_fallback="general", compare=compare,
))
