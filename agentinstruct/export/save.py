"""Writing a ``DatasetDict``: ``save_to_disk``, Hub-style parquet shards, and ``push_to_hub``."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

from datasets import DatasetDict

log = logging.getLogger(__name__)

MAX_ROWS_PER_SHARD = 100_000


def save_disk(dataset: DatasetDict, out: Path) -> None:
    """``DatasetDict.save_to_disk(out)``; reload with ``datasets.load_from_disk(out)``."""
    dataset.save_to_disk(str(out))
    log.info("saved %d splits to %s (save_to_disk)", len(dataset), out)


def save_parquet(dataset: DatasetDict, out: Path, *, max_rows: int = MAX_ROWS_PER_SHARD) -> dict[str, str]:
    """Write ``out/data/<split>-<i>-of-<n>.parquet`` (the Hub's layout); returns {split: file glob}.

    ``datasets.load_dataset(str(out))`` reads it back through the card's ``configs`` (or
    ``load_dataset("parquet", data_files=...)`` with the returned globs).
    """
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    globs = {}
    for split, part in dataset.items():
        shards = max(1, math.ceil(len(part) / max_rows))
        for i in range(shards):
            piece = part.shard(shards, i, contiguous=True) if shards > 1 else part
            piece.to_parquet(str(data / f"{split}-{i:05d}-of-{shards:05d}.parquet"))
        globs[split] = f"data/{split}-*"
    log.info("wrote %d splits as parquet under %s", len(dataset), data)
    return globs


def push_to_hub(dataset: DatasetDict, repo_id: str, *, token_env: str = "HF_TOKEN", private: bool = True,
                card_dir: Path | None = None) -> None:
    """``DatasetDict.push_to_hub(repo_id)``, then the card (README.md, plots/) from ``card_dir`` if given.

    The token is read from the environment variable ``token_env``; when it is unset the Hub client's own
    login (``hf auth login``) is used. The token is never logged.
    """
    token = os.environ.get(token_env) or None
    if token is None:
        log.info("%s is not set: pushing with the Hub client's saved login", token_env)
    dataset.push_to_hub(repo_id, token=token, private=private)
    if card_dir is not None:
        from huggingface_hub import HfApi

        HfApi(token=token).upload_folder(repo_id=repo_id, repo_type="dataset", folder_path=str(card_dir),
                                         allow_patterns=["README.md", "plots/*.png"],
                                         commit_message="Dataset card and plots")
    log.info("pushed %d splits to the Hub dataset %s", len(dataset), repo_id)
