"""Resolving ``--model``: a local model directory, or ``embedded`` for the dequantised SmolLM2."""

from __future__ import annotations

from pathlib import Path

EMBEDDED = "embedded"


def resolve_model_path(model: str | None) -> Path:
    """A local directory holding ``config.json``; ``embedded`` converts (or reuses) the SmolLM2 GGUF.

    Nothing is downloaded: a hub id is refused with a hint.
    """
    if model is None:
        raise ValueError(
            "no model: give --model DIR (or model.path in the config; 'embedded' for SmolLM2-135M)"
        )
    if model == EMBEDDED:
        from sft.gguf import convert_gguf

        return convert_gguf()
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path}: not a local model directory (no config.json). Models are never downloaded at run time; "
            "save one with save_pretrained, or use --model embedded"
        )
    return path
