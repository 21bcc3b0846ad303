"""Arena test doubles (importable: pytest's pythonpath includes tests/): DummyLM students whose answers
name their quality, a judge that prefers the answer that says STRONG (in either position, so it is
consistent), a position-biased judge, and a generator whose outputs differ per seed (so that generated
instructions are not all one text)."""

from __future__ import annotations

import random

import dspy
from dspy.utils import DummyLM
from dummies import ALL_FIELDS

from agentinstruct.arena.config import BattleConfig, CompetitorSpec, JudgeSpec
from agentinstruct.arena.instructions import Instruction


def student(text: str, n: int = 2000) -> DummyLM:
    """A competitor answering ``text`` every time (its model name is its own, so the request cache keeps
    competitors apart: it keys on the model)."""
    lm = DummyLM([{"response": text}] * n, adapter=dspy.JSONAdapter())
    lm.model = "dummy/" + "-".join(text.lower().split())
    return lm


def _pos(field: str) -> str:
    return f'## answer_{field} ## ]]\n{{\n  "response": "STRONG'


def judge(mode: str = "label", name: str = "judge") -> DummyLM:
    """Prefers the STRONG answer wherever it stands; otherwise a tie."""
    if mode == "label":
        answers = {_pos("a"): {"explanation": "A is better.", "label": "A>B"},
                   _pos("b"): {"explanation": "B is better.", "label": "B>A"},
                   "": {"explanation": "Equal.", "label": "A=B"}}
    else:
        answers = {_pos("a"): {"explanation": "A is better.", "score_a": 9, "score_b": 3},
                   _pos("b"): {"explanation": "B is better.", "score_a": 3, "score_b": 9},
                   "": {"explanation": "Equal.", "score_a": 5, "score_b": 5}}
    lm = DummyLM(answers, adapter=dspy.JSONAdapter())
    lm.model = f"dummy/{name}"
    return lm


def biased_judge(name: str = "biased") -> DummyLM:
    """Always prefers position A: every verdict flips with the order."""
    lm = DummyLM({"": {"explanation": "A.", "label": "A>B"}}, adapter=dspy.JSONAdapter())
    lm.model = f"dummy/{name}"
    return lm


def difficulty_judge() -> DummyLM:
    """Rates every instruction 5."""
    lm = DummyLM({"": {"explanation": "Middling.", "difficulty": 5}}, adapter=dspy.JSONAdapter())
    lm.model = "dummy/difficulty"
    return lm


_VOCAB = ("river harbour ledger lantern orchard canal ferry meadow quarry mill tower valley copper salt "
          "glacier monsoon pollen falcon basalt tide spindle loom granary comet archive vessel furnace "
          "terrace willow marsh beacon").split()


def seed_text(k: int) -> str:
    """A seed document about topic ``k``: a distinct bag of words, so no two seeds share long n-grams."""
    rng = random.Random(k)
    return f"Topic{k}: " + " ".join(rng.choice(_VOCAB) for _ in range(60)) + ".\n"


def _words(rng: random.Random):
    return lambda n: " ".join(rng.choice(_VOCAB) for _ in range(n))


def generator(n_seeds: int) -> DummyLM:
    """Answers every generation signature; the passage, task and answer are per seed (keyed by its topic)."""
    answers = {}
    for k in range(n_seeds):
        words = _words(random.Random(1000 + k))
        passage = f"Topic{k} passage: {words(50)}."
        answers[f"Topic{k}"] = {**ALL_FIELDS, "passage": passage, "modified_passage": f"{passage} {words(10)}.",
                                "task": f"Topic{k} question: which {words(12)}?",
                                "modified_instruction": f"Topic{k} harder question: which {words(14)}?",
                                "response": f"Topic{k} answer: {words(20)}.", "difficulty": 5}
    return DummyLM(answers, adapter=dspy.JSONAdapter())


def items(n: int = 6) -> list[Instruction]:
    """``n`` plain one-turn instructions."""
    return [Instruction(id=f"p{i}", messages=[{"role": "user", "content": f"Question number {i}?"}])
            for i in range(n)]


def config(mode: str = "label", judges=("judge",), **kw) -> BattleConfig:
    """Three competitors (strong, weak, mid) and the named judges; 200 bootstrap rounds."""
    base = dict(competitors=[CompetitorSpec(name=n) for n in ("strong", "weak", "mid")],
                judges=[JudgeSpec(name=j) for j in judges], mode=mode, leaderboard={"rounds": 200})
    return BattleConfig(**{**base, **kw})


def lms(mode: str = "label") -> dict:
    """The models of ``config()``."""
    return {"strong": student("STRONG answer"), "weak": student("weak answer"), "mid": student("mid answer"),
            "judge": judge(mode)}


class CountingLM(dspy.BaseLM):
    """Forwards to ``inner``, counting calls; raises ``Killed`` once ``kill_after`` calls have completed."""

    def __init__(self, inner: dspy.BaseLM, kill_after: int | None = None):
        super().__init__(model=inner.model)
        self.inner, self.kill_after, self.calls = inner, kill_after, 0

    def __call__(self, *args, **kwargs):
        if self.kill_after is not None and self.calls >= self.kill_after:
            raise Killed(f"killed after {self.calls} calls")
        out = self.inner(*args, **kwargs)
        self.calls += 1
        return out


class Killed(BaseException):
    """A simulated kill (like SIGKILL it is no ``Exception``: nothing catches it per unit)."""
