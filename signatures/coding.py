"""Coding signatures: a solution with runnable tests, and the fix-up agent for code whose tests fail."""

import dspy


class SolveCodingTask(dspy.Signature):
    """You are an expert programmer and teacher. Solve the coding task. Explain your approach, then give
    complete Python code and tests for it: plain `assert` statements that exercise the code, edge cases
    included. The code and the tests run together in one file, with the standard library only, no
    network, no input() and no files outside the working directory."""

    request: str = dspy.InputField(desc="The coding task, including any code it refers to.")
    explanation: str = dspy.OutputField(desc="The approach and the reasoning behind the code.")
    code: str = dspy.OutputField(desc="The complete Python code, without the tests.")
    tests: str = dspy.OutputField(desc="Python assert statements that test the code.")


class FixCode(dspy.Signature):
    """You are a debugging agent. The code and its tests below failed when run together. Read the error
    output, find the mistake (in the code, or in a test whose expectation is wrong) and return corrected
    code and tests that solve the task. Keep what is correct and keep the tests meaningful: never delete
    assertions only to make them pass."""

    request: str = dspy.InputField(desc="The coding task.")
    failed_code: str = dspy.InputField(desc="The code that failed.")
    failed_tests: str = dspy.InputField(desc="The tests that were run.")
    error: str = dspy.InputField(desc="The error output of the run.")
    explanation: str = dspy.OutputField(desc="The approach of the corrected solution.")
    code: str = dspy.OutputField(desc="The corrected Python code, without the tests.")
    tests: str = dspy.OutputField(desc="The corrected assert statements.")
