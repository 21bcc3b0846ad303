"""Data the teaching benchmark derives locally: held-out IFEval-style prompts, reasoning-gym specs, and
procedural training records whose answers a verifier checked.

- ``ifeval_style_rows``: prompts in IFEval's layout (``key, prompt, instruction_id_list, kwargs``) on topics
  of their own, each instruction worded by ``if_verifiable``'s own ``build_description`` (IFEval's phrasing),
  so the scorer is the real IFEval checker. None of these topics or phrasings is in the training data.
- ``gym_spec``: a reasoning-gym spec file (the ``reasoning_gym`` benchmark's layout) for a seed.
- ``verified_records``: the teacher answers reasoning-gym questions of *training* seeds; its final answer,
  read by the benchmark's own extractor (``<answer>`` tags, then "the answer is"/"Answer:", then the last
  line), is kept only when the task's verifier accepts it (resampled until one passes). The tiny teacher
  rarely solves them unaided, so after the unaided tries it is shown the verified answer and asked to
  explain it (rationalization, as in STaR); the check is the same, and each record says which way it
  passed. The flow then writes the accepted answer in the required ``<answer>`` tags if the teacher did
  not (the format, checked mechanically). A training question equal to a held-out one is skipped.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

from core.records import Record
from eval.benchmarks.base import BenchItem
from eval.benchmarks.procedural import INSTRUCTION
from eval.extraction import patterns
from eval.students.base import GenerationSettings, Student

TOPICS = [
    "how lighthouses warned ships before radio", "why volcanoes erupt", "the history of the bicycle",
    "why the sky is blue", "how a refrigerator keeps food cold", "the life cycle of a frog",
    "how glaciers shape valleys", "why cats purr", "how a rainbow forms", "the invention of the telephone",
    "how coral reefs grow", "why leaves fall in autumn", "how submarines dive and surface",
    "the rules of chess in brief", "how a compass works", "why bread rises", "how owls hunt at night",
    "the first flight of the Wright brothers", "how tides follow the moon", "why salt melts ice on roads",
    "how a violin makes sound", "the migration of monarch butterflies", "how solar panels make electricity",
    "why onions make people cry", "how a city subway is planned", "the making of paper from wood",
    "how hurricanes get their names", "why zebras have stripes", "how a library organises its books",
    "the origins of the marathon", "how clouds are classified", "why penguins cannot fly",
    "how an elevator stays safe", "the story of the Rosetta Stone", "how earthquakes are measured",
    "why the moon has phases", "how cheese is aged", "the rise of the printing of maps", "how a kite flies",
    "why deserts are cold at night",
]
TASKS = ["Write a short description of {t}.", "Explain {t} to a ten-year-old.", "Write a brief note about {t}.",
         "Give a short overview of {t}."]

# (instruction id, kwargs maker) for the IFEval checkers a short answer can satisfy.
INSTRUCTIONS = [
    ("punctuation:no_comma", lambda r: {}),
    ("change_case:english_lowercase", lambda r: {}),
    ("change_case:english_capital", lambda r: {}),
    ("keywords:existence", lambda r: {"keywords": r.sample(["river", "light", "simple", "history", "energy"], 2)}),
    ("detectable_format:number_bullet_lists", lambda r: {"num_bullets": r.choice([2, 3, 4])}),
    ("length_constraints:number_words", lambda r: {"relation": "less than", "num_words": r.choice([40, 60, 80])}),
    ("startend:end_checker", lambda r: {"end_phrase": r.choice(["Is there anything else I can help with?",
                                                                "That is all."])}),
    ("detectable_format:title", lambda r: {}),
    ("detectable_content:postscript", lambda r: {"postscript_marker": "P.S."}),
    ("detectable_format:number_highlighted_sections", lambda r: {"num_highlights": r.choice([1, 2])}),
    ("startend:quotation", lambda r: {}),
]
_CONFLICTS = {frozenset({"change_case:english_lowercase", "change_case:english_capital"}),
              frozenset({"change_case:english_capital", "keywords:existence"}),
              frozenset({"startend:quotation", "startend:end_checker"}),
              frozenset({"startend:quotation", "detectable_content:postscript"})}


def _describe(instruction_id: str, kwargs: dict) -> str:
    from if_verifiable.ifeval import instructions_registry

    checker = instructions_registry.INSTRUCTION_DICT[instruction_id](instruction_id)
    return checker.build_description(**kwargs)


def ifeval_style_rows(n: int, seed: int, max_instructions: int = 2) -> list[dict]:
    """``n`` IFEval-layout prompts (one topic each, 1-``max_instructions`` instructions), seeded."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        topic = TOPICS[k % len(TOPICS)]
        chosen: list[tuple[str, dict]] = []
        for _ in range(rng.randint(1, max_instructions)):
            iid, make = rng.choice(INSTRUCTIONS)
            if any(iid == c or frozenset({iid, c}) in _CONFLICTS for c, _ in chosen):
                continue
            chosen.append((iid, make(rng)))
        task = rng.choice(TASKS).format(t=topic)
        prompt = " ".join([task] + [_describe(i, kw) for i, kw in chosen])
        rows.append({"key": 70000 + seed * 1000 + k, "prompt": prompt, "instruction_id_list": [i for i, _ in chosen],
                     "kwargs": [kw for _, kw in chosen]})
    return rows


