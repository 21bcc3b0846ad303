"""The embedded model engine: schema handling offline, and a few real calls (marked real_model)."""

from pathlib import Path

import dspy
import pytest

from agentinstruct import RunConfig, generate
from core.config import GenerationConfig
from core.flow.failures import classify
from core.lm.local_engine import _non_empty, embedded_model_path
from core.records import Record
from signatures import GenerateInstruction, Transform

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "seeds"


def test_schema_asks_for_non_empty_strings_and_lists():
    schema = {"type": "object", "properties": {
        "tasks": {"type": "array", "items": {"type": "string"}},
        "choice": {"type": "string", "enum": ["a", "b"]},
        "n": {"type": "integer"},
    }}
    out = _non_empty(schema, max_items=4)
    assert out["properties"]["tasks"]["minItems"] == 1
    assert out["properties"]["tasks"]["maxItems"] == 4
    assert out["properties"]["tasks"]["items"]["minLength"] == 1
    assert "minLength" not in out["properties"]["choice"]
    assert schema["properties"]["tasks"] == {"type": "array", "items": {"type": "string"}}  # not mutated


def test_an_open_mapping_stays_open_under_the_grammar():
    """DSPy closes a nested ``dict[str, Any]`` to ``{}`` (strict structured outputs); the grammar must not."""
    from typing import Any

    import pydantic
    from dspy.adapters.json_adapter import _get_structured_outputs_response_format

    class Settings(pydantic.BaseModel):
        options: dict[str, Any]

    class Configure(dspy.Signature):
        """Configure it."""

        request: str = dspy.InputField()
        settings: Settings = dspy.OutputField()

    schema = _get_structured_outputs_response_format(Configure).model_json_schema()
    closed = schema["$defs"]["Settings"]["properties"]["options"]
    assert closed["properties"] == {} and closed["additionalProperties"] is False  # what DSPy sends
    reopened = _non_empty(schema)["$defs"]["Settings"]["properties"]["options"]
    assert reopened["type"] == "object"
    assert not {"properties", "required", "additionalProperties"} & set(reopened)


def test_gguf_ships_in_the_package():
    path = embedded_model_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000


@pytest.mark.real_model
def test_structured_predictions_parse_on_the_embedded_model(embedded_lm):
    with dspy.context(lm=embedded_lm, adapter=dspy.JSONAdapter()):
        pred = dspy.Predict(GenerateInstruction)(
            passage="The bridge opened in 1932. It carries eight lanes and cost 13 million pounds.")
        passage = dspy.Predict(Transform)(seed_text="Bees pollinate flowers and make honey in hives.").passage
    assert isinstance(pred.task, str) and pred.task.strip()
    assert isinstance(passage, str) and passage.strip()
    usage = embedded_lm.history[-1]["usage"]
    assert usage["prompt_tokens"] > 50 and usage["completion_tokens"] > 0


@pytest.mark.real_model
def test_a_cut_structured_output_is_a_truncation(embedded_lm):
    short = embedded_lm.copy(max_tokens=3, cache=False)
    with dspy.context(lm=short, adapter=dspy.JSONAdapter()), pytest.raises(Exception) as err:
        dspy.Predict(Transform)(seed_text="Bees pollinate flowers and make honey in hives.")
    assert classify(err.value) == "truncation"


@pytest.mark.real_model
def test_generate_end_to_end_on_the_embedded_model(tmp_path, embedded_lm):
    cfg = RunConfig(generation=GenerationConfig(instruction_types_per_passage=1, refinement_rounds=1,
                                                refinement_suggestions=1))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bees.txt").write_text(
        "Honey bees live in colonies of up to 60,000 workers. A queen lays up to 2,000 eggs a day. "
        "Workers forage for nectar within three kilometres of the hive and communicate by dancing.\n")
    summary = generate(seeds, tmp_path / "run", config=cfg, lms=embedded_lm, compiled_dir=None)
    assert summary.llm_calls >= 1  # a failed (e.g. truncated) call is counted too: its tokens were spent
    assert summary.tokens > 0
    failures = (tmp_path / "run/failures.jsonl").read_text().splitlines()
    records = [Record.model_validate_json(line)
               for line in (tmp_path / "run/data/shard-00000.jsonl").read_text().splitlines()]
    assert len(records) + len(failures) > 0  # every outcome is accounted for: a record or a failure
    assert summary.records_written == len(records)
    assert sum(summary.failures_by_reason.values()) == len(failures)
    for record in records:
        assert record.lineage.models["generator"] == "local/smollm2"


