"""The web agent's action language (the web_agent skill's system prompt) and its mechanical check.

A response reasons in free text and gives actions one per line: ``CLICK [id]``, ``TYPE [id] "text"``,
``SELECT [id] "option"``, ``SCROLL down|up N px``, ``SCROLL to [id]``, ``PRESS key``, ``WAIT``, and finally
``DONE "answer"``. ``problems`` says why a response is not a usable action sequence for a page: no action
at all, an element id the page does not have, or no closing ``DONE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = r"\[([A-Za-z]?\w{0,12})\]"
_QUOTED = r"\"[^\"\n]*\""
_FORMS = {
    "CLICK": re.compile(rf"^CLICK\s+{_ID}\s*$"),
    "TYPE": re.compile(rf"^TYPE\s+{_ID}\s+{_QUOTED}\s*$"),
    "SELECT": re.compile(rf"^SELECT\s+{_ID}\s+{_QUOTED}\s*$"),
    "SCROLL": re.compile(rf"^SCROLL\s+(?:(?:down|up)\s+\d{{1,6}}\s*px|to\s+{_ID})\s*$", re.IGNORECASE),
    "PRESS": re.compile(r"^PRESS\s+[\w+-]{1,20}\s*$"),
    "WAIT": re.compile(r"^WAIT\s*$"),
    "DONE": re.compile(rf"^DONE\s+{_QUOTED}\s*$"),
}
_VERB = re.compile(r"^(?:\d+[.)]\s*|[-*]\s*)?([A-Z]{4,6})\b")
_PAGE_ID = re.compile(_ID)


@dataclass(frozen=True)
class Action:
    """One action line: its verb, the element id it refers to (if any) and the line as written."""

    verb: str
    element: str | None
    line: str


def parse_actions(response: str) -> tuple[list[Action], list[str]]:
    """The action lines of a response, and the lines that start with an action verb but break its form.

    A line counts as an action when it starts (after an optional list marker) with one of the verbs in
    capitals; anything else is the agent's reasoning.
    """
    actions, malformed = [], []
    for raw in response.splitlines():
        line = raw.strip().strip("`").strip()
        verb = _VERB.match(line)
        if not verb or verb.group(1) not in _FORMS:
            continue
        body = line[verb.start(1):]
        found = _FORMS[verb.group(1)].match(body)
        if found is None:
            malformed.append(line[:80])
            continue
        element = next((g for g in found.groups() if g), None) if found.groups() else None
        actions.append(Action(verb.group(1), element, body))
    return actions, malformed


def page_ids(page: str) -> set[str]:
    """The element ids a page lists (``[e1]``, ``[12]``)."""
    return set(_PAGE_ID.findall(page))


def problems(response: str, page: str) -> list[str]:
    """Why ``response`` is not a usable action sequence on ``page`` (empty when it is)."""
    actions, malformed = parse_actions(response)
    found = [f"malformed action {line!r}" for line in malformed[:3]]
    if not actions:
        return [*found, "no action in the allowed forms (CLICK/TYPE/SELECT/SCROLL/PRESS/WAIT/DONE)"]
    known = page_ids(page)
    unknown = sorted({a.element for a in actions if a.element and a.element not in known})
    if unknown:
        found.append(f"element id(s) not on the page: {', '.join(unknown[:5])}")
    if actions[-1].verb != "DONE":
        found.append("the actions do not end with DONE")
    return found
