"""Turn raw bytes into seed text, or say precisely why they are not text.

A file is ``binary`` if it starts with a known binary signature or holds a NUL byte anywhere, ``decode`` if
it is not valid UTF-8 (UTF-16/32 files are named as such). A UTF-8 byte order mark is dropped and line
endings are normalised to ``\\n`` so that ids and hashes do not depend on how a file was checked out.
"""

from __future__ import annotations

import codecs
import errno
import os
from collections.abc import Callable
from pathlib import Path
from stat import S_ISDIR

from core.seeds.models import SeedReject

# Signatures of common binary formats that a seed folder may hold by accident.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive (zip/docx/xlsx/jar/wheel)"),
    (b"PK\x05\x06", "ZIP archive (empty)"),
    (b"\x1f\x8b", "gzip data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"\x7fELF", "ELF executable"),
    (b"\xca\xfe\xba\xbe", "Java class / Mach-O fat binary"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"PAR1", "Parquet file"),
    (b"ARROW1", "Arrow file"),
    (b"\x00asm", "WebAssembly module"),
    (b"\x93NUMPY", "NumPy array"),
    (b"wOFF", "WOFF font"),
    (b"wOF2", "WOFF2 font"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


_MAGIC_BY_FIRST: dict[int, tuple[tuple[bytes, str], ...]] = {
    first: tuple(m for m in _MAGIC if m[0][0] == first) for first in {magic[0] for magic, _ in _MAGIC}
}
"""``_MAGIC`` by first byte, in ``_MAGIC``'s order: only the signatures that can match are tried."""


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` is binary (a human-readable detail), or ``None`` if it may be text."""
    for magic, name in _MAGIC_BY_FIRST.get(data[0], ()) if data else ():
        if data.startswith(magic):
            return f"starts with the signature of a {name}"
    if data.startswith(b"BZh") and data[4:10] == b"1AY&SY":
        return "starts with the signature of a bzip2 archive"
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"NUL byte at offset {nul}"
    return None


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, source: str) -> str | SeedReject:
    """UTF-8 text of ``data`` (BOM dropped, newlines normalised), or a ``binary`` / ``decode`` reject."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return SeedReject(
                source=source, reason="decode", detail=f"{name} byte order mark; re-encode the file as UTF-8"
            )
    problem = binary_reason(data)
    if problem is not None:
        return SeedReject(source=source, reason="binary", detail=problem)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return SeedReject(
            source=source, reason="decode", detail=f"invalid UTF-8 at byte {exc.start}: {exc.reason}"
        )
    return normalize_newlines(text)


def check_string(text: str, source: str) -> str | SeedReject:
    """Validate a string that did not come from bytes (a JSON or dataset field): NULs, lone surrogates."""
    nul = text.find("\x00")
    if nul >= 0:
        return SeedReject(source=source, reason="binary", detail=f"NUL character at offset {nul}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return SeedReject(
            source=source,
            reason="decode",
            detail=f"not encodable as UTF-8 at offset {exc.start}: {exc.reason}",
        )
    return normalize_newlines(text)


def _read_up_to(fd: int, n: int) -> bytes:
    """Up to ``n`` bytes from ``fd``: fewer only at end of file (as a buffered ``read(n)`` returns)."""
    parts = []
    while n > 0:
        part = os.read(fd, n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_limited(path: Path, max_bytes: int, source: str,
                 check: Callable[[os.stat_result], SeedReject | None] | None = None) -> bytes | SeedReject:
    """The bytes of a regular file, or a ``too_large`` / ``unreadable`` reject. Never reads past the limit.

    ``check``, when given, is called with the open file's ``fstat`` before anything is read; a reject it
    returns is returned instead (the loader's check for a file met before under another name, done on the
    stat the size comes from rather than with a ``stat`` of its own).

    The file is read through its descriptor (``os.open``, one ``fstat``, ``os.read``): the same bytes and
    errors as ``open(path, "rb")`` (a directory is an ``IsADirectoryError``), without the buffered file
    object's own ``fstat``, ``ioctl`` and ``lseek`` for every seed.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        return SeedReject(source=source, reason="unreadable", detail=f"{type(exc).__name__}: {exc}")
    try:
        stat = os.fstat(fd)
        if S_ISDIR(stat.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if check is not None and (refused := check(stat)) is not None:
            return refused
        size = stat.st_size
        if size > max_bytes:
            return SeedReject(
                source=source, reason="too_large", detail=f"{size:,} bytes > max_file_bytes={max_bytes:,}"
            )
        # One byte past the size the file has (a read of ``max_bytes + 1`` would allocate that much for a
        # one-line file); a file that grew meanwhile is read on, up to the same limit as before.
        data = _read_up_to(fd, size + 1)
        if len(data) > size:
            data += _read_up_to(fd, max_bytes + 1 - len(data))
    except OSError as exc:
        return SeedReject(source=source, reason="unreadable", detail=f"{type(exc).__name__}: {exc}")
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return SeedReject(
            source=source, reason="too_large", detail=f"grew past max_file_bytes={max_bytes:,} while read"
        )
    return data
