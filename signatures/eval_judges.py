"""Judge prompts of the evaluation harness: MT-Bench single-answer grading, FoFo format correctness, and
the Orca-Bench teacher-relative rating.

The MT-Bench docstrings are FastChat's ``single-v1`` / ``single-math-v1`` judge prompts (and their
multi-turn variants); FoFo's is its format-correctness judge. Their "[[rating]]" / JSON output formats
became typed output fields, so the adapter parses the verdicts.
"""

import dspy


class MTBenchSingleGrade(dspy.Signature):
    """Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant
    to the user question displayed below. Your evaluation should consider factors such as the helpfulness,
    relevance, accuracy, depth, creativity, and level of detail of the response. Begin your evaluation by
    providing a short explanation. Be as objective as possible. After providing your explanation, rate the
    response on a scale of 1 to 10."""

    question: str = dspy.InputField(desc="The user question.")
    answer: str = dspy.InputField(desc="The assistant's answer.")
    explanation: str = dspy.OutputField(desc="A short explanation of the evaluation.")
    rating: int = dspy.OutputField(desc="The rating, an integer from 1 to 10.")


class MTBenchReferenceGrade(dspy.Signature):
    """Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant
    to the user question displayed below. Your evaluation should consider correctness and helpfulness. You
    will be given a reference answer and the assistant's answer. Begin your evaluation by comparing the
    assistant's answer with the reference answer. Identify and correct any mistakes. Be as objective as
    possible. After providing your explanation, rate the response on a scale of 1 to 10."""

    question: str = dspy.InputField(desc="The user question.")
    reference_answer: str = dspy.InputField(desc="The reference answer.")
    answer: str = dspy.InputField(desc="The assistant's answer.")
    explanation: str = dspy.OutputField(desc="The comparison with the reference answer and the mistakes found.")
    rating: int = dspy.OutputField(desc="The rating, an integer from 1 to 10.")


class MTBenchMultiTurnGrade(dspy.Signature):
    """Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant
    to the user question displayed below. Your evaluation should consider factors such as the helpfulness,
    relevance, accuracy, depth, creativity, and level of detail of the response. Your evaluation should
    focus on the assistant's answer to the final user question. Begin your evaluation by providing a short
    explanation. Be as objective as possible. After providing your explanation, rate the response on a
    scale of 1 to 10."""

    conversation: str = dspy.InputField(desc="The assistant's conversation with the user.")
    explanation: str = dspy.OutputField(desc="A short explanation of the evaluation.")
    rating: int = dspy.OutputField(desc="The rating of the final answer, an integer from 1 to 10.")


class MTBenchMultiTurnReferenceGrade(dspy.Signature):
    """Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant
    to the user question. Your evaluation should consider correctness and helpfulness. You will be given a
    reference answer and the assistant's answer. Your evaluation should focus on the assistant's answer to
    the final question. Begin your evaluation by comparing the assistant's answer with the reference answer.
    Identify and correct any mistakes. Be as objective as possible. After providing your explanation, rate
    the response on a scale of 1 to 10."""

    reference_conversation: str = dspy.InputField(desc="The user questions with the reference answers.")
    conversation: str = dspy.InputField(desc="The assistant's conversation with the user.")
    explanation: str = dspy.OutputField(desc="The comparison with the reference answer and the mistakes found.")
    rating: int = dspy.OutputField(desc="The rating of the final answer, an integer from 1 to 10.")


class FormatCorrectness(dspy.Signature):
    """You are a helpful assistant who evaluates the correctness and quality of models' outputs. Evaluate
    the correctness of the format of a model's answer to the prompt it was given. Check whether the answer
    complies with the format specifications stated in the prompt. Perform a thorough format check and
    provide a detailed explanation for why the format is correct or incorrect, as bullet points."""

    instruction: str = dspy.InputField(desc="The prompt given to the model.")
    answer: str = dspy.InputField(desc="The model's answer.")
    reasons: str = dspy.OutputField(desc="Bullet points explaining why the format is correct or incorrect.")
    format_correct: bool = dspy.OutputField(
        desc="True only if the answer strictly follows every format specification in the prompt."
    )


class TeacherRelativeRating(dspy.Signature):
    """Please act as an impartial judge. You are given a conversation between a user and an AI assistant
    that ends with a user turn, and two candidate answers to that final user turn. Rate each answer on a
    scale from 0 to 10 for how well it answers the user: its correctness, its faithfulness to any passage
    or data given in the conversation, how completely it follows the user's instructions (including any
    required format), and its clarity. Rate each answer on its own merits: do not let the order in which
    the answers are shown, or their length, influence your ratings."""

    conversation: str = dspy.InputField(desc="The conversation so far, ending with the user turn to answer.")
    answer_1: str = dspy.InputField(desc="The first candidate answer.")
    answer_2: str = dspy.InputField(desc="The second candidate answer.")
    explanation: str = dspy.OutputField(desc="A short comparison of the two answers.")
    score_1: int = dspy.OutputField(desc="The rating of the first answer, an integer from 0 to 10.")
    score_2: int = dspy.OutputField(desc="The rating of the second answer, an integer from 0 to 10.")
