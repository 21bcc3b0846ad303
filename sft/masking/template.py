"""Choosing a chat template whose ``{% generation %}`` markers tell TRL which tokens are the assistant's.

TRL's ``assistant_only_loss`` labels exactly the tokens a template wraps in ``{% generation %}``. Many
templates (SmolLM2's among them) have no markers. We ship training templates that render the same text
as such a model's template but with markers; ``auto`` proves the match by rendering probe conversations
with both templates, so the model is trained on the format it sees at inference.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sft.deps import require
from sft.resources import resolve, shipped_dir, shipped_names

logger = logging.getLogger(__name__)

_MARKER = re.compile(r"\{%-?\s*(end)?generation\s*-?%\}")

PROBES: list[list[dict[str, str]]] = [
    [{"role": "user", "content": "Name a prime."}, {"role": "assistant", "content": "Seven."}],
    [
        {"role": "system", "content": "Answer tersely."},
        {"role": "user", "content": "First question?"},
        {"role": "assistant", "content": "First answer."},
        {"role": "user", "content": "Second question?"},
        {"role": "assistant", "content": "Second answer."},
    ],
]


def has_generation_markers(template: str | None) -> bool:
    """Whether a template wraps anything in ``{% generation %}``."""
    return bool(template) and _MARKER.search(template) is not None


def _renders(tokenizer, template: str) -> list[str]:
    out = []
    for conv in PROBES:
        out.append(tokenizer.apply_chat_template(conv, chat_template=template, tokenize=False))
        out.append(
            tokenizer.apply_chat_template(
                conv[:-1], chat_template=template, tokenize=False, add_generation_prompt=True
            )
        )
    return out


def renders_like(tokenizer, template: str, reference: str) -> bool:
    """Whether two templates render the probe conversations to the same text."""
    return _renders(tokenizer, template) == _renders(tokenizer, reference)


def load_template(name_or_path: str | Path) -> str:
    """A shipped template by name (e.g. ``smollm2_chatml``) or a ``.jinja`` file's text."""
    return resolve("templates", name_or_path).read_text(encoding="utf-8").rstrip("\n")


def training_template(tokenizer, choice: str = "auto", *, model: str = "the model") -> str:
    """The chat template to train with, as text.

    ``choice``: ``auto`` (see module doc), ``model`` (the tokenizer's own, must have markers), or a
    shipped template name / ``.jinja`` path. A tokenizer without any chat template gets the shipped
    generic ``chatml`` under ``auto``.
    """
    own = tokenizer.chat_template
    if isinstance(own, dict):
        own = own.get("default")
    if choice == "model":
        if not has_generation_markers(own):
            raise ValueError(
                f"{model}: its chat template has no {{% generation %}} markers; use chat_template: auto"
            )
        return own
    if choice != "auto":
        return load_template(choice)
    if has_generation_markers(own):
        return own
    if not own:
        logger.warning("%s has no chat template; training with the shipped generic ChatML template", model)
        return load_template("chatml")
    for name in shipped_names("templates"):
        candidate = load_template(shipped_dir("templates") / f"{name}.jinja")
        if renders_like(tokenizer, candidate, own):
            logger.info("%s: training with shipped template %s (renders like the model's)", model, name)
            return candidate
    patched = _trl_training_template(tokenizer)
    if patched is not None:
        logger.info("%s: training with TRL's patched version of its chat template", model)
        return patched
    raise ValueError(
        f"{model}: its chat template has no {{% generation %}} markers and no shipped or TRL training template "
        "renders like it. Set model.chat_template to a .jinja file with markers, or training.loss: "
        "completion_only to train on prompt/completion pairs."
    )


def _trl_training_template(tokenizer) -> str | None:
    chat_template_utils = require("trl.chat_template_utils")
    try:
        return chat_template_utils.get_training_chat_template(tokenizer)
    except ValueError as exc:  # TRL raises ValueError for templates it cannot patch
        logger.info("TRL cannot patch this template: %s", exc)
        return None
