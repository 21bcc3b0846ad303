"""Checks on what a stage's model wrote, before it becomes part of an item (and so of a record).

One function per class of bad output; each returns why the text is unusable (``None`` when it is fine).
``check_output`` runs the classes that apply to any text field, ``check_edit`` the ones of an edit, and
``check_messages`` those of a last stage's turns; each raises ``OutputRejected`` with the class's reason
code (``core.flow.failures.REASONS``), which the flow records (and, for the classes a new sample may fix,
retries within the stage's attempts). The LM middleware has already refused answers that are not one
strict JSON object or were cut at ``max_tokens`` (``core.lm.metered.structure_problem``); these checks are
about what the fields say.

=============  ======================================================================  ===========
reason         refused when                                                            retried
=============  ======================================================================  ===========
too_long       a field over its cap (``FIELD_CAPS``; an 8 MB answer made a 336 MB shard)  yes
secret         a key-like string or a secret environment value (``core.redact``)        no
injection      a token the stage's input told the model to print (``planted_tokens``)   no
untrusted_url  a markdown/HTML link or image to a URL the stage's input never held      no
refusal        "I'm sorry, I can't help with that", plain or as a JSON value            yes
degenerate     one phrase repeated over most of the text                               yes
edit_noop      an edit equal to its input but for whitespace                           yes
drift          an edit that shares almost no content words with what it edited         yes
=============  ======================================================================  ===========

A refused answer is also forgotten by the request cache (``refused_not_cached``): a rerun asks again
instead of replaying it.
"""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from collections import Counter
from collections.abc import Iterator

from core.flow.failures import classify
from core.lm.metered import answers_served, forget
from core.redact import redact
from core.safe_text import escape_controls, safe_text
from core.seeds.screen import planted_tokens, without_directives
from programs.item import EmptyOutputError

FIELD_CAPS = {"passage": 60_000, "instruction": 8_000, "suggestion": 4_000, "response": 60_000}
"""Characters one field may hold (a turn of a conversation or trace counts as a response)."""


class OutputRejected(EmptyOutputError):
    """A stage output refused by one of the checks; ``reason_code`` is the failure's reason."""

    def __init__(self, reason_code: str, detail: str):
        super().__init__(detail)
        self.reason_code = reason_code


def _excerpt(text: str, limit: int = 60) -> str:
    """A short, one-line, redacted excerpt of an output for a failure message."""
    return escape_controls(redact(text[:limit * 4]))[:limit]


# -- one function per class --------------------------------------------------------------------------
def too_long(text: str, field: str) -> str | None:
    cap = FIELD_CAPS.get(field, FIELD_CAPS["response"])
    return f"{len(text):,} characters, over the {field} cap of {cap:,}" if len(text) > cap else None


def secret(text: str) -> str | None:
    return "carries a key-like string or a secret value" if redact(text) != text else None


def injection(text: str, source: str) -> str | None:
    tokens = planted_tokens(source)
    rest = without_directives(text) if tokens else text  # a passage may keep the instruction; it may not obey it
    for token in tokens:
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", rest):
            return f"prints {token!r}, a token its input told the model to print"
    return None


_LINK = re.compile(r"!?\[[^\]\n]{0,500}\]\(\s*<?(?P<md>[^)\s>]+)|<(?P<auto>(?:https?|ftp)://[^>\s]+)>"
                   r"|\b(?:src|href|srcset|action|poster)\s*=\s*[\"']?(?P<html>[^\"'\s>]+)", re.IGNORECASE)
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//)", re.IGNORECASE)


def untrusted_url(text: str, source: str) -> str | None:
    for match in _LINK.finditer(text):
        url = (match["md"] or match["auto"] or match["html"] or "").strip()
        if _SCHEME.match(url) and url not in source:
            return f"links to {_excerpt(url, 80)!r}, a URL its input does not contain"
    return None


_REFUSAL = re.compile(
    r"^\W{0,8}(?:(?:i'?m|i am)\s+(?:so\s+|very\s+)?sorry|sorry|i\s+apologi[sz]e|unfortunately|as an ai|as a language"
    r" model|i\s+(?:can(?:no|')t|can not|am unable|'m unable|am not able|won'?t|will not|must decline|"
    r"'m not able|do not feel comfortable))[^\n]{0,160}?\b(?:help|assist|comply|fulfil+|provide (?:that|this|"
    r"the requested)|(?:this|that|your) request|do (?:that|this)|engage|generate (?:that|this)|create (?:that|this))",
    re.IGNORECASE,
)


def _refuses(text: str) -> bool:
    return bool(_REFUSAL.search(text.strip()[:400]))


