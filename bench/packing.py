"""Packing benchmark: training tokens/s with and without packing, and packing efficiency at 8192.

Prints ``name=value`` lines; the last is ``packing_efficiency=`` (share of non-pad tokens when the length
mix below is packed to 8192 with TRL's best-fit-decreasing packer, the one ``SFTTrainer`` runs).

The throughput part trains a tiny random Llama on CPU with TRL's own collator, once on packed rows
(padding-free, per-document attention) and once on padded batches of the same documents, and divides the
real (non-pad) tokens by the wall time. Lengths there are the mix scaled down by ``--scale`` so a CPU
finishes in about a minute; the ratio is what carries over, not the absolute numbers.

Usage: python bench/packing.py [--docs 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import random
import time

# Record length mix (tokens of a rendered conversation) by AgentInstruct skill family: an assumption
# written down, with the share of records, median length and log-normal spread of each family.
LENGTH_MIX: list[tuple[str, float, int, float]] = [
    ("short_qa_and_puzzles", 0.20, 450, 0.6),
    ("reading_comprehension", 0.30, 2400, 0.45),
    ("text_modification", 0.15, 1500, 0.5),
    ("code_and_tool_use", 0.15, 3000, 0.6),
    ("long_form_and_summaries", 0.20, 5500, 0.35),
]
MAX_LENGTH = 8192


def sample_lengths(n: int, rng: random.Random) -> list[int]:
    """``n`` record lengths drawn from :data:`LENGTH_MIX`."""
    shares = [share for _, share, _, _ in LENGTH_MIX]
    out = []
    for _name, _share, median, sigma in rng.choices(LENGTH_MIX, weights=shares, k=n):
        out.append(max(16, round(rng.lognormvariate(math.log(median), sigma))))
    return out


def tiny_model(vocab: int):
    """A 2-layer, 256-wide random Llama: fast enough on CPU, same attention code paths as a real one."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=256,
        intermediate_size=768,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_LENGTH,
    )
    return LlamaForCausalLM(config)


def tokens_per_second(model, batches: list[dict]) -> float:
    """Real (non-pad) tokens per second of forward + backward + AdamW step, in steady state.

    The batches run twice and only the second pass is timed: eager CPU kernels pay a one-off cost the
    first time they meet a shape, which a long training run amortises.
    """
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    real, elapsed = 0, 0.0
    for timed in (False, True):
        for batch in batches:
            start = time.perf_counter()
            model(**batch, use_cache=False).loss.backward()  # as SFTTrainer calls it
            opt.step()
            opt.zero_grad(set_to_none=True)
            if timed:
                elapsed += time.perf_counter() - start
                mask = batch.get("attention_mask")
                real += int(mask.sum()) if mask is not None else batch["input_ids"].numel()
    return real / elapsed


def throughput(
    lengths: list[int], max_length: int, rows_per_batch: int, rng: random.Random
) -> dict[str, float]:
    """tokens/s of packed (bfd, padding-free) and padded training on the same documents."""
    import torch
    from datasets import Dataset
    from trl.data_utils import pack_dataset
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    vocab = 8192
    docs = [[rng.randrange(3, vocab) for _ in range(min(n, max_length))] for n in lengths]
    packed = pack_dataset(Dataset.from_dict({"input_ids": docs}), max_length, "bfd")
    rows = [{"input_ids": r["input_ids"], "seq_lengths": r["seq_lengths"]} for r in packed]
    packed_collate = DataCollatorForLanguageModeling(pad_token_id=0, padding_free=True)
    packed_batches = [
        packed_collate(rows[i : i + rows_per_batch]) for i in range(0, len(rows), rows_per_batch)
    ]
    packed_batches = [{k: b[k] for k in ("input_ids", "labels", "position_ids")} for b in packed_batches]

    # Without packing: batches of documents padded to their longest, about the same tokens per batch.
    docs_per_batch = max(1, round(rows_per_batch * max_length / (sum(lengths) / len(lengths))))
    order = list(range(len(docs)))
    rng.shuffle(order)
    padded_collate = DataCollatorForLanguageModeling(pad_token_id=0)
    padded_batches = []
    for i in range(0, len(order), docs_per_batch):
        b = padded_collate([{"input_ids": docs[j]} for j in order[i : i + docs_per_batch]])
        padded_batches.append({k: b[k] for k in ("input_ids", "labels", "attention_mask")})

    torch.set_num_threads(max(1, torch.get_num_threads()))
    padded_slots = sum(b["input_ids"].numel() for b in padded_batches)
    return {
        "docs_per_padded_batch": docs_per_batch,
        "padded_nonpad_share": sum(len(d) for d in docs) / padded_slots,
        "tokens_per_s_unpacked": tokens_per_second(tiny_model(vocab), padded_batches),
        "tokens_per_s_packed": tokens_per_second(tiny_model(vocab), packed_batches),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=4000, help="records in the packing-efficiency mix")
    parser.add_argument("--throughput-docs", type=int, default=64, help="records in the throughput run")
    parser.add_argument(
        "--scale", type=int, default=8, help="divide lengths by this for the CPU throughput run"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import datasets

    datasets.disable_progress_bars()
    from sft.packing import pack_lengths

    rng = random.Random(args.seed)
    small = [max(8, n // args.scale) for n in sample_lengths(args.throughput_docs, rng)]
    speed = throughput(small, MAX_LENGTH // args.scale, rows_per_batch=1, rng=rng)
    print(f"throughput_max_length={MAX_LENGTH // args.scale}")
    print("attn_implementation=sdpa")  # CPU: a dense block-diagonal mask per packed row, not per document
    for key, value in speed.items():
        print(f"{key}={value:.4g}")
    print(f"packing_speedup={speed['tokens_per_s_packed'] / speed['tokens_per_s_unpacked']:.3g}")

    lengths = sample_lengths(args.docs, rng)
    result = pack_lengths(lengths, MAX_LENGTH, "bfd")
    print(f"mix_docs={len(lengths)}")
    print(f"mix_mean_tokens={sum(lengths) / len(lengths):.1f}")
    print(f"packed_rows={result.rows}")
    print(f"truncated_token_share={result.truncated_share:.4f}")
    print(f"packing_efficiency={result.efficiency:.4f}")


if __name__ == "__main__":
    main()
