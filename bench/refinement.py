"""Difficulty gained by the Suggester/Editor flow: the share of refined items the jury judges harder.

Runs ``agentinstruct.generate`` on a fixed set of seeds (``examples/seeds/prose``, the first ``--limit``
chunks) for reading comprehension with refinement on and the judging stage on; every refined item is rated
against its parent by the difficulty judge. Prints ``name=value`` lines: per skill/goal and per round the
refined items, how many were rated, the share judged harder and the mean difficulty; the judge overhead
(judge calls per record, all calls per record, wall seconds per record); and, last, ``harder_share=``.

``--model dummy`` runs on a DummyLM whose difficulty judge finds ``make_complex`` items harder and the others
not: a deterministic check of the arithmetic. ``--model embedded``
runs every role on the embedded SmolLM2 (examples/configs/embedded.yaml): a real, if weak, figure. Usage::

    python bench/refinement.py [--model dummy|embedded] [--limit 6] [--rounds 1] [--out DIR] [--config FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: import this tree's packages

SEEDS = ROOT / "examples" / "seeds" / "prose"
HARDER_GOALS = ("make_complex",)
"""The goals the dummy difficulty judge calls harder (``alter_answer`` and ``make_unanswerable`` are not)."""

_ANSWERS = {
    "passage": ("Honey bees keep their hive near 35 degrees. In summer, workers fan their wings and spread water "
                "to cool the brood; in winter they cluster and shiver their flight muscles to make heat, while "
                "the queen stays at the warm centre of the cluster."),
    "task": "Why do worker bees spread water inside the hive in summer?",
    "suggestions": ["Ask for the mechanism that links two separate facts of the passage."],
    "modified_passage": ("Honey bees keep their hive near 35 degrees. In summer, workers fan their wings; in winter "
                         "they cluster and shiver their flight muscles to make heat, and the queen stays at the "
                         "warm centre of the cluster while the outer bees rotate inward."),
    "modified_instruction": "How do the bees' summer and winter behaviours each keep the brood near 35 degrees?",
    "response": ("In summer the workers fan their wings and spread water, which cools the hive as it evaporates; "
                 "in winter they cluster and shiver to make heat, keeping the brood near 35 degrees."),
    "rationale": "Grounded in the passage and correct.",
    "score": 8,
    "analysis": "Every sentence of the response is supported by the passage.",
    "hallucination_detected": False,
    "hallucinated_spans": [],
}


UNANSWERABLE = "In which year was the first hive of this colony founded?"
"""What the dummy editor makes of a question under ``make_unanswerable`` (the passage cannot answer it)."""


def dummy_lm():
    """A DummyLM for every role, answering by the prompt: the ``make_unanswerable`` editor asks a question the
    passage cannot answer and the responder says so (the item passes its checks); the difficulty judge finds
    the goals in ``HARDER_GOALS`` harder and the others not."""
    import dspy
    from dspy.utils import DummyLM

    class Dummy(DummyLM):
        def _use_example(self, messages):
            system, last = messages[0]["content"], messages[-1]["content"]
            answer = dict(_ANSWERS)
            if "Make the question unanswerable" in system:
                answer["modified_instruction"] = UNANSWERABLE
            if UNANSWERABLE in last and "[[ ## rubric ## ]]" not in last:
                answer["response"] = "The passage does not provide enough information to answer this question."
            answer["harder"] = any(f"[[ ## goal ## ]]\n{goal}\n" in last for goal in HARDER_GOALS)
            return self._format_answer_fields(answer)

    return Dummy([], follow_examples=True, adapter=dspy.JSONAdapter())


def run(model: str, limit: int, rounds: int, out: Path, config: Path | None = None) -> dict[str, float | None]:
    """Generate with judging on; returns the figures (and prints them as ``name=value`` lines)."""
    from agentinstruct import generate
    from core.config import load_config

    cfg = load_config(config or ROOT / "examples" / "configs" / "embedded.yaml")
    cfg.generation.instruction_types_per_passage = 2
    cfg.generation.refinement_rounds = rounds
    cfg.generation.refinement_suggestions = 1
    cfg.quality.dedup = False
    cfg.quality.decontaminate = False
    cfg.cache.dir = str(out / "cache")
    lms = dummy_lm() if model == "dummy" else None
    started = time.perf_counter()
    summary = generate(SEEDS, out / "run", config=cfg, lms=lms, limit=limit, compiled_dir=None)
    wall = time.perf_counter() - started
    js = summary.judging
    assert js is not None, "the judging stage is off"
    records = max(1, summary.records_written)
    judge_calls = summary.usage_by_role.get("judge")
    figures: dict[str, float | None] = {
        "records": summary.records_written, "judged": js.judged, "refused_by_judges": js.refused_by_judges,
        "refused_by_checks": js.refused_by_checks,
        "judge_calls_per_record": (judge_calls.calls if judge_calls else 0) / records,
        "calls_per_record": summary.llm_calls / records, "wall_s_per_record": wall / records,
    }
    for title, stats in (("goal", js.refinement), ("round", js.refinement_by_round)):
        for key, st in sorted(stats.items()):
            name = key.replace(" ", "_")
            print(f"{title}[{name}]: refined={st.refined} answerable={st.answerable} rated={st.rated} "
                  f"harder={st.harder} harder_share={_fmt(st.harder_share)} "
                  f"mean_difficulty={_fmt(st.mean_difficulty)}")
    for name, value in figures.items():
        print(f"{name}={_fmt(value)}")
    figures["harder_share"] = js.harder_share
    print(f"harder_share={_fmt(js.harder_share)}")
    return figures


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run the bench."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("dummy", "embedded"), default="dummy")
    parser.add_argument("--limit", type=int, default=6, help="Seed chunks of examples/seeds/prose.")
    parser.add_argument("--rounds", type=int, default=1, help="Refinement rounds.")
    parser.add_argument("--out", type=Path, default=None, help="Where the run goes (default: a temp dir).")
    parser.add_argument("--config", type=Path, default=None,
                        help="The run config (default: examples/configs/embedded.yaml).")
    args = parser.parse_args(argv)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        run(args.model, args.limit, args.rounds, args.out, args.config)
        return
    with tempfile.TemporaryDirectory(prefix="bench-refinement-") as tmp:
        run(args.model, args.limit, args.rounds, Path(tmp), args.config)


if __name__ == "__main__":
    main()
