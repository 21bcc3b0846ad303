import json

import pytest

from core.flow.failures import classify, excerpt
from core.flow.outcome import FatalRunError, UnitOutcome
from core.lm.local_engine import OutputTruncated
from programs.item import EmptyOutputError


class LMAuthError(Exception):
    pass


class LMUnexpectedError(Exception):
    pass


def _wrapped(inner: BaseException, outer=LMUnexpectedError) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer("wrapped") from exc
    except BaseException as exc:  # noqa: BLE001
        return exc


def test_classify_reads_the_cause_chain():
    assert classify(_wrapped(OutputTruncated("cut"))) == "truncation"
    assert classify(EmptyOutputError("nothing")) == "validation"
    assert classify(json.JSONDecodeError("bad", "x", 0)) == "parse"
    assert classify(RuntimeError("something else")) == "internal"


def test_auth_failure_is_fatal_and_recorded():
    outcome = UnitOutcome()
    with pytest.raises(FatalRunError):
        outcome.fail("respond", "x", LMAuthError("invalid key"))
    assert outcome.failures[0].reason == "auth"


def test_excerpt_is_short_and_single_line():
    text = excerpt(ValueError("a\nb " * 500), limit=50)
    assert "\n" not in text and len(text) <= 50
