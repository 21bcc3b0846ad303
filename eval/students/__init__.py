"""Students: the models being evaluated, behind one batched ``generate`` over chat prompts."""

from eval.students.base import GenerationSettings, Message, Student
from eval.students.dspy_lm import DspyLMStudent
from eval.students.hf import HFStudent

__all__ = ["DspyLMStudent", "GenerationSettings", "HFStudent", "Message", "Student"]
