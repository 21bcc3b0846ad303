"""Files shipped inside the package: run configs, accelerate / DeepSpeed configs, chat templates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SUFFIXES = {"configs": (".yaml", ".yml", ".json"), "templates": (".jinja",)}


def shipped_dir(kind: str) -> Path:
    """The directory of shipped ``configs`` or ``templates``."""
    if kind not in _SUFFIXES:
        raise ValueError(f"unknown resource kind {kind!r}; expected one of {sorted(_SUFFIXES)}")
    return Path(str(resources.files("sft") / kind))


def shipped_names(kind: str) -> list[str]:
    """Names (file stems) of the shipped files of one kind."""
    return sorted(p.stem for p in shipped_dir(kind).iterdir() if p.suffix in _SUFFIXES[kind])


def resolve(kind: str, name_or_path: str | Path) -> Path:
    """A shipped file by name (with or without suffix), or an existing path on disk.

    A path that exists wins over a shipped name, so users can shadow a shipped file locally.
    """
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    base = shipped_dir(kind)
    for candidate in [base / str(name_or_path), *(base / f"{name_or_path}{s}" for s in _SUFFIXES[kind])]:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{name_or_path!r} is neither an existing file nor a shipped {kind[:-1]} "
        f"(shipped: {', '.join(shipped_names(kind))})"
    )
