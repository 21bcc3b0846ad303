"""Students of every kind from one string, model students behind the one middleware (cached, counted)."""

from __future__ import annotations

import pytest

from core.config import ConfigError, EvaluationConfig, ModelsConfig, ModelSpec
from core.lm.accounting import Accountant, BudgetConfig, BudgetExhausted
from core.lm.request_store import RequestStore
from eval.students import GenerationSettings, HFStudent
from eval.students.build import StudentFactory, parse_student

MODELS = ModelsConfig(responder=ModelSpec(model="openai/teacher-model", api_base="http://127.0.0.1:9/v1"))
EVALUATION = EvaluationConfig(students={"mini": ModelSpec(model="openai/gpt-4o-mini", api_key_env="OPENAI_API_KEY")})


def test_each_kind_of_student_string(tmp_path):
    assert parse_student("embedded").model_dump(exclude={"model"}) == {
        "name": "embedded", "kind": "model", "source": "local/smollm2"}
    teacher = parse_student("teacher=role:responder", MODELS)
    assert (teacher.name, teacher.source, teacher.model.api_base) == ("teacher", "openai/teacher-model",
                                                                     "http://127.0.0.1:9/v1")
    mini = parse_student("mini", MODELS, EVALUATION)
    assert mini.model.api_key_env == "OPENAI_API_KEY" and mini.kind == "model"
    assert parse_student("hosted_vllm/qwen-7b").model.model == "hosted_vllm/qwen-7b"
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    with pytest.raises(ConfigError, match=r"no config\.json"):
        parse_student(str(ckpt))
    (ckpt / "config.json").write_text("{}")
    tuned = parse_student(f"tuned={ckpt}")
    assert (tuned.name, tuned.kind, tuned.source) == ("tuned", "hf", str(ckpt.resolve()))
    assert parse_student(f"hf:{ckpt}").name == "ckpt"
    for bad in ("nonsense", "role:student"):
        with pytest.raises(ConfigError):
            parse_student(bad, MODELS)


def test_model_students_are_metered_and_cached(monkeypatch, tmp_path, student_factory):
    scripted = student_factory({"": "an answer"}).lm
    monkeypatch.setattr("eval.students.build.build_lm", lambda spec, models, engines: scripted)
    accountant = Accountant(BudgetConfig(max_calls=2))
    store = RequestStore(tmp_path / "requests.sqlite")
    factory = StudentFactory(MODELS, accountant, store)
    student = factory.student(parse_student("mini", MODELS, EVALUATION))
    prompt = [[{"role": "user", "content": "question"}]]
    assert student.generate(prompt, GenerationSettings()) == ["an answer"]
    assert student.generate(prompt, GenerationSettings()) == ["an answer"]  # served by the request cache
    assert (accountant.calls, accountant.cache_hits) == (1, 1)
    student.generate([[{"role": "user", "content": "another"}]], GenerationSettings(max_new_tokens=7))
    with pytest.raises(BudgetExhausted):  # the job's budget holds for students too
        student.generate([[{"role": "user", "content": "a third"}]], GenerationSettings())
    assert factory.lm(MODELS.for_role("responder")) is factory.lm(MODELS.for_role("responder"))
    (tmp_path / "config.json").write_text("{}")
    assert isinstance(factory.student(parse_student(f"x={tmp_path}", MODELS)), HFStudent)  # loads on first use
    store.close()


@pytest.mark.real_model
def test_eval_run_on_the_embedded_model_writes_the_report(tmp_path, fixture_paths):
    from typer.testing import CliRunner

    from agentinstruct.cli import app

    cfg = tmp_path / "run.yaml"
    cfg.write_text("evaluation:\n  llm_extraction: false\n  max_new_tokens: 48\n  n_boot: 200\n")
    benches = ["--bench", f"reasoning_gym={fixture_paths['reasoning_gym']}", "--bench",
               f"ifeval={fixture_paths['ifeval']}"]
    res = CliRunner().invoke(app, ["eval", "run", "embedded", *benches, "--config", str(cfg), "--out",
                                   str(tmp_path / "out"), "--limit", "3"])
    assert res.exit_code == 0, res.output
    assert "reasoning_gym embedded:" in res.output and (tmp_path / "out" / "report.html").is_file()
    saved = (tmp_path / "out" / "students" / "embedded.json").read_text()
    assert '"calls": ' in saved and '"max_new_tokens": 48' in saved
