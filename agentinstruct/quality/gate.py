"""The quality gate the driver runs on each record before writing it: decontamination, then near-dedup."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from agentinstruct.export.run_reader import iter_run_records
from agentinstruct.quality.decontam import Decontaminator
from agentinstruct.quality.dedup import NearDuplicateIndex
from agentinstruct.quality.text import record_text
from core.config import EvaluationConfig, QualityConfig
from core.records import Record
from eval.benchmarks import default_eval_paths
from eval.benchmarks.texts import benchmark_texts

if TYPE_CHECKING:
    from datasketch import MinHash

log = logging.getLogger(__name__)

class QualityGate:
    """Decides per record whether it is kept; counts the drops by reason in ``counts``.

    Near-duplicates are judged on the user+assistant text, and a match must also hold on the assistant
    turns alone: records made from one seed share its (long) passage, so the full text of two different
    questions about it can look alike while their answers differ.
    """

    REASONS = ("contaminated", "duplicate")

    def __init__(self, config: QualityConfig, run_dir: Path, evaluation: EvaluationConfig | None = None):
        self.config = config
        self.run_dir = Path(run_dir)
        self.counts: dict[str, int] = dict.fromkeys(self.REASONS, 0)
        self.passed = 0
        self.prior_records = 0
        self._lock = threading.Lock()
        self._full: NearDuplicateIndex | None = None
        self._answers: NearDuplicateIndex | None = None
        self._deco: Decontaminator | None = None
        if config.dedup:
            self._build_index()
        if config.decontaminate:
            # The benchmark files evaluation reads (``evaluation.benchmarks``), through their own loaders,
            # plus the raw evaluation sets (``quality.eval_paths``; None: the project's own).
            paths = config.eval_paths if config.eval_paths is not None else default_eval_paths()
            benchmarks = evaluation.benchmarks if evaluation is not None else {}
            if not paths and not benchmarks:
                log.warning("decontamination is on but no evaluation sets are configured: nothing to check")
            self._deco = Decontaminator.from_paths([Path(p) for p in paths], n=config.ngram,
                                                   min_overlap=config.min_overlap)
            for source, text in benchmark_texts(benchmarks):
                self._deco.add(source, text)

    def _build_index(self) -> None:
        kw = {"threshold": self.config.dedup_threshold, "shingle": self.config.shingle}
        self._full, self._answers = NearDuplicateIndex(**kw), NearDuplicateIndex(**kw)
        runs = [Path(p) for p in self.config.against_runs]
        if (self.run_dir / "data").is_dir():
            runs.append(self.run_dir)  # resume: this run's records are already kept
        for record in iter_run_records(runs):
            if record.id not in self._full:
                self._full.add(record.id, record_text(record))
                self._answers.add(record.id, record_text(record, ("assistant",)))
                self.prior_records += 1
        log.info("quality gate: %d prior records indexed from %d run(s)", self.prior_records, len(runs))

    def _duplicate_of(self, record: Record, full: MinHash, answer: MinHash) -> str | None:
        for other, _sim in self._full.query(full):
            if other == record.id:
                continue
            answer_sim = self._answers.similarity(other, answer)
            if answer_sim is not None and answer_sim >= self.config.dedup_threshold:
                return other
        return None

    def check(self, record: Record) -> tuple[str, str] | None:
        """``(reason, detail)`` when the record is dropped ("contaminated" or "duplicate"), else None.

        A kept record is indexed, so a later near-duplicate of it is dropped. Thread-safe.
        """
        text = record_text(record)
        if self._deco is not None:
            source = self._deco.contaminated(text)
            if source is not None:
                with self._lock:
                    self.counts["contaminated"] += 1
                return "contaminated", f"shares a {self.config.ngram}-gram with evaluation set '{source}'"
        if self._full is not None:
            full = self._full.signature(text)
            answer = self._answers.signature(record_text(record, ("assistant",)))
        with self._lock:
            if self._full is not None:
                if record.id in self._full:
                    return None  # already kept (a resumed run re-checking its own record)
                other = self._duplicate_of(record, full, answer)
                if other is not None:
                    self.counts["duplicate"] += 1
                    return "duplicate", f"near-duplicate of record {other}"
                self._full.add(record.id, full)
                self._answers.add(record.id, answer)
            self.passed += 1
        return None
