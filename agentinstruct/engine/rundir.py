"""A run directory: resolved config, manifest, append-only JSONL shards, rejects, failures, ledger.

Layout::

    RUN/config.json        resolved RunConfig (environment variable names only, never keys)
    RUN/manifest.json      what ran: skills, seeds path, versions, program hashes, timestamps
    RUN/data/*.jsonl       records, one JSON line each (append-only shards)
    RUN/rejects.jsonl      seeds that were rejected, with path and reason
    RUN/failures.jsonl     failed steps, with reason code and excerpt
    RUN/dropped.jsonl      records removed by the quality gates (near-duplicate, contaminated)
    RUN/preferences.jsonl  DPO pairs from ranked responses ({prompt, chosen, rejected, scores, margin, lineage})
    RUN/rejected/*.jsonl   items the judging stage refused, in full (``quality.keep_rejected``)
    RUN/calibration.json   each juror's accuracy on the calibration file (``judging.calibration``)
    RUN/ledger.sqlite      work units and their status
    RUN/summary.json       the closing summary of the last invocation
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from pydantic import BaseModel

from agentinstruct.engine.ledger import Ledger
from core.safe_text import escape_controls, safe_text

log = logging.getLogger(__name__)


class RunDirError(ValueError):
    """The run directory cannot be used as asked (e.g. not empty, or not a run)."""


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


class JsonlWriter:
    """Append-only, line-atomic JSONL writer (each line written with one ``write`` and flushed)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._dirty = False

    def write(self, line: str) -> None:
        """Append one line and flush it to the OS. The line is made safe first (``core.safe_text``): a lone
        surrogate or a raw control character in it, which JSON writers may leave, would make the file
        unwritable (an ``UnicodeEncodeError`` that every resume hit again on the same cached answer)."""
        if "\n" in line:
            raise ValueError("a JSONL line must not contain a newline")
        line = safe_text(line)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()
            self._dirty = True

    def sync(self) -> None:
        """fsync what was written so far (nothing to do when nothing was written since the last sync)."""
        with self._lock:
            if not self._dirty:
                return
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._dirty = False

    def close(self) -> None:
        """Flush, fsync and close."""
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()


