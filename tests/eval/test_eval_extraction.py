"""Regex extraction (strict, flexible, miss), the Appendix B LLM fallbacks, and the audit agreement."""

from __future__ import annotations

import dspy
import pytest

from eval.benchmarks.base import BenchItem
from eval.extraction import patterns
from eval.extraction.decide import AuditConfig, LLMDecision, agreement, decide
from eval.extraction.llm import general_verdict, math_verdict, mcq_extractor, options_text
from eval.scoring.exact import exact_choice, exact_number, exact_text

JSON = dspy.JSONAdapter()

MCQ = BenchItem(id="q1", prompt="Which is a mammal?", choices=["trout", "whale", "crow", "newt"], reference="B")
NUM = BenchItem(id="n1", prompt="2 + 40?", reference="42", metadata={"solution": "2 + 40 = 42\n#### 42"})


@pytest.mark.parametrize(("response", "letter", "stage"), [
    ("Whales breathe air, so the answer is (B).", "B", "regex_strict"),
    ("Answer: B", "B", "regex_strict"),
    ("**B**", "B", "regex_strict"),
    ("B", "B", "regex_strict"),
    ("The answer is: C", "C", "regex_strict"),
    ("I first thought (A), but (B) fits better.", "B", "regex_flexible"),
    ("I would pick option D here.", "D", "regex_flexible"),
    ("Clearly it is a whale", "B", "regex_flexible"),
])
def test_mcq_patterns_name_the_letter_and_the_stage(response, letter, stage):
    found = patterns.mcq(response, MCQ)
    assert (found.answer, found.extractor) == (letter, stage)


@pytest.mark.parametrize("response", ["A big animal that swims.", "I cannot tell.", "   "])
def test_mcq_without_a_letter_is_a_recorded_miss(response):
    found = patterns.mcq(response, MCQ)
    assert found.answer is None and found.extractor is None
    assert found.miss_reason in {"no_pattern_matched", "empty_response"}


def test_mcq_letters_are_limited_to_the_items_options():
    assert patterns.mcq("The answer is (F).", MCQ).answer is None


@pytest.mark.parametrize(("response", "number", "stage"), [
    ("2 + 40 = 42\n#### 42", "42", "regex_strict"),
    ("So in total... The answer is $1,000.", "$1,000", "regex_strict"),
    ("We get \\boxed{42}", "42", "regex_strict"),
    ("First 2, then 40, which makes 42 apples", "42", "regex_flexible"),
])
def test_number_patterns(response, number, stage):
    found = patterns.number(response, NUM)
    assert (found.answer, found.extractor) == (number, stage)


def test_bbh_patterns_follow_the_reference_answer_type():
    mc = BenchItem(id="b", prompt="x", reference="(A)")
    assert patterns.bbh("Let's see. So the answer is (A).", mc).answer == "(A)"
    assert patterns.bbh("Option (C) is wrong, (A) is right", mc).answer == "(A)"
    tf = BenchItem(id="t", prompt="x", reference="False")
    assert patterns.bbh("It evaluates to false overall", tf).answer == "false"
    assert exact_text("false", tf) == 1.0


def test_answer_tag_is_strict_and_last_line_is_flexible():
    item = BenchItem(id="r", prompt="x", reference="12")
    assert patterns.tagged("think... <answer> 12 </answer>", item).extractor == "regex_strict"
    found = patterns.tagged("reasoning\n12", item)
    assert (found.answer, found.extractor) == ("12", "regex_flexible")


def test_decide_scores_regex_answers_without_calling_the_llm():
    def never(item, response):
        raise AssertionError("the LLM must not run when the regex decided and no audit is asked")

    result = decide(MCQ, "The answer is (B)", patterns.mcq, exact_choice, never)
    assert (result.extractor, result.score, result.audit) == ("regex_strict", 1.0, None)


def test_a_miss_without_fallback_scores_zero_and_keeps_the_reason():
    result = decide(MCQ, "No idea.", patterns.mcq, exact_choice)
    assert result.score == 0.0 and result.extractor is None and result.miss_reason == "no_pattern_matched"


