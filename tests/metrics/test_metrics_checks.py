"""Deterministic checks: length, language, answerability markers, options, schema."""

from pydantic import BaseModel

from core.taxonomy import load_skills
from metrics.checks import (
    ChecksConfig,
    answerability_check,
    check_item,
    dominant_script,
    language_check,
    length_check,
    options_check,
    schema_check,
)
from programs import PassageItem

RC = load_skills()["reading_comprehension"]
ANSWER = "The passage says purine breakdown produces uric acid, so the answer is (B)."


def test_length_check():
    assert length_check("x", "one two three", 3).passed
    result = length_check("x", "one two", 3)
    assert not result.passed and "2 words < 3" in result.detail
    assert not length_check("x", "a b c d", 0, 3).passed


def test_language_check_by_script_and_common_words():
    assert language_check("l", ANSWER, "en").passed
    assert dominant_script("Пчёлы делают мёд") == "CYRILLIC"
    assert not language_check("l", "Пчёлы делают мёд из нектара цветов", "en").passed
    assert language_check("l", "Пчёлы делают мёд из нектара цветов", "ru").passed
    assert not language_check("l", "zorp blick fnord quax vemp dralo skiv trunp", "en").passed


def test_answerability_markers():
    assert answerability_check("The passage does not provide the year.", True).passed
    assert not answerability_check(ANSWER, True).passed
    assert not answerability_check("This cannot be answered from the text.", False).passed


def test_options_are_required_only_when_the_type_asks_for_them():
    prose = RC.instruction_type("strengthen").instructions
    full = "Which strengthens it? (A) x (B) y (C) z (D) w (E) v"
    assert options_check(full, prose).passed
    missing = options_check("Which strengthens it? (A) x (B) y", prose)
    assert not missing.passed and "'C'" in missing.detail
    assert options_check("Which fact?", RC.instruction_type("literal_comprehension").instructions).passed


def test_schema_check():
    class Answer(BaseModel):
        answer: str

    assert schema_check('{"answer": "B"}', Answer).passed
    assert not schema_check('{"choice": "B"}', Answer).passed
    assert not schema_check("B", None).passed


def test_check_item_on_generated_items():
    good = PassageItem("P", "Which fact does the passage state first?", "literal_comprehension", "identity",
                       response=ANSWER)
    assert all(c.passed for c in check_item(good, RC))
    unanswerable = PassageItem("P", "In which year was it found?", "literal_comprehension", "identity", round=1,
                               goal="make_unanswerable", response=ANSWER)
    failed = {c.name for c in check_item(unanswerable, RC) if not c.passed}
    assert failed == {"answerability"}
    mcq = PassageItem("P", "Which finding most strengthens the argument?", "strengthen", "identity",
                      response=ANSWER)
    assert {c.name for c in check_item(mcq, RC) if not c.passed} == {"options"}
    assert "instruction_language" not in {c.name for c in check_item(good, RC, ChecksConfig(language=None))}
