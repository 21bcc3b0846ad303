"""The microsoft/orca-agentinstruct-1M-v1 layout: which split each of our skills goes to.

That dataset has one split per skill category and a single column, ``messages``: a JSON-encoded string of
``[{"role", "content"}, ...]`` whose first turn is a system turn (often with empty content). Its 15 splits
and the paper's skills (Appendix A) they hold:

==============================  ==========================  ==================================================
our skill                       orca split                  note
==============================  ==========================  ==================================================
reading_comprehension           rc
open_domain_question_answering  open_domain_qa              also ``open_domain_qa``
text_modification               text_modification
brain_teaser                    brain_teaser
analytical_reasoning            analytical_reasoning
multiple_choice_questions       mcq                         also ``mcq``, ``multiple_choice``
data_to_text                    struct2text_flow            also ``struct2text``
fermi                           fermi
coding                          code_                       also ``code``; the trailing underscore is theirs
text_extraction                 text_extraction
text_classification             text_classification
retrieval_augmented_generation  rag                         also ``rag``
creative_content_generation     creative_content            also ``creative_content``, ``creative_writing``
few_shot_reasoning              fs_cot_flow                 also ``few_shot_cot``, ``few_shot``
conversation                    follow_up                   multi-turn follow-up conversations
tool_use                        tool_use                    no counterpart in the 1M release: own split
web_agent                       web_agent                   no counterpart in the 1M release: own split
==============================  ==========================  ==================================================

A skill not listed (say, a new YAML skill) keeps its own name as its split, with a warning.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

ORCA_SPLITS = (
    "creative_content", "text_modification", "struct2text_flow", "rc", "rag", "text_classification", "mcq",
    "follow_up", "analytical_reasoning", "fermi", "fs_cot_flow", "code_", "brain_teaser", "text_extraction",
    "open_domain_qa",
)
"""The splits of microsoft/orca-agentinstruct-1M-v1."""

SKILL_TO_ORCA_SPLIT: dict[str, str] = {
    "reading_comprehension": "rc",
    "open_domain_question_answering": "open_domain_qa",
    "open_domain_qa": "open_domain_qa",
    "text_modification": "text_modification",
    "brain_teaser": "brain_teaser",
    "analytical_reasoning": "analytical_reasoning",
    "multiple_choice_questions": "mcq",
    "multiple_choice": "mcq",
    "mcq": "mcq",
    "data_to_text": "struct2text_flow",
    "struct2text": "struct2text_flow",
    "fermi": "fermi",
    "coding": "code_",
    "code": "code_",
    "text_extraction": "text_extraction",
    "text_classification": "text_classification",
    "retrieval_augmented_generation": "rag",
    "rag": "rag",
    "creative_content_generation": "creative_content",
    "creative_content": "creative_content",
    "creative_writing": "creative_content",
    "few_shot_reasoning": "fs_cot_flow",
    "few_shot_cot": "fs_cot_flow",
    "few_shot": "fs_cot_flow",
    "conversation": "follow_up",
    "tool_use": "tool_use",
    "web_agent": "web_agent",
}

_SPLIT_NAME = re.compile(r"^\w+(\.\w+)*$")
_warned: set[str] = set()


def check_split_name(name: str) -> str:
    """``name`` if it is a valid ``datasets`` split name, else a ValueError naming it."""
    if not _SPLIT_NAME.match(name):
        raise ValueError(f"{name!r} is not a valid dataset split name (letters, digits, _ and dots)")
    return name


def orca_split(skill: str) -> str:
    """The orca-agentinstruct split for one of our skills (its own name when it has no counterpart)."""
    split = SKILL_TO_ORCA_SPLIT.get(skill)
    if split is None:
        split = check_split_name(skill)
        if skill not in _warned:
            _warned.add(skill)
            log.warning("skill %r has no orca-agentinstruct split: exported as its own split", skill)
    return split
