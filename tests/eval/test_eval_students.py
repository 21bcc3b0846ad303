"""Students: a DSPy LM behind lm15 requests, and a tiny local Hugging Face checkpoint on CPU."""

from __future__ import annotations

import pytest

from eval.benchmarks import registry
from eval.harness import HarnessConfig, run_benchmark
from eval.students import GenerationSettings, HFStudent, Student
from eval.students.dspy_lm import to_request

PROMPTS = [
    [{"role": "user", "content": "what is one and two ?"}],
    [{"role": "user", "content": "how many"}],
    [{"role": "system", "content": "A B"}, {"role": "user", "content": "the answer is what of the seven eight nine"}],
]


def test_dspy_student_sends_system_turns_history_and_settings(student_factory):
    student = student_factory({"second": "reply two"})
    assert isinstance(student, Student)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "first"},
                {"role": "assistant", "content": "reply one"}, {"role": "user", "content": "second"}]
    settings = GenerationSettings(max_new_tokens=33, temperature=0.7, seed=9)
    assert student.generate([messages], settings) == ["reply two"]
    request = student.lm.history[-1]["request"]
    assert request.system == "Be brief." and [m.text for m in request.messages] == ["first", "reply one", "second"]
    assert (request.config.max_tokens, request.config.temperature, request.config.seed) == (33, 0.7, 9)
    assert to_request("m", messages, GenerationSettings()).config.seed is None  # greedy: no seed sent


def test_hf_student_batches_with_left_padding(tiny_hf_dir):
    student = HFStudent(tiny_hf_dir, device="cpu")
    batched = student.generate(PROMPTS, GenerationSettings(max_new_tokens=6, batch_size=3))
    single = student.generate(PROMPTS, GenerationSettings(max_new_tokens=6, batch_size=1))
    assert batched == single  # padding on the left does not change greedy continuations
    assert len(batched) == 3 and all(isinstance(r, str) and r for r in batched)
    assert student._tokenizer.padding_side == "left" and student.device == "cpu"


def test_hf_student_sampling_is_seeded(tiny_hf_dir):
    student = HFStudent(tiny_hf_dir, device="cpu")
    settings = GenerationSettings(max_new_tokens=8, temperature=1.0, seed=3)
    first = student.generate(PROMPTS, settings)
    assert first == student.generate(PROMPTS, settings)
    assert first != student.generate(PROMPTS, GenerationSettings(max_new_tokens=8))


def test_hf_student_applies_the_chat_template(tiny_hf_dir):
    student = HFStudent(tiny_hf_dir, device="cpu")
    student.generate(PROMPTS[:1], GenerationSettings(max_new_tokens=1))
    text = student._tokenizer.apply_chat_template(PROMPTS[2], tokenize=False, add_generation_prompt=True)
    assert text == "system : A B </s> user : the answer is what of the seven eight nine </s> assistant : "


def test_hf_student_runs_a_benchmark_end_to_end(tiny_hf_dir, fixture_paths):
    bench = registry.get("mmlu")
    items = bench.load(fixture_paths["mmlu"])
    student = HFStudent(tiny_hf_dir, device="cpu", name="tiny")
    config = HarnessConfig(settings=GenerationSettings(max_new_tokens=5, batch_size=2))
    result = run_benchmark(bench, items, student, config=config)
    assert result.student == "tiny" and result.settings.batch_size == 2 and result.n_items == 5
    answers = student.generate([[{"role": "user", "content": bench.render(i)[0]}] for i in items], config.settings)
    assert [r.student_answer for r in result.items] == answers
    assert sum(result.extractor_counts.values()) == 5 and result.score is not None


def test_missing_chat_template_is_a_clear_error(tiny_hf_dir, tmp_path):
    import shutil

    from eval.students.hf import MissingChatTemplateError

    bare = tmp_path / "bare"
    shutil.copytree(tiny_hf_dir, bare)
    (bare / "chat_template.jinja").unlink()
    with pytest.raises(MissingChatTemplateError):
        HFStudent(bare, device="cpu").generate(PROMPTS[:1], GenerationSettings(max_new_tokens=1))
