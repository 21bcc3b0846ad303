"""Each judge metric on DummyLM: its signature (the paper's prompt), its inputs and its score mapping."""

import dspy
import pytest
from dummies import make_dummy

from metrics import (
    Difficulty,
    Faithfulness,
    FormatFollowing,
    GeneralCorrectness,
    InstructionQuality,
    ItemQuality,
    MathCorrectness,
    MCQCorrectness,
    MetricInputError,
    SummaryQuality,
)
from metrics.judges import option_letters
from signatures import GeneralVerdict, HallucinationJudge, MathVerdict, MCQExtraction, SummaryQualityJudge


def judged(metric, example, pred, **answers):
    lm = make_dummy(**answers)
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        return metric(example, pred), metric(example, pred, trace=[]), lm


def text(signature) -> str:
    return " ".join(signature.instructions.split())


def test_appendix_b_signatures_carry_the_papers_system_messages():
    assert text(MCQExtraction).startswith("You are an Evaluator Assistant.")
    assert "return the alphabet ID of that answer in the provided options" in text(MCQExtraction)
    assert text(MathVerdict).startswith("As an expert Math teacher, your role is to evaluate")
    assert "Please rely strictly on the correct answer given in the context only." in text(GeneralVerdict)
    assert "Your task to decide if there is any hallucination in the generated summary" in text(HallucinationJudge)
    assert "Content Grounding: Is the answer grounded in the instruction" in text(SummaryQualityJudge)
    assert set(HallucinationJudge.output_fields) == {"analysis", "hallucination_detected", "hallucinated_spans"}


@pytest.mark.parametrize(("verdict", "score"), [("Correct", 1.0), ("Incorrect", 0.0)])
def test_general_and_math_correctness_follow_the_verdict(verdict, score):
    example, pred = dspy.Example(request="2+2?", reference="4"), dspy.Prediction(response="It is 4.")
    for metric in (GeneralCorrectness(), MathCorrectness()):
        value, passed, lm = judged(metric, example, pred, verdict=verdict)
        assert value == score and passed is (score >= 0.5)
        assert "It is 4." in lm.history[0]["messages"][-1]["content"]


def test_mcq_correctness_compares_the_extracted_options_with_the_key():
    example = dspy.Example(request="Which?", options="(A) 0 (B) 1 (C) 2 (D) 3", answer="D")
    assert judged(MCQCorrectness(), example, dspy.Prediction(response="D it is"), parsed_answer=["D"])[0] == 1.0
    assert judged(MCQCorrectness(), example, dspy.Prediction(response="B"), parsed_answer=["B"])[0] == 0.0
    two = example.copy(answer=["B", "C"])
    assert judged(MCQCorrectness(), two, dspy.Prediction(response="1 and 2"), parsed_answer=["c", "B"])[0] == 1.0
    assert option_letters("[B, C]") == option_letters(["b", "c"]) == {"B", "C"}


def test_faithfulness_is_zero_when_a_hallucination_is_found():
    example = dspy.Example(source="Bees make honey.", request="Summarise.")
    pred = dspy.Prediction(response="Bees make honey and milk.")
    assert judged(Faithfulness(), example, pred)[0] == 1.0
    value, passed, lm = judged(Faithfulness(), example, pred, hallucination_detected=True,
                               hallucinated_spans=["and milk"])
    assert value == 0.0 and passed is False
    assert "Article:\nBees make honey." in lm.history[0]["messages"][-1]["content"]


def test_scaled_judges_map_ratings_to_unit_interval():
    pred = dspy.Prediction(request="Summarise.", response="A summary.")
    assert judged(SummaryQuality(), dspy.Example(), pred, rating=10)[0] == 1.0
    assert judged(SummaryQuality(), dspy.Example(), pred, rating=1)[0] == 0.0
    assert judged(ItemQuality(rubric="R"), dspy.Example(), pred, score=99)[0] == 1.0  # clamped
    item = dspy.Prediction(passage="P", instruction="Which fact?", instruction_type="literal")
    assert judged(InstructionQuality(rubric="R"), dspy.Example(), item, score=4)[0] == pytest.approx(3 / 9)


def test_difficulty_and_format_are_binary():
    example = dspy.Example(original_passage="P", original_instruction="Q?")
    refined = dspy.Prediction(passage="P", instruction="Harder Q?", goal="make_complex")
    assert judged(Difficulty(), example, refined, harder=True)[0] == 1.0
    assert judged(Difficulty(), example, refined, harder=False)[0] == 0.0
    pred = dspy.Prediction(request="Answer in JSON.", response="{}")
    assert judged(FormatFollowing(), dspy.Example(), pred, follows_format=False)[0] == 0.0


def test_missing_inputs_are_a_clear_error():
    with pytest.raises(MetricInputError, match="'reference'"):
        GeneralCorrectness()(dspy.Example(), dspy.Prediction(response="x"))


PROTOCOL = [  # (metric, example, prediction): every judge metric of the package
    (ItemQuality(rubric="R"), dspy.Example(), dspy.Prediction(request="Q?", response="A.")),
    (InstructionQuality(rubric="R"), dspy.Example(),
     dspy.Prediction(passage="P", instruction="Which fact?", instruction_type="literal")),
    (Difficulty(), dspy.Example(original_passage="P", original_instruction="Q?"),
     dspy.Prediction(passage="P", instruction="Harder Q?")),
    (Faithfulness(), dspy.Example(source="S", request="Summarise."), dspy.Prediction(response="A summary.")),
    (FormatFollowing(), dspy.Example(), dspy.Prediction(request="Answer in JSON.", response="{}")),
    (SummaryQuality(), dspy.Example(), dspy.Prediction(request="Summarise.", response="A summary.")),
    (GeneralCorrectness(), dspy.Example(reference="4"), dspy.Prediction(response="4")),
    (MathCorrectness(), dspy.Example(request="2+2?", reference="4"), dspy.Prediction(response="4")),
    (MCQCorrectness(), dspy.Example(request="Which?", options="(A) 1 (D) 4", answer="D"),
     dspy.Prediction(response="D")),
]


@pytest.mark.parametrize(("metric", "example", "pred"), PROTOCOL, ids=lambda v: type(v).__name__)
def test_every_judge_is_a_module_returning_a_float_or_with_a_trace_a_bool(metric, example, pred):
    assert isinstance(metric, dspy.Module) and metric.judges  # predictors of its own, one per juror
    value, passed, _ = judged(metric, example, pred)
    assert type(value) is float and 0.0 <= value <= 1.0
    assert type(passed) is bool and passed is (value >= metric.threshold)