def test_mcq_llm_fallback_decides_when_the_regex_cannot(judge_factory):
    lm = judge_factory([{"parsed_answer": ["B"]}])
    result = decide(MCQ, "Mammals, obviously.", patterns.mcq, exact_choice, mcq_extractor(lm, JSON))
    assert (result.extractor, result.extracted, result.score) == ("llm", "B", 1.0)
    prompt = lm.history[-1]["messages"][-1]["content"]
    assert "[(A) trout, (B) whale, (C) crow, (D) newt]" in prompt and "Mammals, obviously." in prompt


def test_mcq_llm_fallback_returning_no_option_is_a_miss(judge_factory):
    extractor = mcq_extractor(judge_factory([{"parsed_answer": []}]), JSON)
    result = decide(MCQ, "Hmm.", patterns.mcq, exact_choice, extractor)
    assert result.score == 0.0 and result.extractor is None and "llm_found_no_answer" in result.miss_reason


def test_multi_answer_mcq_compares_letter_sets(judge_factory):
    item = MCQ.model_copy(update={"reference": "AC"})
    extractor = mcq_extractor(judge_factory([{"parsed_answer": ["C", "A"]}]), JSON)
    result = decide(item, "the first and the third", patterns.mcq, exact_choice, extractor)
    assert result.extracted == "AC" and result.score == 1.0


def test_math_and_general_verdicts_use_the_reference(judge_factory):
    lm = judge_factory([{"error_analysis": "Both say forty-two.", "verdict": "Correct"}])
    result = decide(NUM, "forty-two", patterns.number, exact_number, math_verdict(lm, JSON))
    assert (result.extractor, result.score, result.extracted) == ("llm", 1.0, None)
    assert "#### 42" in lm.history[-1]["messages"][-1]["content"]
    lm = judge_factory([{"error_analysis": "Different.", "verdict": "Incorrect"}])
    result = decide(NUM, "no number here", patterns.number, exact_number, general_verdict(lm, JSON))
    assert (result.extractor, result.score) == ("llm", 0.0)


def test_unparseable_llm_output_is_a_parse_failure_not_a_zero(judge_factory):
    lm = judge_factory([{"nonsense": "???"}])
    result = decide(MCQ, "Mammals, obviously.", patterns.mcq, exact_choice, mcq_extractor(lm, JSON))
    assert result.score is None and result.judge_parse_failure
    assert "llm_output_unparseable" in result.miss_reason


def test_empty_response_is_a_miss_without_asking_the_llm():
    def never(item, response):
        raise AssertionError("no LLM call for an empty response")

    result = decide(MCQ, "", patterns.mcq, exact_choice, never)
    assert result.score == 0.0 and result.miss_reason == "empty_response"


def test_audit_records_both_extractors_and_their_agreement():
    items = [MCQ.model_copy(update={"id": f"q{i}"}) for i in range(4)]
    responses = ["The answer is (B)", "The answer is (B)", "The answer is (A)", "The answer is (B)"]
    said = iter(["B", "C", "A", None])

    def llm(item, response):
        letter = next(said)
        return LLMDecision(parse_failure=True) if letter is None else LLMDecision(answer=letter)

    audit = AuditConfig(rate=1.0)
    results = [decide(it, r, patterns.mcq, exact_choice, llm, audit) for it, r in zip(items, responses, strict=False)]
    assert [r.extractor for r in results] == ["regex_strict"] * 4
    assert [r.audit.agree for r in results] == [True, False, True, None]
    assert results[1].audit.regex_answer == "B" and results[1].audit.llm_answer == "C"
    figure = agreement(results)
    assert (figure.audited, figure.agreed, figure.llm_parse_failures) == (4, 2, 1)
    assert figure.rate == pytest.approx(2 / 3)


def test_audit_sample_is_seeded_by_id_and_rate():
    audit = AuditConfig(rate=0.3, seed=5)
    chosen = [i for i in range(1000) if audit.selects(f"item-{i}")]
    assert chosen == [i for i in range(1000) if AuditConfig(rate=0.3, seed=5).selects(f"item-{i}")]
    assert 230 < len(chosen) < 370
    assert not AuditConfig().selects("x") and AuditConfig(rate=1.0).selects("x")


def test_options_text_matches_the_papers_layout():
    assert options_text(MCQ) == "[(A) trout, (B) whale, (C) crow, (D) newt]"
