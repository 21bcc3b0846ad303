"""Measuring a dataset and a model for the ``--dry-run`` estimate."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path

from sft.deps import require
from sft.packing import pack_lengths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataMeasure:
    """Size of a dataset and the token lengths of a sample of its rendered conversations."""

    num_examples: int
    mean_tokens: float
    packing_efficiency: float
    sample_size: int
    tokens_from: str  # "tokenizer" or "chars/<chars_per_token>"


def count_params(model_dir: Path) -> int:
    """Parameter count of a model directory, built on the meta device (no weights are read)."""
    torch = require("torch")
    transformers = require("transformers")
    config = transformers.AutoConfig.from_pretrained(str(model_dir))
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(config)
    return sum(p.numel() for p in model.parameters())


def conversation_lengths(
    conversations: list[list[dict[str, str]]], tokenizer, chars_per_token: float
) -> list[int]:
    """Token counts of conversations: rendered and tokenized when a tokenizer is given, else chars / ratio."""
    if tokenizer is not None:
        return [
            len(tokenizer.apply_chat_template(c, tokenize=True, return_dict=True)["input_ids"])
            for c in conversations
        ]
    # No tokenizer: approximate with the text plus a few tokens of role markup per turn.
    return [
        max(1, round(sum(len(m["content"]) for m in c) / chars_per_token) + 4 * len(c)) for c in conversations
    ]


def measure_dataset(
    dataset, max_length: int, strategy: str, tokenizer=None, chars_per_token: float = 4.0, sample: int = 2000
) -> DataMeasure:
    """Count rows, and measure mean length and packing efficiency on a seeded sample of up to ``sample`` rows."""
    n = len(dataset)
    idx = sorted(random.Random(0).sample(range(n), min(sample, n)))
    conversations = dataset.select(idx)["messages"]
    lengths = conversation_lengths(conversations, tokenizer, chars_per_token)
    packed = pack_lengths(lengths, max_length, strategy)
    source = "tokenizer" if tokenizer is not None else f"chars/{chars_per_token:g}"
    logger.info(
        "measured %d of %d rows: mean %.1f tokens (%s)", len(idx), n, sum(lengths) / len(lengths), source
    )
    return DataMeasure(n, sum(lengths) / len(lengths), packed.efficiency, len(idx), source)
