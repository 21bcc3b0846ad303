"""Shared by the multiple-choice benchmarks: option labels, the zero-shot prompt, the item builder."""

from __future__ import annotations

from typing import Any

from eval.benchmarks.base import BenchItem
from eval.benchmarks.files import BenchmarkFileError

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

MCQ_INSTRUCTION = 'Answer with the letter of the correct option. End your answer with "The answer is (X)".'


def letter(answer: Any, n_choices: int, where: str) -> str:
    """The option letter of ``answer``: a letter, a 0-based index, or a digit label ``"1"``..``"n"``."""
    if isinstance(answer, bool):
        raise BenchmarkFileError(f"{where}: answer {answer!r} is not an option")
    if isinstance(answer, int) and 0 <= answer < n_choices:
        return LETTERS[answer]
    text = str(answer).strip().strip("()").upper()
    if len(text) == 1 and text in LETTERS[:n_choices]:
        return text
    if text.isdigit() and 1 <= int(text) <= n_choices:
        return LETTERS[int(text) - 1]
    raise BenchmarkFileError(f"{where}: answer {answer!r} is not one of {n_choices} options")


def mcq_item(
    id: str, question: str, choices: list[str], answer: str, category: str, **metadata: Any
) -> BenchItem:
    """A multiple-choice item whose reference is an option letter (or letters, e.g. ``"AC"``)."""
    return BenchItem(id=id, prompt=question.strip(), choices=[str(c).strip() for c in choices],
                     reference=answer, category=category, metadata=metadata)


def render_mcq(item: BenchItem) -> list[str]:
    """Question, the options as ``(A) text`` lines, and the answer instruction."""
    options = "\n".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(item.choices))
    return [f"{item.prompt}\n\n{options}\n\n{MCQ_INSTRUCTION}"]
