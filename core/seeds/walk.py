"""Find seed inputs under a root: files, and Hugging Face datasets saved with ``save_to_disk``.

Directories are walked depth first with entries sorted by name, so the order is the same on every run.
Hidden entries (names starting with ``.``) and ``__pycache__`` are skipped unless ``include_hidden`` is set;
each skip is reported (reason ``hidden``, one per hidden file or directory, not per file inside one). A
symlink is followed only if its target lies inside the root and, for a directory, is not one of the
directories it lies in; otherwise it is reported (``symlink_escape`` / ``symlink_loop``), as is a dangling
symlink or an entry that is neither a file nor a directory (``unreadable``). A symlink to a file the walk
loads under its own name is a ``duplicate``. A directory holding ``state.json`` and ``dataset_info.json`` is
a saved ``Dataset`` and is not descended into; in a saved ``DatasetDict`` (``dataset_dict.json``) each split
directory is one. Names that are not UTF-8 are shown with ``\\xNN`` escapes (``display_name``).
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.seeds.models import SeedReject

logger = logging.getLogger(__name__)

_ALWAYS_HIDDEN = frozenset({"__pycache__"})


@dataclass(frozen=True)
class Found:
    """A seed input: ``path`` to read, ``rel`` its posix path relative to the root, ``dataset`` if a saved
    Hugging Face dataset directory rather than a file."""

    path: Path
    rel: str
    dataset: bool = False


def is_saved_dataset(path: Path) -> bool:
    """Whether ``path`` is a directory written by ``datasets.Dataset.save_to_disk``."""
    return (path / "state.json").is_file() and (path / "dataset_info.json").is_file()


def display_name(name: str) -> str:
    """A file name as the ids and rejects show it: bytes that are not UTF-8 (which Python decodes to lone
    surrogates) written as ``\\xNN``, so every id and reject can be written and logged."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name in _ALWAYS_HIDDEN


def walk(root: Path, include_hidden: bool) -> Iterator[Found | SeedReject]:
    """Every seed input under ``root`` (an existing file or directory), and every entry that was refused."""
    root_real = Path(os.path.realpath(root))
    name = display_name(os.path.basename(os.path.abspath(root)))
    if not root_real.is_dir():
        if root_real.is_file():
            yield Found(root, name)
        else:
            yield SeedReject(source=name, reason="unreadable", detail="not a regular file or directory")
        return
    if is_saved_dataset(root_real):
        yield Found(root, name, dataset=True)
        return
    yield from _walk_dir(root, "", root_real, (root_real,), include_hidden)


def _symlink_problem(path: Path, rel: str, root_real: Path, ancestors: tuple[Path, ...]) -> SeedReject | None:
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return SeedReject(source=rel, reason="symlink_loop", detail=f"symlink loops: {exc.strerror}")
        return SeedReject(
            source=rel,
            reason="unreadable",
            detail=f"dangling symlink to {os.readlink(path)!r}: {exc.strerror}",
        )
    if not target.is_relative_to(root_real):
        return SeedReject(
            source=rel, reason="symlink_escape", detail=f"symlink points outside the root, to {target}"
        )
    if target in ancestors:
        return SeedReject(
            source=rel, reason="symlink_loop", detail=f"symlink points at an enclosing directory, {target}"
        )
    return None


def _linked_file(path: Path, rel: str, root_real: Path, include_hidden: bool) -> SeedReject | None:
    """A symlink to a file the walk loads under its own name anyway: a ``duplicate``, so the file is read once
    and under its real name (a hard link, or a file reached through a linked directory, is caught by the
    loader's device-and-inode check)."""
    target = Path(os.path.realpath(path))
    if not target.is_file():
        return None
    inside = target.relative_to(root_real).parts
    if not include_hidden and any(_is_hidden(part) for part in inside):
        return None  # the target itself is skipped: the link is the only way in
    return SeedReject(source=rel, reason="duplicate",
                      detail=f"a symlink to {'/'.join(inside)}, which is loaded under its own name")


def _walk_dir(
    directory: Path, prefix: str, root_real: Path, ancestors: tuple[Path, ...], include_hidden: bool
) -> Iterator[Found | SeedReject]:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield SeedReject(source=prefix.rstrip("/") or ".", reason="unreadable", detail=f"cannot list: {exc}")
        return
    in_dataset_dict = any(e.name == "dataset_dict.json" for e in entries)
    for entry in entries:
        rel = prefix + display_name(entry.name)
        if _is_hidden(entry.name) and not include_hidden:
            yield SeedReject(source=rel, reason="hidden",
                             detail="a hidden entry, not loaded (set seeds.include_hidden to load it)")
            continue
        path = directory / entry.name  # the same path as Path(entry.path), without parsing it all again
        if entry.is_symlink():
            problem = _symlink_problem(path, rel, root_real, ancestors) or _linked_file(path, rel, root_real,
                                                                                         include_hidden)
            if problem is not None:
                yield problem
                continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as exc:
            yield SeedReject(source=rel, reason="unreadable", detail=f"cannot stat: {exc}")
            continue
        if is_dir:
            if is_saved_dataset(path):
                yield Found(path, rel, dataset=True)
            else:
                real = Path(os.path.realpath(path))
                yield from _walk_dir(path, rel + "/", root_real, (*ancestors, real), include_hidden)
        elif is_file:
            if in_dataset_dict and entry.name == "dataset_dict.json":
                continue  # the DatasetDict's index of splits; the splits themselves are datasets
            yield Found(path, rel)
        else:
            yield SeedReject(source=rel, reason="unreadable", detail="not a regular file or directory")
