"""A tiny randomly initialised Llama that shares a real tokenizer: for smoke tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

from sft.deps import require


def make_tiny_model(
    tokenizer_dir: Path, out: Path, *, hidden: int = 64, layers: int = 2, seed: int = 0
) -> Path:
    """Save a ``hidden``-wide, ``layers``-deep Llama with ``tokenizer_dir``'s tokenizer under ``out``."""
    torch = require("torch")
    transformers = require("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(tokenizer_dir))
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = transformers.LlamaForCausalLM(config)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return Path(out)
