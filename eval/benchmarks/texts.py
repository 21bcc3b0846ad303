"""The texts of configured benchmark files, read by their own loaders: what decontamination compares with.

Generation's quality gate indexes these (``agentinstruct.quality.gate``), so the files a user evaluates on
(``evaluation.benchmarks`` in the run config) are the files generated records are checked against,
whatever their layout (CSV, JSON, JSONL, a reasoning-gym spec).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from eval.benchmarks import registry

log = logging.getLogger(__name__)


def benchmark_texts(benchmarks: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """``(benchmark name, text)`` for every user turn and option text of every item of every benchmark."""
    for name, path in benchmarks.items():
        items = registry.get(name).load(Path(path).expanduser())
        log.info("decontamination: %d %s items from %s", len(items), name, path)
        for item in items:
            for turn in item.user_turns():
                yield name, turn
            for choice in item.choices:
                yield name, choice
