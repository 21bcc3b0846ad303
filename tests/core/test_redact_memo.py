"""The secret-value scan of ``os.environ`` is memoized, yet sees every change at once."""

from __future__ import annotations

import os

from core import redact as redaction

SECRET = "value-of-a-secret-token-1234"


def test_a_secret_set_a_moment_ago_is_redacted_at_once(monkeypatch):
    assert redaction.redact("nothing here") == "nothing here"  # the memo is warm
    monkeypatch.setenv("AGENTINSTRUCT_TEST_API_KEY", SECRET)
    assert SECRET not in redaction.redact(f"the key is {SECRET}")
    monkeypatch.setenv("AGENTINSTRUCT_TEST_API_KEY", SECRET + "-rotated")
    assert redaction.redact(f"{SECRET}-rotated") == redaction.REDACTED
    monkeypatch.delenv("AGENTINSTRUCT_TEST_API_KEY")
    assert redaction.redact(SECRET) == SECRET  # gone from the environment: no longer a known secret


def test_os_environ_is_scanned_once_while_it_does_not_change(monkeypatch):
    monkeypatch.setenv("AGENTINSTRUCT_TEST_TOKEN", SECRET)
    redaction.redact("warm")
    scans = []
    original = redaction._secret_values
    monkeypatch.setattr(redaction, "_secret_values", lambda env: scans.append(1) or original(env))
    for _ in range(50):
        assert redaction.redact(SECRET) == redaction.REDACTED
    assert scans == []
    os.environ["AGENTINSTRUCT_TEST_TOKEN"] = SECRET + "x"  # monkeypatch restores it
    assert redaction.redact(SECRET + "x") == redaction.REDACTED
    assert scans == [1]


def test_an_explicit_environment_is_read_as_given():
    assert redaction.secret_env_values({"MY_PASSWORD": SECRET, "HOME": "/home/someone"}) == [SECRET]
    assert redaction.redact(SECRET, environ={"MY_PASSWORD": SECRET}) == redaction.REDACTED
