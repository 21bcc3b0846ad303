"""Data types of the seed loader: what a seed is, what a rejected input is, and how loading is configured."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Every reason code a :class:`SeedReject` can carry, with what it means.
REJECT_REASONS: dict[str, str] = {
    "binary": "the bytes are not text (NUL bytes or a known binary file signature)",
    "decode": "the bytes are not valid UTF-8 (or a JSON string holds a lone surrogate)",
    "empty": "no text, whitespace or invisible (zero-width, Unicode Cf) characters only, fewer than `min_chars` "
             "visible characters, or a table with a header and no rows",
    "too_large": "a file or JSONL row over `max_file_bytes`, or the tail of a document past `max_seed_chars`",
    "symlink_escape": "a symlink whose target lies outside the root (not followed)",
    "symlink_loop": "a symlink that loops, or points at a directory it lies inside (not followed)",
    "parse": "malformed JSON / JSONL / CSV (NaN, Infinity and repeated keys are not JSON), JSON of a shape the "
             "loader does not know, or a table row with another number of cells than its header",
    "missing_field": "a record without the configured text field (or id field), or with a non-string value",
    "duplicate_id": "a record whose `id_field` value repeats one seen earlier in the same file",
    "unreadable": "an OSError while listing or reading, a dangling symlink, or not a regular file",
    "duplicate": "the same file as one loaded before (a symlink or hard link to it), or the same text",
    "hidden": "a hidden entry (dot-name or __pycache__) not loaded because `include_hidden` is off",
    "no_skill": "a seed of a kind none of the run's skills takes (recorded by the generation driver)",
}


def sha256_text(text: str) -> str:
    """Hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SeedKind(str, Enum):
    """What a seed's text is; skills use it to decide which flows a seed can feed."""

    TEXT = "text"
    CODE = "code"
    HTML = "html"
    API = "api"
    TABLE = "table"


class SeedDoc(BaseModel):
    """One seed (or one chunk of a long seed document), ready for the content transformation flow.

    ``id`` is stable across runs: the path relative to the root given to the loader (posix separators),
    plus ``#L<line>`` for a JSONL row, ``#<index>`` for a row of a saved Hugging Face dataset or a JSON
    records file (``#<value>`` when ``SeedConfig.id_field`` is set), plus ``@<chunk>`` when the document
    was split into more than one chunk (chunk 0 included).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    text: str
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: SeedKind
    language: str | None = None
    chunk: int = Field(default=0, ge=0)
    n_chunks: int = Field(default=1, ge=1)
    flags: tuple[str, ...] = ()
    """What screening found in the document (``core.seeds.screen.SEED_FLAGS``): carried into lineage."""

    @model_validator(mode="after")
    def _check(self) -> SeedDoc:
        if self.chunk >= self.n_chunks:
            raise ValueError(f"chunk {self.chunk} out of range for n_chunks={self.n_chunks}")
        if sha256_text(self.text) != self.sha256:
            raise ValueError(f"sha256 does not match the text of seed {self.id!r}")
        return self


class SeedReject(BaseModel):
    """An input that did not become a seed, and why. ``reason`` is one of :data:`REJECT_REASONS`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    reason: str
    detail: str


class SeedConfig(BaseModel):
    """How seeds are read, validated and chunked.

    - ``text_field`` / ``id_field``: the record fields holding the text and (optionally) a stable id, for
      JSONL files, JSON records files and saved Hugging Face datasets.
    - ``max_file_bytes``: larger files are rejected (``too_large``) without being read. JSONL files are
      streamed instead, and the limit applies to each line.
    - ``chunk_chars`` / ``chunk_overlap``: documents longer than ``chunk_chars`` are split into chunks of at
      most ``chunk_chars`` characters, consecutive chunks sharing up to ``chunk_overlap`` characters.
    - ``max_seed_chars``: at most this many characters of one document (file or row) are chunked; the rest
      is dropped and reported as a ``too_large`` reject, so one huge document cannot crowd out the others.
    - ``min_chars``: documents with fewer non-blank characters are rejected as ``empty``.
    - ``include_hidden``: also load dot-files, dot-directories and ``__pycache__`` (skipped by default).
    """

    model_config = ConfigDict(extra="forbid")

    text_field: str = Field(default="text", min_length=1)
    id_field: str | None = None
    max_file_bytes: int = Field(default=20_000_000, gt=0)
    max_seed_chars: int = Field(default=200_000, gt=0)
    chunk_chars: int = Field(default=6000, gt=0)
    chunk_overlap: int = Field(default=200, ge=0)
    min_chars: int = Field(default=20, ge=0)
    include_hidden: bool = False

    @model_validator(mode="after")
    def _check(self) -> SeedConfig:
        if self.chunk_overlap * 2 > self.chunk_chars:
            half = self.chunk_chars // 2
            raise ValueError(f"chunk_overlap={self.chunk_overlap} exceeds half of chunk_chars ({half})")
        return self


class SeedLoadResult(BaseModel):
    """Everything one load produced: the seeds, and every input that was rejected."""

    model_config = ConfigDict(extra="forbid")

    seeds: list[SeedDoc] = Field(default_factory=list)
    rejects: list[SeedReject] = Field(default_factory=list)

    def reject_counts(self) -> dict[str, int]:
        """Number of rejects per reason code, most frequent first."""
        return dict(Counter(r.reason for r in self.rejects).most_common())


class SeedError(ValueError):
    """The seed root itself cannot be loaded (it does not exist, or is not a path)."""


@dataclass(frozen=True)
class RawSeed:
    """Internal: one whole document as a reader found it, before validation and chunking."""

    id: str
    source: str
    where: str  # what a reject about this document names as its source ("a.jsonl:3")
    text: str
    kind: SeedKind
    language: str | None = None
    header: str | None = None  # a table's header line, repeated at the top of every chunk
    flags: tuple[str, ...] = ()  # set by screening (``core.seeds.screen``)
