"""The checks generation adds before any judge call: template placeholders, headings, echoed type prose."""

import pytest

from core.taxonomy import load_skills
from metrics.checks import check_item, echo_check, heading_check, placeholder_check
from programs import PassageItem

RC = load_skills()["reading_comprehension"]
SEED = ("Heap Queues\n\nThe heapq module provides an implementation of the heap queue algorithm, also known as "
        "the priority queue algorithm. Heaps are binary trees for which every parent node has a value less than "
        "or equal to any of its children.")


@pytest.mark.parametrize(("instruction", "response", "where"), [
    ("What is a heap?", "{ response } to the requested answer { request_text },", "response"),
    ("What is a heap?", "{response}", "response"),
    ("Sort {[<new-description>} (s) | Sorting: Counting; Math:", "A heap is a tree.", "instruction"),
    ("Answer {question} about the passage please", "A heap is a tree.", "instruction"),
])
def test_a_template_placeholder_is_caught(instruction, response, where):
    result = placeholder_check(instruction, response)
    assert not result.passed and result.detail.startswith(where)


@pytest.mark.parametrize("response", ['The record is {"name": "heapq", "kind": "module"}.',
                                      "Sets like {1, 2} are fine.", "A heap is a binary tree."])
def test_json_and_ordinary_braces_are_not_placeholders(response):
    assert placeholder_check("What is a heap?", response).passed


@pytest.mark.parametrize(("instruction", "passed"), [
    ("Heap Queues", False),                                                   # a heading of the seed
    ("Composting Process (Sorting, Counting, and Math)", False),              # reads as a heading
    ("1. The heapq module provides an implementation of the heap queue algorithm.", False),  # lifted
    ("Which algorithm does the heapq module implement?", True),
    ("Explain why every parent node is at most its children", True),          # a request without "?"
    ("Name the two names of the algorithm.", True),
])
def test_an_instruction_must_be_a_request_not_a_heading_or_a_copied_sentence(instruction, passed):
    assert heading_check(instruction, [SEED]).passed is passed


def test_an_instruction_that_restates_its_type_description_is_caught():
    prose = RC.instruction_type("best_summary").instructions
    echoed = "write a best summary question with four answer options, ask which option is the most accurate"
    assert not echo_check(echoed, prose).passed
    assert echo_check("Which option best summarizes how heaps order their nodes? (A) ... (D) ...", prose).passed


def test_generation_runs_the_named_checks_only_and_compile_keeps_its_set():
    item = PassageItem(SEED, "Heap Queues", "literal_comprehension", "identity", response="{response}")
    compile_set = {c.name for c in check_item(item, RC)}
    assert not compile_set & {"placeholder", "heading", "echo"}
    named = check_item(item, RC, seed_text=SEED, only=["placeholder", "heading"])
    assert [(c.name, c.passed) for c in named] == [("placeholder", False), ("heading", False)]
