"""Seed loading: raw documents (text, code, HTML pages, API descriptions, tables) in, validated chunks out.

>>> from core.seeds import load_seeds
>>> result = load_seeds("examples/seeds")          # doctest: +SKIP
>>> result.seeds[0].id, result.reject_counts()     # doctest: +SKIP

Inputs: plain files (kind from the extension: code, ``.html``, ``.json`` API descriptions / tables /
records, ``.csv``/``.tsv`` tables, anything else that is UTF-8 text), directories (recursive), JSONL files and
Hugging Face datasets saved with ``save_to_disk``. Every input that cannot be used becomes a
:class:`SeedReject` with a reason code from :data:`REJECT_REASONS`; see the submodules for the rules.
"""

from core.seeds.chunking import chunk_text
from core.seeds.loader import iter_seeds, load_seeds
from core.seeds.models import (
    REJECT_REASONS,
    SeedConfig,
    SeedDoc,
    SeedError,
    SeedKind,
    SeedLoadResult,
    SeedReject,
    sha256_text,
)

__all__ = [
    "REJECT_REASONS",
    "SeedConfig",
    "SeedDoc",
    "SeedError",
    "SeedKind",
    "SeedLoadResult",
    "SeedReject",
    "chunk_text",
    "iter_seeds",
    "load_seeds",
    "sha256_text",
]
