"""Redaction: secrets replaced by ``[REDACTED]`` in text that leaves the process (a prompt, a file, a log).

Policy. :func:`redact` replaces, in this order:

1. **Secret environment values.** The value of every environment variable of this process whose *name*
   contains ``KEY``, ``TOKEN``, ``SECRET``, ``PASSWORD``, ``PASSWD`` or ``CREDENTIAL`` (any case) and whose
   value is at least 8 characters long, wherever the value occurs (longest values first). The environment
   is read at each call (``os.environ`` unless one is passed), so a key set later is covered too (the scan
   of ``os.environ`` is memoized until its contents change).
2. **Credential shapes.** Strings shaped like a known kind of credential, whatever the environment holds:
   ``sk-...`` (OpenAI, Anthropic and similar), AWS access key ids (``AKIA``/``ASIA`` + 16), GitHub tokens
   (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``, ``github_pat_``), Slack tokens (``xoxb-``, ``xoxp-``,
   ...), Google API keys (``AIza...``), Hugging Face tokens (``hf_...``), JSON Web Tokens and PEM private
   key blocks.
3. **Assigned secrets.** The value after a secret-looking name and ``=`` or ``:`` (``api_key=...``,
   ``"token": "..."``, ``password: ...``) and after ``Bearer``, when it is a run of at least 16 letters,
   digits or ``-_.+/=`` with a digit among its first 64 characters: long hex and base64 runs are caught
   while code in a traceback (``key=operator.itemgetter(1)``) stays readable. The name and the separator
   are kept.
4. **URL passwords.** The password of a URL's user information (``https://user:password@host``).

Not promised: secrets of other shapes (a short password that is not in the environment, a value split or
encoded by the code that printed it) pass through. Redaction is the last line of defence, behind never
handing secrets to untrusted code at all.

This module is part of the bottom layer and imports nothing from the project, so any writer (the sandbox,
failure logs, records) can use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

REDACTED = "[REDACTED]"
MIN_SECRET_CHARS = 8

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)

_SHAPE_PATTERNS = (
    r"\bsk-[A-Za-z0-9_\-]{12,}",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{20,}",
    r"\bgithub_pat_[A-Za-z0-9_]{20,}",
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
    r"\bAIza[0-9A-Za-z_\-]{35}",
    r"\bhf_[A-Za-z0-9]{30,}",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|\Z)",
)
_SHAPES = re.compile("|".join(_SHAPE_PATTERNS))

# Every pattern is linear in the text: each starts with a literal or a short bounded prefix, and nothing
# unbounded is retried from many positions (the sandbox feeds this up to 64 KiB runs of one character).
# A run that looks like key material: 16+ token characters with a digit among the first 64.
_VALUE = r"(?=[A-Za-z0-9_\-.+/=]{0,64}?[0-9])[A-Za-z0-9_\-.+/=]{16,}"
_ASSIGNED = re.compile(
    r"(?P<name>(?:key|token|secret|password|passwd|credential)s?[A-Za-z0-9_\-.]{0,32}?)"
    r"(?P<sep>[\"']?[ \t]{0,4}[:=][ \t]{0,4}[\"']?)(?P<value>" + _VALUE + ")",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<name>\bBearer)(?P<sep>[ \t]{1,4})(?P<value>" + _VALUE + ")", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]{0,30}://[^\s:/@]{1,256}:)(?P<value>[^\s@/]{1,256})(?=@)",
                           re.IGNORECASE)


def _secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    values = {value for name, value in env.items() if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_CHARS}
    return tuple(sorted(values, key=len, reverse=True))


_ENV_MEMO: tuple[object, tuple[str, ...]] | None = None
"""(snapshot of the process environment, its secret values): ``os.environ`` decoded and scanned once per
change, not per call (3.8% of the engine's GIL time was this scan, ``docs/engine.md``)."""


def _environ_snapshot() -> object:
    """A cheap exact fingerprint of ``os.environ``: a copy of its raw mapping (compared in C), or its items."""
    raw = getattr(os.environ, "_data", None)  # CPython: the encoded dict behind os.environ, updated on every set
    return dict(raw) if isinstance(raw, dict) else tuple(os.environ.items())


def _environ_unchanged(snapshot: object) -> bool:
    raw = getattr(os.environ, "_data", None)
    return raw == snapshot if isinstance(raw, dict) else tuple(os.environ.items()) == snapshot


def secret_env_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of the secret-looking environment variables (rule 1), longest first.

    For ``os.environ`` (``environ=None``) the scan is redone only when the environment changed since the
    last call (an exact comparison of its contents), so a key set a moment ago is covered at once."""
    global _ENV_MEMO
    if environ is not None:
        return list(_secret_values(environ))
    memo = _ENV_MEMO
    if memo is not None and _environ_unchanged(memo[0]):
        return list(memo[1])
    snapshot = _environ_snapshot()
    values = _secret_values(os.environ)
    _ENV_MEMO = (snapshot, values)
    return list(values)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with every secret the policy above recognises replaced by ``[REDACTED]``."""
    if not text:
        return text
    for value in secret_env_values(environ):  # memoized for os.environ until it changes
        text = text.replace(value, REDACTED)
    text = _SHAPES.sub(REDACTED, text)
    text = _ASSIGNED.sub(lambda m: m["name"] + m["sep"] + REDACTED, text)
    text = _BEARER.sub(lambda m: m["name"] + m["sep"] + REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: m["head"] + REDACTED, text)
