"""Load seeds: walk a root, read every input with the reader for its format, validate, and chunk.

Nothing is dropped silently: every input that does not become a seed becomes a :class:`SeedReject` with a
reason code, and loading carries on with the next input. Only a root that does not exist raises.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from core.seeds.chunking import plan_chunks
from core.seeds.content import decode_text, read_limited
from core.seeds.filetypes import TABLE_DELIMITERS, Format, file_format
from core.seeds.html_text import html_to_text
from core.seeds.models import (
    RawSeed,
    SeedConfig,
    SeedDoc,
    SeedError,
    SeedKind,
    SeedLoadResult,
    SeedReject,
    sha256_text,
)
from core.seeds.rows import read_hf_dataset, read_jsonl
from core.seeds.structured import read_json, read_table
from core.seeds.walk import Found, walk

logger = logging.getLogger(__name__)


def _read_file(found: Found, config: SeedConfig) -> Iterator[RawSeed | SeedReject]:
    """The documents in one file (several for JSONL and JSON records), or why there are none."""
    fmt, language = file_format(found.path)
    rel = found.rel
    if fmt is Format.JSONL:
        yield from read_jsonl(found.path, rel, config)
        return
    data = read_limited(found.path, config.max_file_bytes, rel)
    if isinstance(data, SeedReject):
        yield data
        return
    text = decode_text(data, rel)
    del data
    if isinstance(text, SeedReject):
        yield text
    elif fmt is Format.JSON:
        yield from read_json(text, rel, config)
    elif fmt is Format.TABLE:
        yield read_table(text, rel, TABLE_DELIMITERS[found.path.suffix.lower()])
    elif fmt is Format.HTML:
        try:
            page = html_to_text(text)
        except ValueError as exc:
            yield SeedReject(source=rel, reason="parse", detail=str(exc))
            return
        yield RawSeed(id=rel, source=rel, where=rel, text=page, kind=SeedKind.HTML)
    elif fmt is Format.CODE:
        yield RawSeed(id=rel, source=rel, where=rel, text=text, kind=SeedKind.CODE, language=language)
    else:
        yield RawSeed(id=rel, source=rel, where=rel, text=text, kind=SeedKind.TEXT)


def _doc(raw: RawSeed, text: str, seed_id: str, chunk: int, n_chunks: int) -> SeedDoc:
    return SeedDoc(
        id=seed_id,
        text=text,
        source=raw.source,
        sha256=sha256_text(text),
        kind=raw.kind,
        language=raw.language,
        chunk=chunk,
        n_chunks=n_chunks,
    )


def to_docs(raw: RawSeed, config: SeedConfig) -> Iterator[SeedDoc | SeedReject]:
    """Validate one whole document and split it into chunks (``max_seed_chars`` caps what is kept)."""
    text = raw.text
    stripped = len(text.strip())
    if stripped == 0:
        yield SeedReject(source=raw.where, reason="empty", detail="no text, or whitespace only")
        return
    if stripped < config.min_chars:
        yield SeedReject(
            source=raw.where,
            reason="empty",
            detail=f"only {stripped} non-blank characters (min_chars={config.min_chars})",
        )
        return
    if raw.kind == SeedKind.API:
        # An API description is parsed as a whole (JSON / OpenAPI): a character chunk of it is not valid JSON.
        if len(text) > config.max_seed_chars:
            yield SeedReject(source=raw.where, reason="too_large",
                             detail=f"API description has {len(text):,} characters (max_seed_chars="
                                    f"{config.max_seed_chars:,}); it is never cut, so it was not loaded")
            return
        yield _doc(raw, text, raw.id, 0, 1)
        return
    header = raw.header or ""
    if len(header) * 2 > config.chunk_chars:
        header = ""  # a header this long is not worth repeating
    body = text[len(header) :]
    max_chars = config.chunk_chars - len(header)
    overlap = 0 if header else config.chunk_overlap  # repeated table rows add nothing
    spans, cut = plan_chunks(
        body, max_chars, overlap, raw.kind, limit=max(1, config.max_seed_chars - len(header))
    )
    if len(spans) == 1:
        yield _doc(raw, header + body[:cut], raw.id, 0, 1)
    else:
        for i, (start, end) in enumerate(spans):
            yield _doc(raw, header + body[start:end], f"{raw.id}@{i}", i, len(spans))
    if cut < len(body):
        yield SeedReject(
            source=raw.where,
            reason="too_large",
            detail=(
                f"document has {len(text):,} characters; only the first {len(header) + cut:,} were kept "
                f"({len(spans)} chunk(s), max_seed_chars={config.max_seed_chars:,})"
            ),
        )


def _check_root(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise SeedError(f"seed path must be a str or path, got {type(path).__name__}")
    if str(path) == "":
        raise SeedError("seed path is empty")
    root = Path(path)
    if not root.exists():
        kind = "a dangling symlink" if root.is_symlink() else "does not exist"
        raise SeedError(f"seed path {str(path)!r} {kind}")
    return root


def _iter(root: Path, config: SeedConfig) -> Iterator[SeedDoc | SeedReject]:
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for found in walk(root, config.include_hidden):
        if isinstance(found, SeedReject):
            items: Iterator[RawSeed | SeedReject] = iter([found])
        elif found.dataset:
            items = read_hf_dataset(found.path, found.rel, config)
        else:
            items = _read_file(found, config)
        for item in items:
            outputs = iter([item]) if isinstance(item, SeedReject) else to_docs(item, config)
            for out in outputs:
                if isinstance(out, SeedReject):
                    reasons[out.reason] += 1
                    logger.debug("seed rejected: %s (%s: %s)", out.source, out.reason, out.detail)
                else:
                    kinds[out.kind.value] += 1
                yield out
    logger.log(
        logging.WARNING if reasons else logging.INFO,
        "loaded %d seeds from %s %s; %d rejects %s",
        sum(kinds.values()), root, dict(kinds), sum(reasons.values()), dict(reasons),
    )  # fmt: skip


def iter_seeds(path: str | Path, config: SeedConfig | None = None) -> Iterator[SeedDoc | SeedReject]:
    """Stream the seeds under ``path`` (a file, a directory, or a saved Hugging Face dataset) in a
    deterministic order: directory entries sorted by name, a document's chunks in order.

    Yields a :class:`SeedDoc` per document or chunk and a :class:`SeedReject` per input that could not be
    used (see :data:`REJECT_REASONS`); never stops at a bad input. Raises :class:`SeedError` at once (not on
    first iteration) if ``path`` does not exist.
    """
    root = _check_root(path)
    return _iter(root, config if config is not None else SeedConfig())


def load_seeds(path: str | Path, config: SeedConfig | None = None) -> SeedLoadResult:
    """Load every seed under ``path`` into memory: :func:`iter_seeds`, collected."""
    result = SeedLoadResult()
    for item in iter_seeds(path, config):
        (result.rejects if isinstance(item, SeedReject) else result.seeds).append(item)
    if not result.seeds:
        logger.warning("no seeds found under %s (%d rejects)", path, len(result.rejects))
    return result