def refusal(text: str) -> str | None:
    stripped = text.strip()
    values = [stripped]
    if stripped[:1] in "{[":
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and parsed.get("refusal"):
            return "a refusal (a JSON 'refusal' field)"
        values += [v for v in (parsed.values() if isinstance(parsed, dict) else parsed if isinstance(parsed, list)
                               else ()) if isinstance(v, str)]
    return "a refusal to answer" if any(_refuses(v) for v in values) else None


MIN_REPEAT_CHARS = 200


def degenerate(text: str) -> str | None:
    if len(text) < MIN_REPEAT_CHARS:
        return None
    raw = text.encode("utf-8", "replace")
    ratio = len(zlib.compress(raw, 6)) / len(raw)
    if ratio < 0.08:
        return f"degenerate repetition (compresses to {ratio:.0%})"
    words = text.split()
    if len(words) >= 30:
        grams = Counter(zip(words, words[1:], words[2:], strict=False))
        gram, count = grams.most_common(1)[0]
        if count >= 8 and count * 3 >= 0.6 * (len(words) - 2):
            return f"degenerate repetition ({' '.join(gram)!r} x{count})"
    return None


def _norm(text: str) -> str:
    return " ".join(text.split())


def edit_noop(before: list[str], after: list[str]) -> str | None:
    if all(_norm(a) == _norm(b) for a, b in zip(before, after, strict=True)):
        return "the edit equals its input but for whitespace"
    return None


_STOP = frozenset("""a an and are as at be but by for from has have in into is it its of on or that the their this to
was were which with what when where who why how does did do not no yes can could would should will may might
than then there these those they them he she his her we you your our about after before also more most other
some such only own same so too very just any each few both all between through during under over again""".split())


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]{3,}", text.casefold()) if w not in _STOP}


MIN_DRIFT_WORDS = 8
DRIFT_OVERLAP = 0.2


def drift(source: str, edited: str) -> str | None:
    words = _content_words(edited)
    if len(words) < MIN_DRIFT_WORDS:
        return None
    shared = len(words & _content_words(source)) / len(words)
    if shared < DRIFT_OVERLAP:
        return f"the edit drifted to another subject ({shared:.0%} of its content words are in what it edited)"
    return None


# -- what the stages call ----------------------------------------------------------------------------
def output_problem(text: str, source: str, field: str) -> tuple[str, str] | None:
    """(reason, detail) of the first check ``text`` fails, ``source`` being what the stage was given."""
    for reason, problem in (("too_long", lambda: too_long(text, field)), ("secret", lambda: secret(text)),
                            ("injection", lambda: injection(text, source)),
                            ("untrusted_url", lambda: untrusted_url(text, source)),
                            ("refusal", lambda: refusal(text)), ("degenerate", lambda: degenerate(text))):
        detail = problem()
        if detail is not None:
            return reason, detail
    return None


def check_output(text: str, where: str, source: str, field: str) -> str:
    """``text`` made safe (``safe_text``), or ``OutputRejected`` naming the first check it fails."""
    text = safe_text(text)
    problem = output_problem(text, source, field)
    if problem is not None:
        raise OutputRejected(problem[0], f"{where} produced {field} refused as {problem[0]}: {problem[1]}")
    return text


def check_edit(where: str, before: list[str], after: list[str], context: str) -> None:
    """An edit's fields (``after``) against what it edited (``before``): ``edit_noop``, then ``drift`` of each
    changed field from ``context`` (the passage and instruction the editor was given)."""
    detail = edit_noop(before, after)
    if detail is not None:
        raise OutputRejected("edit_noop", f"{where}: {detail}")
    for old, new in zip(before, after, strict=True):
        detail = drift(context, new) if _norm(old) != _norm(new) else None
        if detail is not None:
            raise OutputRejected("drift", f"{where}: {detail}")


def check_messages(messages: list[dict[str, str]], source: str, where: str = "last stage") -> None:
    """Every turn after the opening request (the model's turns, simulated users, tool results), cleaned in
    place and checked like a response."""
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    start = users[0] + 1 if users else 0
    for message in messages[start:]:
        if isinstance(message.get("content"), str):
            message["content"] = check_output(message["content"], where, source, "response")


FORGOTTEN_REASONS = frozenset({"parse", "validation", "ambiguous"})
"""Failures of a stage that was served an answer it could not use (besides the checks' own refusals): an
answer that parsed as JSON but not into the signature's fields is forgotten as well."""


@contextlib.contextmanager
def refused_not_cached() -> Iterator[list]:
    """Around one stage attempt: when it is refused (``EmptyOutputError``, of which ``OutputRejected`` is one,
    or an answer that did not parse into the signature), the answers it was served are removed from the
    request cache, so a rerun asks again instead of replaying them."""
    with answers_served() as served:
        try:
            yield served
        except Exception as exc:
            if isinstance(exc, EmptyOutputError) or classify(exc) in FORGOTTEN_REASONS:
                forget(served)
            raise
