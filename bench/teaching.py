"""Generative teaching in miniature, on a CPU: generate with the suite on the embedded model, fine-tune
SmolLM2-135M-Instruct on it with ``agentinstruct train sft``, evaluate base and fine-tuned.

1. Held-out test sets first: IFEval-style prompts (IFEval's own instruction wording, topics of their own)
   and reasoning-gym tasks at a test seed (``bench/teaching_data.py``). The run config names both under
   ``evaluation.benchmarks``, so generation's quality gate decontaminates against exactly these files.
2. The suite generates open-domain QA from ``examples/seeds`` (prose, html) on the embedded model, with the
   format-guideline refinement goal: guidelines are checked mechanically and a response that breaks one
   is sampled again (``generation.response_attempts``); judging is off (a 135M judge adds noise, not
   signal). Where the flow can verify, the weak teacher can still teach.
3. Orca-Bench is built from that run (``agentinstruct.build_orca_bench``: N per group, ODQA and complex
   ODQA apart); its ids go to ``RUN/heldout/`` and SFT data loading refuses them.
4. Procedural records: the teacher answers reasoning-gym questions of a training seed; only answers the
   task's verifier accepts are kept (unaided samples first, then shown the verified answer).
5. ``agentinstruct train sft`` (a subprocess, the real CLI) fine-tunes the dequantised embedded model.
6. ``agentinstruct.evaluate`` scores base and tuned on the held-out sets and Orca-Bench (judge: the teacher).

Prints ``name=value`` lines as it goes; per benchmark ``base=``, ``tuned=``, ``delta=`` (paired bootstrap,
95% interval), and last ``lift=``: the mean delta over the deterministic benchmarks, in points. Usage::

    python bench/teaching.py [--quick] [--work DIR] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: import this tree's packages
sys.path.insert(0, str(ROOT / "bench"))

DETERMINISTIC = ("reasoning_gym", "ifeval")


@dataclass(frozen=True)
class Profile:
    """How much of everything one mode does."""

    seed_chunks: int | None
    types_per_passage: int
    gym_train_per_task: int
    gym_test_per_task: int
    ifeval_prompts: int
    orca_per_skill: int
    sft_steps: int | None
    """Optimizer steps; ``None``: 3 epochs (the paper's count) over whatever was generated."""
    learning_rate: float
    max_new_tokens: int
    hinted: int
    """Samples per procedural question shown the verified answer (after one unaided sample)."""


QUICK = Profile(seed_chunks=2, types_per_passage=2, gym_train_per_task=3, gym_test_per_task=4, ifeval_prompts=12,
                orca_per_skill=1, sft_steps=10, learning_rate=1e-4, max_new_tokens=96, hinted=2)
FULL = Profile(seed_chunks=None, types_per_passage=3, gym_train_per_task=25, gym_test_per_task=20,
               ifeval_prompts=40, orca_per_skill=4, sft_steps=None, learning_rate=5e-5, max_new_tokens=128, hinted=4)


def emit(name: str, value: object) -> None:
    """One ``name=value`` line, flushed (the slow test and the docs read these)."""
    print(f"{name}={value}", flush=True)


def run_config(work: Path, profile: Profile, benchmarks: dict[str, str], threads: int | None) -> dict:
    """The RunConfig every step shares: the embedded model everywhere, one cache, one evaluation list."""
    return {
        "models": {"default": {"model": "local/smollm2", "temperature": 0.7, "max_tokens": 320},
                   "local": {"n_threads": threads}},
        "cache": {"dir": str(work / "cache")},
        "judging": {"enabled": False},
        "generation": {
            "skills": ["open_domain_question_answering"], "seed": 0, "limit": profile.seed_chunks,
            "transformations_per_seed": 1, "instruction_types_per_passage": profile.types_per_passage,
            "instructions_per_type": 1, "generation_attempts": 2, "transform_attempts": 2, "response_attempts": 4,
            "refinement_rounds": 1, "refinement_suggestions": 1, "refine_probability": 1.0,
            "agent_weights": {"open_domain_question_answering.add_format_guidelines": 100,
                              "open_domain_question_answering.identity": 100},
        },
        "seeds": {"chunk_chars": 1600, "chunk_overlap": 0},
        "evaluation": {"benchmarks": benchmarks, "llm_extraction": False, "max_new_tokens": profile.max_new_tokens,
                       "batch_size": 8, "n_boot": 1000, "seed": 0},
    }


def seed_folder(work: Path) -> Path:
    """The sample seeds the ODQA skill reads (prose and html), copied into the work directory."""
    target = work / "seeds"
    for kind in ("prose", "html"):
        shutil.copytree(ROOT / "examples" / "seeds" / kind, target / kind, dirs_exist_ok=True)
    return target


def base_model(model_dir: str | None) -> Path:
    """The dequantised SmolLM2-135M-Instruct (converted once, cached), or the directory given."""
    if model_dir:
        return Path(model_dir)
    from sft.gguf import convert_gguf

    return convert_gguf()


def train(work: Path, profile: Profile, model: Path, sources: list[Path]) -> dict:
    """``agentinstruct train sft`` in a subprocess; returns its ``steps``/``final_loss`` lines."""
    cfg = work / "sft.yaml"
    cfg.write_text(json.dumps({
        "model": {"path": str(model)},
        "training": {"learning_rate": profile.learning_rate, "lr_scheduler_type": "cosine", "warmup_steps": 2,
                     "max_steps": profile.sft_steps or -1, "num_train_epochs": 3.0,
                     "per_device_train_batch_size": 2, "max_length": 512,
                     "precision": "fp32", "logging_steps": 1, "save_strategy": "no", "weight_decay": 0.0},
        "output_dir": str(work / "tuned"),
    }), encoding="utf-8")
    cmd = [sys.executable, "-m", "agentinstruct.cli", "train", "sft", "--config", str(cfg)]
    for source in sources:
        cmd += ["--data", str(source)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"agentinstruct train sft failed ({done.returncode}):\n{done.stderr[-3000:]}")
    lines = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return {"steps": lines.get("steps"), "final_loss": lines.get("final_loss")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="The CI-sized run (under 10 minutes on 2 cores).")
    parser.add_argument("--work", help="Work directory (default: a temporary one, removed afterwards).")
    parser.add_argument("--model-dir", help="A dequantised SmolLM2 directory (default: convert the GGUF, cached).")
    parser.add_argument("--threads", type=int, help="CPU threads for llama.cpp and torch (default: theirs; 1 is "
                        "far faster on a machine other jobs keep busy).")
    args = parser.parse_args(argv)
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # torch here and in the SFT subprocess
    profile = QUICK if args.quick else FULL
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="teaching-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    emit("mode", "quick" if args.quick else "full")
    emit("profile", json.dumps(asdict(profile)))
    try:
        phases, lift = run(work, profile, args.model_dir, args.threads)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    emit("phases_s", json.dumps(phases))
    emit("wall_s", f"{time.monotonic() - started:.0f}")
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    emit("cpu_s", f"{sum(u.ru_utime + u.ru_stime for u in usage):.0f}")
    emit("load_avg", f"{os.getloadavg()[0]:.1f}")
    emit("lift", lift)
    return 0


def run(work: Path, profile: Profile, model_dir: str | None, threads: int | None) -> tuple[dict, str]:
    """Every step; returns the seconds per phase and the lift (mean delta over the deterministic benchmarks)."""
    from teaching_data import gym_spec, ifeval_style_rows, verified_records, write_jsonl

    import agentinstruct
    from core.config import RunConfig, load_config
    from core.lm.accounting import Accountant
    from core.lm.cache import open_request_cache
    from eval.benchmarks import registry
    from eval.students.build import StudentFactory, parse_student

    phases, t = {}, time.monotonic()

    def phase(name: str) -> None:
        nonlocal t
        phases[name] = round(time.monotonic() - t)
        t = time.monotonic()

    tests = work / "heldout"
    ifeval_file = write_jsonl(tests / "ifeval_style.jsonl", ifeval_style_rows(profile.ifeval_prompts, seed=11))
    gym_file = tests / "reasoning_gym.json"
    gym_file.write_text(json.dumps(gym_spec(profile.gym_test_per_task, seed=7)), encoding="utf-8")
    benchmarks = {"reasoning_gym": str(gym_file), "ifeval": str(ifeval_file)}
    config_file = work / "run.yaml"
    config_file.write_text(json.dumps(run_config(work, profile, benchmarks, threads)), encoding="utf-8")
    cfg: RunConfig = load_config(config_file)
    model = base_model(model_dir)
    emit("base_model", model)
    phase("setup")

    summary = agentinstruct.generate(seed_folder(work), work / "gen", config=cfg, compiled_dir=None)
    emit("generated_records", summary.records_written)
    emit("generation_calls", summary.llm_calls)
    emit("quality_drops", json.dumps(summary.quality_drops))
    phase("generate")

    orca = agentinstruct.build_orca_bench(work / "gen", work / "orca", per_skill=profile.orca_per_skill, seed=0)
    emit("orca_bench_items", json.dumps(orca.heldout.groups))

    held_questions = {item.prompt for item in registry.get("reasoning_gym").load(gym_file)}
    store, accountant = open_request_cache(cfg.cache), Accountant(cfg.budget)
    try:
        teacher = StudentFactory(cfg.models, accountant, store).student(parse_student("embedded", cfg.models))
        records, counts = verified_records(teacher, profile.gym_train_per_task, seed=1000, exclude=held_questions,
                                           hinted=profile.hinted, max_new_tokens=profile.max_new_tokens + 32)
    finally:
        if store is not None:
            store.close()
    write_jsonl(work / "verified" / "data" / "shard-00000.jsonl", (r.model_dump(mode="json") for r in records))
    emit("verified_records", json.dumps(counts))
    phase("verified_data")

    sources = [work / "gen"] + ([work / "verified"] if records else [])
    trained = train(work, profile, model, sources)
    emit("sft_steps", trained["steps"])
    emit("sft_final_loss", trained["final_loss"])
    phase("sft")

    result = agentinstruct.evaluate([f"base={model}", f"tuned={work / 'tuned'}"], work / "eval",
                                    orca_bench=work / "orca", config=cfg, device="cpu")
    phase("evaluate")
    emit("report", result.html_path)
    deltas = []
    for row in result.report.benchmarks:
        name = row.benchmark
        scale = 100.0 if row.scale == "unit" else 1.0
        base, tuned = row.cells.get("base"), row.cells.get("tuned")
        cmp = result.report.comparison(name, "tuned", "base")
        delta = "n/a (no item scored for both)"
        if cmp is not None:
            d = cmp.paired.difference
            if name in DETERMINISTIC:
                deltas.append(d.estimate * scale)
            delta = (f"{d.estimate * scale:+.2f} [{d.low * scale:+.2f}, {d.high * scale:+.2f}] "
                     f"p={cmp.paired.p_value:.3f} n={d.n}")
        fails = sum(c.judge_parse_failures for c in (base, tuned) if c)
        print(f"{name}: base={_iv(base, scale)} tuned={_iv(tuned, scale)} delta={delta}"
              + (f" judge_parse_failures={fails}" if fails else ""), flush=True)
    return phases, f"{sum(deltas) / len(deltas):+.2f}" if deltas else "n/a"


def _iv(cell, scale: float) -> str:
    iv = cell.score if cell is not None else None
    return "n/a" if iv is None else f"{iv.estimate * scale:.2f} [{iv.low * scale:.2f}, {iv.high * scale:.2f}]"


if __name__ == "__main__":
    raise SystemExit(main())
