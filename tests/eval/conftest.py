"""Shared fixtures for the eval tests: fixture paths, scripted students and judges, a tiny HF model."""

from __future__ import annotations

from pathlib import Path

import dspy
import pytest
from dspy.utils import DummyLM

from eval.students import DspyLMStudent

FIXTURES = Path(__file__).resolve().parents[2] / "eval" / "benchmarks" / "fixtures"

FIXTURE_PATHS = {
    "mmlu": FIXTURES / "mmlu",
    "arc": FIXTURES / "arc",
    "agieval": FIXTURES / "agieval",
    "gpqa": FIXTURES / "gpqa_diamond.csv",
    "gsm8k": FIXTURES / "gsm8k_test.jsonl",
    "bbh": FIXTURES / "bbh",
    "drop": FIXTURES / "drop.jsonl",
    "ifeval": FIXTURES / "ifeval_input_data.jsonl",
    "mt_bench": FIXTURES / "mt_bench",
    "fofo": FIXTURES / "fofo_test_prompts.json",
    "reasoning_gym": FIXTURES / "reasoning_gym_spec.json",
}


class RawText(dspy.ChatAdapter):
    """Makes DummyLM reply with the bare text of its scripted ``text`` field (a student, not a program)."""

    def format_field_with_value(self, fields_with_values, role: str = "user") -> str:
        return "\n".join(str(v) for v in fields_with_values.values())


def scripted_student(replies: dict[str, str], name: str = "scripted") -> DspyLMStudent:
    """A DummyLM student answering ``replies[key]`` to any prompt whose last message contains ``key``."""
    return DspyLMStudent(DummyLM({k: {"text": v} for k, v in replies.items()}, adapter=RawText()), name=name)


def json_judge(answers: list[dict], n: int = 1) -> DummyLM:
    """A DummyLM judge replying with ``answers`` in order (each repeated ``n`` times), as JSON."""
    return DummyLM([a for a in answers for _ in range(n)], adapter=dspy.JSONAdapter())


@pytest.fixture
def fixture_paths() -> dict[str, Path]:
    """Each benchmark's fixture file or directory."""
    return FIXTURE_PATHS


@pytest.fixture
def student_factory():
    """``student_factory({substring: reply})`` -> a DummyLM-backed student."""
    return scripted_student


@pytest.fixture
def judge_factory():
    """``judge_factory([answer dicts])`` -> a DummyLM judge answering in JSON, in order."""
    return json_judge


@pytest.fixture(scope="session")
def tiny_hf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer random Llama with a word-level tokenizer built here (nothing downloaded)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    words = ["the", "a", "answer", "is", "of", "and", "to", "in", "what", "how", "many", "one", "two", "three",
             "four", "five", "six", "seven", "eight", "nine", "ten", "user", "assistant", "system", ":", ".", "?",
             ",", "(", ")", "A", "B", "C", "D"]
    vocab = {w: i for i, w in enumerate(["<unk>", "<pad>", "<s>", "</s>", *sorted(set(words))])}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.decoder = decoders.WordPiece(prefix="##")
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", pad_token="<pad>",
                                               bos_token="<s>", eos_token="</s>")
    tok.chat_template = ("{% for m in messages %}{{ m['role'] }} : {{ m['content'] }} </s> {% endfor %}"
                         "{% if add_generation_prompt %}assistant : {% endif %}")
    config = transformers.LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-hf")
    transformers.LlamaForCausalLM(config).save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


@pytest.fixture
def run_fixture(fixture_paths, student_factory):
    """``run_fixture(name, replies_by_substring, **run_benchmark kwargs)`` -> (items, BenchmarkResult)."""
    from eval.benchmarks import registry
    from eval.harness import run_benchmark

    def run(name: str, replies: dict[str, str], **kwargs):
        benchmark = registry.get(name)
        items = benchmark.load(fixture_paths[name])
        kwargs.setdefault("adapter", dspy.JSONAdapter())
        return items, run_benchmark(benchmark, items, student_factory(replies), **kwargs)

    return run
