"""Reading back which tokens carry labels, to prove the loss mask covers assistant turns only."""

from __future__ import annotations

from dataclasses import dataclass

IGNORE = -100


@dataclass(frozen=True)
class Document:
    """One packed document: its tokens and, per token, whether it carries a label."""

    input_ids: list[int]
    labelled: list[bool]


def split_packed(input_ids: list[int], labels: list[int], seq_lengths: list[int]) -> list[Document]:
    """Cut one packed row back into its documents using TRL's ``seq_lengths`` column."""
    if sum(seq_lengths) != len(input_ids) or len(labels) != len(input_ids):
        raise ValueError(
            f"row of {len(input_ids)} tokens does not match seq_lengths summing to {sum(seq_lengths)}"
        )
    docs, start = [], 0
    for n in seq_lengths:
        ids, lab = input_ids[start : start + n], labels[start : start + n]
        docs.append(Document(list(ids), [x != IGNORE for x in lab]))
        start += n
    return docs


def labelled_spans(doc: Document, tokenizer) -> list[str]:
    """Decoded text of each maximal run of labelled tokens, in order."""
    spans, run = [], []
    for tok, on in zip(doc.input_ids, doc.labelled, strict=True):
        if on:
            run.append(tok)
        elif run:
            spans.append(tokenizer.decode(run))
            run = []
    if run:
        spans.append(tokenizer.decode(run))
    return spans


def check_template_mask(tokenizer, template: str, conversations: list[list[dict[str, str]]]) -> None:
    """Raise unless, for every conversation, the labelled spans are exactly its assistant turns.

    Each assistant turn must appear as one span that starts with the turn's content and adds at most an
    end-of-turn marker (which must be trained, or the model never learns to stop).
    """
    for conv in conversations:
        out = tokenizer.apply_chat_template(
            conv, chat_template=template, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        doc = Document(list(out["input_ids"]), [bool(m) for m in out["assistant_masks"]])
        spans = labelled_spans(doc, tokenizer)
        answers = [m["content"] for m in conv if m["role"] == "assistant"]
        if len(spans) != len(answers):
            raise ValueError(
                f"template labels {len(spans)} spans for {len(answers)} assistant turns: {spans!r}"
            )
        for span, answer in zip(spans, answers, strict=True):
            if not span.startswith(answer):
                raise ValueError(f"labelled span {span!r} is not the assistant turn {answer!r}")
        tails = {span[len(answer) :] for span, answer in zip(spans, answers, strict=True)}
        if len(tails) != 1 or not next(iter(tails)).strip():
            raise ValueError(
                f"assistant turns must end with one trained end-of-turn token, got tails {tails!r}"
            )