def repair_jsonl(path: Path) -> int:
    """Truncate a torn (unterminated) last line; returns the number of bytes cut (0 when intact)."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        if fh.read(1) == b"\n":
            return 0
        # Walk back to the last newline.
        pos = size
        block = 65536
        keep = 0
        while pos > 0:
            start = max(0, pos - block)
            fh.seek(start)
            chunk = fh.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                break
            pos = start
        fh.truncate(keep)
    cut = size - keep
    log.warning("%s: repaired a torn last line (%d bytes removed)", path, cut)
    return cut


NAME_MAX = 255
"""Bytes in one path component (Linux's NAME_MAX); the path as a whole is held to PATH_MAX."""
PATH_MAX = 4096


def check_run_dir(root: str | Path, *, resume: bool) -> Path:
    """The run directory ``root`` as a path, or ``RunDirError`` saying why it cannot be used: a NUL in it,
    a name over ``NAME_MAX`` bytes or a path over ``PATH_MAX``, a symlink (it would send the run elsewhere),
    a file, a non-empty directory for a new run, not a run for ``resume``. Called before the first LLM call."""
    text = os.fspath(root)
    if not text:
        raise RunDirError("the run directory path is empty")
    shown = escape_controls(text)[:200]
    if "\x00" in text:
        raise RunDirError(f"{shown}: the run directory path contains a NUL character")
    encoded = text.encode("utf-8", "surrogateescape")
    long_part = next((p for p in encoded.split(b"/") if len(p) > NAME_MAX), None)
    if long_part is not None:
        raise RunDirError(f"{shown}...: a name in the run directory path has {len(long_part)} bytes "
                          f"(at most {NAME_MAX})")
    if len(encoded) > PATH_MAX:
        raise RunDirError(f"{shown}...: the run directory path has {len(encoded)} bytes (at most {PATH_MAX})")
    path = Path(text)
    if path.is_symlink():
        raise RunDirError(f"{shown}: the run directory is a symlink (to {escape_controls(os.readlink(path))}); "
                          "give the directory itself")
    if path.exists() and not path.is_dir():
        raise RunDirError(f"{shown}: exists and is not a directory")
    if resume:
        if not (path / "ledger.sqlite").is_file():
            raise RunDirError(f"{shown}: not a run directory (no ledger.sqlite) - cannot resume")
    elif path.exists() and any(path.iterdir()):
        raise RunDirError(f"{shown}: directory exists and is not empty; use --resume to continue it or pick "
                          "a new --out")
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is not None and not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise RunDirError(f"{shown}: cannot create it (no write permission in {escape_controls(str(parent))})")
    return path


class RunDir:
    """Opens or creates a run directory and hands out its writers and ledger."""

    def __init__(self, root: str | Path, *, resume: bool):
        self.root = check_run_dir(root, resume=resume)
        _private_dir(self.root)
        _private_dir(self.data_dir)
        self.torn_bytes = {}
        for path in [*sorted(self.data_dir.glob("*.jsonl")), self.rejects_path, self.failures_path,
                     self.dropped_path, self.preferences_path, *sorted(self.rejected_dir.glob("*.jsonl"))]:
            cut = repair_jsonl(path)
            if cut:
                self.torn_bytes[str(path.relative_to(self.root))] = cut
        self.ledger = Ledger(self.root / "ledger.sqlite")
        if resume:
            self.orphans_dropped = self._drop_orphans()
        else:
            self.orphans_dropped = 0
        self.records = JsonlWriter(self.data_dir / "shard-00000.jsonl")
        self.rejects = JsonlWriter(self.rejects_path)
        self.failures = JsonlWriter(self.failures_path)
        self.dropped = JsonlWriter(self.dropped_path)
        self.preferences = JsonlWriter(self.preferences_path)
        self._rejected: JsonlWriter | None = None
        self._rejected_lock = threading.Lock()

    @property
    def data_dir(self) -> Path:
        """Where record shards live."""
        return self.root / "data"

    @property
    def rejects_path(self) -> Path:
        """The rejected-seeds file."""
        return self.root / "rejects.jsonl"

    @property
    def failures_path(self) -> Path:
        """The failed-steps file."""
        return self.root / "failures.jsonl"

    @property
    def dropped_path(self) -> Path:
        """Records removed by the quality gates."""
        return self.root / "dropped.jsonl"

    @property
    def preferences_path(self) -> Path:
        """Preference pairs (DPO) from the jury's ranking of several responses per item."""
        return self.root / "preferences.jsonl"

    @property
    def rejected_dir(self) -> Path:
        """Where refused items are kept in full when asked (``quality.keep_rejected``)."""
        return self.root / "rejected"

    @property
    def rejected(self) -> JsonlWriter:
        """The writer of ``rejected/shard-00000.jsonl`` (the folder is made on first use)."""
        with self._rejected_lock:
            if self._rejected is None:
                _private_dir(self.rejected_dir)
                self._rejected = JsonlWriter(self.rejected_dir / "shard-00000.jsonl")
            return self._rejected

    def _drop_orphans(self) -> int:
        """Remove shard lines and failure lines whose unit was never committed in the ledger."""
        committed = self.ledger.committed()
        dropped = 0
        for path in [*sorted(self.data_dir.glob("*.jsonl")), self.failures_path, self.dropped_path,
                     self.preferences_path, *sorted(self.rejected_dir.glob("*.jsonl"))]:
            if not path.exists():
                continue
            kept, removed = [], 0
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    obj = json.loads(line)
                    unit = obj.get("unit_id") or obj.get("metadata", {}).get("unit_id")
                    if unit in committed:
                        kept.append(line)
                    else:
                        removed += 1
            if removed:
                tmp = path.with_suffix(".tmp")
                tmp.write_text("".join(kept), encoding="utf-8")
                os.replace(tmp, path)
                dropped += removed
                log.warning("%s: dropped %d lines of uncommitted units", path, removed)
        return dropped

    def write_json(self, name: str, payload: BaseModel | dict) -> Path:
        """Atomically write ``name`` (a JSON file) in the run directory."""
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        path = self.root / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def close(self) -> None:
        """Close every writer and the ledger."""
        for writer in (self.records, self.rejects, self.failures, self.dropped, self.preferences, self._rejected):
            if writer is not None:
                writer.close()
        self.ledger.close()