def test_repeats_of_a_prompt_get_new_seeds_reproducibly():
    """DSPy keeps rollout ids out of the request: the n-th asking of one prompt gets seed + n."""
    import threading
    from types import SimpleNamespace

    from core.lm.local_engine import LlamaCppEngine

    engine = LlamaCppEngine.__new__(LlamaCppEngine)  # no model load: only the seed logic runs
    engine.seed, engine._asked, engine._lock = 7, {}, threading.Lock()
    cfg = SimpleNamespace(seed=None, extensions=None, response_format=None)
    prompt, other = [{"role": "user", "content": "Q?"}], [{"role": "user", "content": "R?"}]
    assert [engine._sampling_seed(cfg, prompt) for _ in range(3)] == [7, 8, 9]
    assert engine._sampling_seed(cfg, other) == 7
    assert engine._sampling_seed(SimpleNamespace(seed=42, extensions=None, response_format=None), prompt) == 42
    assert engine._sampling_seed(SimpleNamespace(seed=None, extensions={"seed": 5}, response_format=None),
                                 prompt) == 5


def _engine_answering(llama, repeat_penalty: float = 1.0):
    """A ``LlamaCppEngine`` whose model is a stand-in ``llama`` (no model load)."""
    import threading

    from core.lm.local_engine import LlamaCppEngine

    engine = LlamaCppEngine.__new__(LlamaCppEngine)
    engine.seed, engine._asked, engine._lock = 0, {}, threading.Lock()
    engine.max_list_items, engine.model_name, engine._llama = 5, "stand-in", llama
    engine.repeat_penalty = repeat_penalty
    return engine


def test_a_truncated_call_still_counts_its_tokens():
    """The tokens of a call cut at max_tokens were spent: the run's accounting sees them."""
    from core.lm.accounting import Accountant, BudgetConfig
    from core.lm.local_engine import OutputTruncated
    from core.lm.metered import metered

    class CutLlama:
        def create_chat_completion(self, **kwargs):
            return {"choices": [{"message": {"content": '{"task": "Which of'}, "finish_reason": "length"}],
                    "usage": {"prompt_tokens": 120, "completion_tokens": 8, "total_tokens": 128}}

    engine = _engine_answering(CutLlama())
    accountant = Accountant(BudgetConfig())
    lm = metered(dspy.LM("local/smollm2", engine=engine, max_tokens=8, num_retries=0, cache=False), accountant, None)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()), pytest.raises(Exception) as err:
        dspy.Predict(GenerateInstruction)(passage="Bees make honey.")
    assert isinstance(err.value, OutputTruncated) or isinstance(err.value.__cause__, OutputTruncated)
    assert accountant.failed_calls == 1 and accountant.calls == 0  # sent, failed, and never cached
    assert accountant.by_model["local/smollm2"].prompt_tokens == 120


def test_the_llama_call_carries_the_floors_and_the_repeat_penalty():
    """What the embedded model decodes under: the compact adapter's length floors and the engine's penalty."""
    from core.lm.compact_adapter import MIN_CHARS, CompactJSONAdapter

    seen: dict = {}

    class RecordingLlama:
        def create_chat_completion(self, **kwargs):
            seen.update(kwargs)
            return {"choices": [{"message": {"content": '{"task": "Which insects make honey in hives?"}'},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 50, "completion_tokens": 12, "total_tokens": 62}}

    engine = _engine_answering(RecordingLlama(), repeat_penalty=1.3)
    lm = dspy.LM("local/smollm2", engine=engine, max_tokens=64, num_retries=0, cache=False)
    with dspy.context(lm=lm, adapter=CompactJSONAdapter()):
        task = dspy.Predict(GenerateInstruction)(passage="Bees make honey.").task
    assert task == "Which insects make honey in hives?"
    assert seen["repeat_penalty"] == 1.3
    assert seen["response_format"]["schema"]["properties"]["task"]["minLength"] == MIN_CHARS["task"]
