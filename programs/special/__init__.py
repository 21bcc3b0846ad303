"""Programs for the few skills whose control flow differs from the generic one, by name."""

from __future__ import annotations

SPECIAL_PROGRAMS: dict[str, type] = {}
