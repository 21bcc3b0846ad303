"""The judge prompts of the AgentInstruct paper, Appendix B, as typed signatures.

Each docstring is the paper's system message; the paper's "Use the following format" blocks became typed
output fields, so the adapter (not a regex) parses the verdicts.
"""

from typing import Literal

import dspy


class MCQExtraction(dspy.Signature):
    """You are an Evaluator Assistant. You support the exam evaluator by parsing student responses. You are an
    unbiased Evaluator and do not rely on your knowledge but stick to the user provided context. You are
    provided with the question, answer options and a student's response. Your task is to parse the option
    student selected in their response as their final answer and return the alphabet ID of that answer in the
    provided options. If the student gave multiple answers return them as a list.

    Example 1: the student writes "I think 0 is incorrect, so is 2. 3 seems incorrect as well. I think 1 is
    the correct final answer." for the options [(A) 0, (B) 1, (C) 2, (D) 3]; the parsed student answer is B.
    Example 2: the student writes "I think 0 is incorrect. 3 seems incorrect as well. I think 1 and 2 could
    be the correct final answers." for the same options; the parsed student answer is [B, C]."""

    question: str = dspy.InputField(desc="The question.")
    options: str = dspy.InputField(desc="The answer options, e.g. [(A) 0, (B) 1, (C) 2, (D) 3].")
    student_response: str = dspy.InputField(desc="The student's response.")
    parsed_answer: list[str] = dspy.OutputField(
        desc="Final answer extracted from Student's response: only the alphabets representing the option(s) "
             "the student chose; empty if the student chose none."
    )


class MathVerdict(dspy.Signature):
    """As an expert Math teacher, your role is to evaluate a student's answer to a word problem. The problem
    is accompanied by a correct solution provided by the problem setter. It is important to remember that
    there may be various methods to solve a word problem, so the student's steps might not always align with
    those in the problem setter's solution. However, the final answer, typically a number, should be unique
    and match the problem setter's answer."""

    problem: str = dspy.InputField(desc="The word problem.")
    reference_solution: str = dspy.InputField(desc="The problem setter's correct solution.")
    student_answer: str = dspy.InputField(desc="The student's answer.")
    error_analysis: str = dspy.OutputField(
        desc="In one sentence, extract the final answer from the problem setter's solution and compare it "
             "with the student's answer. Do they match?"
    )
    verdict: Literal["Correct", "Incorrect"] = dspy.OutputField(desc="Final Verdict.")


class GeneralVerdict(dspy.Signature):
    """You are an Evaluator Assistant. You support the exam evaluator by parsing student responses. You are an
    unbiased Evaluator and do not rely on your knowledge but stick to the user provided context. You are
    provided with the correct answer and a student's response. Your task is to parse the answer from
    student's response and then match it with the correct answer. If the student's final answer matches the
    correct answer provided, output a 'Correct', else an 'Incorrect'.

    Please rely strictly on the correct answer given in the context only."""

    correct_answer: str = dspy.InputField(desc="The correct answer.")
    student_response: str = dspy.InputField(desc="The student's response.")
    error_analysis: str = dspy.OutputField(
        desc="In one sentence, extract the final answer from the student's solution and compare it with the "
             "correct answer. Do they match?"
    )
    verdict: Literal["Correct", "Incorrect"] = dspy.OutputField(desc="Final Verdict.")


class HallucinationJudge(dspy.Signature):
    """You will be given a summary instruction and a generated summary. Your task to decide if there is any
    hallucination in the generated summary.

    Go through each section in the generated summary, do the following:
    - Extract relevant facts from the article that can be used to verify the correctness of the summary
    - Decide if any section contains hallucination or not."""

    summary_task: str = dspy.InputField(desc="The user message: the summary instruction, with the article.")
    generated_summary: str = dspy.InputField(desc="The generated summary.")
    analysis: str = dspy.OutputField(
        desc="For each section of the summary: the part of the summary, the relevant segments extracted from "
             "the article, and a judgement whether the section is supported by the article."
    )
    hallucination_detected: bool = dspy.OutputField(desc="Whether any section contains hallucination.")
    hallucinated_spans: list[str] = dspy.OutputField(
        desc="If yes, the exact span of every hallucinated text part from the summary; if no, leave this empty."
    )


class SummaryQualityJudge(dspy.Signature):
    """Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant
    to the user instruction displayed below.

    Your evaluation should assess the following criteria:
    - Instruction Adherence: Does the response correctly follow the user instruction?
    - Content Grounding: Is the answer grounded in the instruction without introducing new content beyond
      what is already present? Penalize hallucinations.
    - Overall Quality: Assess the clarity, coherence, and completeness of the response.

    Begin your evaluation with a short explanation highlighting the pros and cons of the answer. Be as
    objective as possible. After providing your explanation, rate the overall quality of the response on a
    scale of 1 to 10."""

    instruction: str = dspy.InputField(desc="The user instruction.")
    response: str = dspy.InputField(desc="The assistant's answer.")
    explanation: str = dspy.OutputField(desc="A short explanation of the pros and cons of the answer.")
    rating: int = dspy.OutputField(desc="The overall quality, an integer from 1 to 10.")
