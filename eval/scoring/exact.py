"""Exact-match comparers: option letters, numbers (commas, ``$``, trailing ``.0``), short text answers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from eval.benchmarks.base import BenchItem


def normalize_number(text: str) -> str | None:
    """``"$1,234.50"`` -> ``"1234.5"``, ``"42.0"`` -> ``"42"``; ``None`` when ``text`` is not a number."""
    s = text.strip().replace(",", "").replace("$", "").strip()
    s = s.rstrip(".") if s.count(".") > 1 or s.endswith(".") else s
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def exact_number(extracted: str, item: BenchItem) -> float:
    """1.0 when the extracted number equals the reference number after normalisation."""
    got, want = normalize_number(extracted), normalize_number(str(item.reference or ""))
    if got is None or want is None:
        return 1.0 if extracted.strip() == str(item.reference or "").strip() else 0.0
    return 1.0 if got == want else 0.0


def option_set(text: str) -> frozenset[str]:
    """The option letters in ``"B"``, ``"(B)"``, ``"BC"``, ``"B, C"`` or ``"[B,C]"``."""
    cleaned = re.sub(r"[\s()\[\],;'\"]|and", "", text.strip())
    return frozenset(cleaned.upper()) if re.fullmatch(r"[A-Za-z]+", cleaned or "-") else frozenset()


def exact_choice(extracted: str, item: BenchItem) -> float:
    """1.0 when the chosen option letters are exactly the reference's."""
    want = option_set(str(item.reference or ""))
    return 1.0 if want and option_set(extracted) == want else 0.0


def normalize_text(text: str) -> str:
    """Lower-case, collapse whitespace, drop surrounding parentheses of a lone option label and a final stop."""
    s = " ".join(text.strip().split()).lower().rstrip(".").strip()
    m = re.fullmatch(r"\(([a-z])\)", s)
    return m.group(1) if m else s


def exact_text(extracted: str, item: BenchItem) -> float:
    """1.0 when the answer equals the reference (numbers compared numerically, text after normalisation)."""
    ref = str(item.reference or "")
    got, want = normalize_number(extracted), normalize_number(ref)
    if got is not None and want is not None:
        return 1.0 if got == want else 0.0
    return 1.0 if normalize_text(extracted) == normalize_text(ref) else 0.0
