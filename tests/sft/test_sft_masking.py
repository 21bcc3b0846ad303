"""Label masking you can trust: with packing on, only assistant turns carry labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from sft.config import SFTRunConfig
from sft.masking.labels import IGNORE, check_template_mask, labelled_spans, split_packed
from sft.masking.template import (
    PROBES,
    has_generation_markers,
    load_template,
    renders_like,
    training_template,
)

pytest.importorskip("trl")  # the [sft] extra

END = "<|im_end|>"


@pytest.fixture(scope="module")
def tokenizer(smollm2_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(smollm2_dir))


def test_smollm2_template_has_no_markers_and_the_shipped_twin_renders_identically(tokenizer) -> None:
    assert not has_generation_markers(tokenizer.chat_template)
    with pytest.raises(ValueError, match="no \\{% generation %\\} markers"):
        training_template(tokenizer, "model")
    chosen = training_template(tokenizer, "auto")
    assert chosen == load_template("smollm2_chatml")
    assert renders_like(tokenizer, chosen, tokenizer.chat_template)
    check_template_mask(tokenizer, chosen, PROBES)


def test_a_template_that_labels_the_prompt_is_caught(tokenizer) -> None:
    leaky = load_template("smollm2_chatml").replace(
        "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}",
        "{% generation %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
        "{% endgeneration %}",
    )
    assert leaky != load_template("smollm2_chatml")
    with pytest.raises(ValueError, match="labels"):
        check_template_mask(tokenizer, leaky, PROBES)


def _trainer(tiny_dir: Path, tmp_path: Path, dataset, **training):
    from sft.train_sft import build_sft_trainer

    cfg = SFTRunConfig.model_validate(
        {
            "model": {"path": str(tiny_dir)},
            "training": {
                "max_length": 256,
                "max_steps": 1,
                "precision": "fp32",
                "save_strategy": "no",
                **training,
            },
            "output_dir": str(tmp_path / "out"),
        }
    )
    trainer, _ = build_sft_trainer(cfg, dataset=dataset)
    return trainer


def test_packed_labels_cover_exactly_the_assistant_turns(tiny_dir: Path, tmp_path: Path, kit) -> None:
    from datasets import Dataset

    records = kit.make_records(24)
    by_tag = {
        r["messages"][1 if r["messages"][0]["role"] == "system" else 0]["content"].split(":")[0]: r
        for r in records
    }
    trainer = _trainer(tiny_dir, tmp_path, Dataset.from_list([{"messages": r["messages"]} for r in records]))
    tok = trainer.processing_class
    rows = list(trainer.train_dataset)
    assert len(rows) < len(records), "packing should put several records in one row"
    assert any(len(row["seq_lengths"]) > 2 for row in rows)

    seen = set()
    for row in rows:
        for doc in split_packed(row["input_ids"], row["labels"], row["seq_lengths"]):
            text = tok.decode(doc.input_ids)
            tag = next(t for t in by_tag if f"{t}:" in text)
            seen.add(tag)
            messages = by_tag[tag]["messages"]
            expected = [m["content"] + END for m in messages if m["role"] == "assistant"]
            assert labelled_spans(doc, tok) == expected, text
            for m in messages:
                if m["role"] != "assistant":  # no prompt token is labelled
                    assert m["content"] not in "".join(labelled_spans(doc, tok))
    assert seen == set(by_tag)  # every single- and multi-turn record was checked

    # The collator the trainer batches with keeps the same mask (it only adds the first token of each
    # document, which is a prompt token, to the ignored set).
    batch = trainer.data_collator(rows[:2])
    flat_labels = [x for row in rows[:2] for x in row["labels"]]
    flat_ids = [x for row in rows[:2] for x in row["input_ids"]]
    assert batch["input_ids"][0].tolist() == flat_ids
    assert batch["labels"][0].tolist() == [
        IGNORE if p == 0 else lab
        for p, lab in zip(batch["position_ids"][0].tolist(), flat_labels, strict=True)
    ]
    assert int((batch["labels"] != IGNORE).sum()) == sum(x != IGNORE for x in flat_labels)


def test_completion_only_mode_labels_only_the_last_turn(tiny_dir: Path, tmp_path: Path, kit) -> None:
    from datasets import Dataset

    records = [r for r in kit.make_records(6) if len(r["messages"]) >= 4]
    trainer = _trainer(
        tiny_dir,
        tmp_path,
        Dataset.from_list([{"messages": r["messages"]} for r in records]),
        loss="completion_only",
    )
    tok = trainer.processing_class
    last_answers = {r["messages"][-1]["content"] for r in records}
    for row in trainer.train_dataset:
        for doc in split_packed(row["input_ids"], row["labels"], row["seq_lengths"]):
            spans = labelled_spans(doc, tok)
            assert len(spans) == 1 and spans[0].split(END)[0] in last_answers


def test_packed_documents_do_not_attend_to_each_other(tiny_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(tiny_dir)).eval()
    a, b = torch.randint(5, 1000, (1, 17)), torch.randint(5, 1000, (1, 23))
    packed_ids = torch.cat([a, b], dim=1)
    position_ids = torch.cat([torch.arange(17), torch.arange(23)])[None]
    # use_cache=False as SFTTrainer.compute_loss passes it: transformers only derives per-document masks
    # from position_ids when no KV cache is in play.
    with torch.no_grad():
        packed = model(input_ids=packed_ids, position_ids=position_ids, use_cache=False).logits
        alone = model(input_ids=b, use_cache=False).logits
        leaky = model(input_ids=packed_ids, use_cache=False).logits  # one long document: b sees a
    assert torch.allclose(packed[:, 17:], alone, atol=1e-5)
    assert not torch.allclose(leaky[:, 17:], alone, atol=1e-3)
