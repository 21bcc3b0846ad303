"""Supervised fine-tuning (SFT) and preference optimisation (DPO) on AgentInstruct records.

The package wraps TRL's ``SFTTrainer`` and ``DPOTrainer``. It reads the record shards a generation run
writes (``RUN_DIR/data/*.jsonl``), saved Hugging Face datasets, or JSONL files, and ships the paper's
training recipe (Orca-3, section 3.2) plus accelerate + DeepSpeed ZeRO-3 configs as package data.

``sft`` never imports DSPy, and imports torch / transformers / TRL lazily, so ``import sft`` and the
``--dry-run`` estimate work without the ``[sft]`` extra.
"""

from sft.config import DPORunConfig, SFTRunConfig, load_dpo_config, load_sft_config

__all__ = ["DPORunConfig", "SFTRunConfig", "load_dpo_config", "load_sft_config"]