def write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    """Write rows as JSONL (creating the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


GYM_TASKS = {
    "basic_arithmetic": {"min_terms": 2, "max_terms": 2, "min_digits": 1, "max_digits": 1},
    "chain_sum": {"min_terms": 2, "max_terms": 3, "min_digits": 1, "max_digits": 1},
    "leg_counting": {"min_animals": 1, "max_animals": 2},
    "letter_counting": {},
}
"""Tasks small enough for a 135M model to have a chance, with the configs used for training and testing."""


def gym_spec(size_per_task: int, seed: int) -> dict:
    """A reasoning-gym spec (the ``reasoning_gym`` benchmark's file) over :data:`GYM_TASKS`."""
    return {"seed": seed, "tasks": [{"name": n, "size": size_per_task, "config": c} for n, c in GYM_TASKS.items()]}


_TAG = re.compile(r"\s*<answer>.*?</answer>\s*", re.S)


def verified_reply(text: str, dataset, entry) -> str | None:
    """The reply as a training target when its final answer passes the verifier (the answer then in
    ``<answer>`` tags at the end), else None."""
    item = BenchItem(id="train", prompt=entry["question"], reference=str(entry["answer"]))
    found = patterns.tagged(text, item)
    if found.answer is None or len(text) > 900 or float(dataset.score_answer(found.answer, entry)) != 1.0:
        return None
    if found.extractor == "regex_strict" and text.rstrip().endswith("</answer>"):
        return text.strip()
    body = _TAG.sub(" ", text).strip()
    return f"{body}\n\n<answer>{found.answer}</answer>"


def verified_records(teacher: Student, size_per_task: int, seed: int, *, direct: int = 1, hinted: int = 2,
                     exclude: set[str] = frozenset(), max_new_tokens: int = 128) -> tuple[list[Record], dict]:
    """Training records of reasoning-gym questions (seed ``seed``) whose answers the verifier accepted.

    Each question gets ``direct`` unaided samples, then ``hinted`` samples shown the verified answer;
    the first that passes the check is kept. Returns the records and counts (direct, hinted, refused,
    skipped as held-out duplicates).
    """
    import reasoning_gym

    records, counts = [], {"direct": 0, "hinted": 0, "refused": 0, "skipped_heldout": 0}
    for task, config in GYM_TASKS.items():
        dataset = reasoning_gym.create_dataset(task, size=size_per_task, seed=seed, **config)
        for i in range(size_per_task):
            entry = dataset[i]
            if entry["question"] in exclude:
                counts["skipped_heldout"] += 1
                continue
            user = f"{entry['question']}\n\n{INSTRUCTION}"
            hint = (f"{user}\n\nThe correct answer is {entry['answer']}. Explain why in one short sentence and "
                    f"finish with the answer in tags like <answer>{entry['answer']}</answer>.")
            tries = [("direct", user)] * direct + [("hinted", hint)] * hinted
            kept = None
            for attempt, (how, content) in enumerate(tries):
                settings = GenerationSettings(max_new_tokens=max_new_tokens, temperature=0.7, seed=attempt + 1)
                reply = verified_reply(teacher.generate([[{"role": "user", "content": content}]], settings)[0],
                                       dataset, entry)
                if reply is not None:
                    kept = (how, reply, attempt + 1)
                    break
            if kept is None:
                counts["refused"] += 1
                continue
            counts[kept[0]] += 1
            records.append(_record(task, seed, i, user, kept))
    return records, counts


def _record(task: str, seed: int, index: int, user: str, kept: tuple[str, str, int]) -> Record:
    how, reply, attempts = kept
    source = f"reasoning_gym:{task}:{seed}:{index}"
    digest = hashlib.sha256(f"{source}\n{reply}".encode()).hexdigest()
    return Record(id=digest[:24], skill="procedural_reasoning", subcategory=task,
                  messages=[{"role": "user", "content": user}, {"role": "assistant", "content": reply}],
                  lineage={"seed_id": source, "seed_sha256": hashlib.sha256(user.encode()).hexdigest(),
                           "seed_source": source, "instruction_type": task, "program_hash": "bench.teaching_data"},
                  metadata={"verified": how, "attempts": str(attempts)})
