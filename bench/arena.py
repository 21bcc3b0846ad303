"""The arena's statistics on synthetic battles of known truth: rank recovery and honest CI coverage.

Per repeat (its own seed): 20 models with true strengths b ~ N(0, 1), 2,000 prompts of 5 battles each
between random pairs, outcomes drawn from Bradley-Terry with ties (E[y] = sigmoid(b_x - b_y) exactly; see
``eval.arena.synthetic``). Fit, then 1,000 prompt-level bootstrap replicates, anchored on ``m00`` = 1000.

- ``rank_corr``: Spearman of the fitted strengths against the true ones, mean over repeats.
- ``ci_coverage``: share of the 19 non-anchor models whose 95% interval holds the true rating, the truth
  put on the Elo scale and shifted so that the anchor's true rating is 1000 (an interval is that of the
  difference to the anchor), pooled over repeats. ``ci_coverage_se`` is its binomial standard error.

A section plants a length bias (longer answer +1.5 logit per unit of normalised length difference)
and reports what style control makes of it.

The last section measures the battle engine (``agentinstruct.arena.battle``: work units, ledger, the LM
middleware, DSPy's JSONAdapter, ``LimitedLM`` on DSPy's native engine) against the mock OpenAI server
(its own process, fixed latency) at ``--inflight`` units in flight: 4 competitors on ``--battle-prompts``
prompts, every pair judged in both orders by a judge named ``openai/gpt-4o-mini`` (in DSPy's catalog, so
it sends a JSON schema), request cache off. ``battles_per_s`` = prompt-pairs judged in both orders per
second of wall time; ``battle_efficiency`` is bench/engine.py's: LLM calls x latency / in-flight / wall.

Prints ``name=value`` lines. About a minute on 2 cores; ``--quick`` runs 5 repeats. Usage::

    python bench/arena.py [--quick] [--repeats 20] [--rounds 1000] [--inflight 64] [--battle-prompts 128]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Small L-BFGS-B problems: threaded BLAS only adds overhead (the bootstrap ran 2-3x slower with it on a
# busy 2-core machine). Set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: import this tree's packages

import numpy as np
from scipy.stats import spearmanr

from eval.arena.battles import bt_rows
from eval.arena.bootstrap import BootstrapConfig, bootstrap_ratings
from eval.arena.bradley_terry import ELO_SCALE, BTConfig, fit_bradley_terry
from eval.arena.style import StyleConfig, fit_style_controlled
from eval.arena.synthetic import synthetic_battles

ANCHOR = "m00"
MODEL = "openai/gpt-4o-mini"  # in DSPy's catalog: the JSON-schema path; served by the mock


def one_repeat(seed: int, args) -> dict[str, float]:
    """Sample an arena, fit it with bootstrap CIs, and score the fit against the truth."""
    t0 = time.perf_counter()
    arena = synthetic_battles(args.models, args.prompts, args.battles_per_prompt, seed=seed)
    rows = bt_rows(arena.battles)
    t1 = time.perf_counter()
    config = BootstrapConfig(rounds=args.rounds, seed=seed, bt=BTConfig(anchor=ANCHOR))
    result = bootstrap_ratings(rows, config)
    t2 = time.perf_counter()
    true = np.array([arena.strength[m] for m in result.models]) * ELO_SCALE
    k = result.models.index(ANCHOR)
    true = true - true[k] + 1000.0
    others = np.arange(len(true)) != k
    covered = (result.lower <= true) & (true <= result.upper)
    return {
        "rank_corr": float(spearmanr(result.fit.coef, true).statistic),
        "covered": int(covered[others].sum()),
        "n": int(others.sum()),
        "separability": result.separability,
        "ci_width": float((result.upper - result.lower)[others].mean()),
        "gen_s": t1 - t0,
        "boot_s": t2 - t1,
    }


def style_section(seed: int, args) -> dict[str, float]:
    """Planted length bias: plain BT against style-controlled BT, both against the true strengths."""
    arena = synthetic_battles(args.models, args.prompts, args.battles_per_prompt, seed=seed,
                              length_bias=1.5, verbosity_sd=0.8)
    plain = fit_bradley_terry(bt_rows(arena.battles))
    styled = fit_style_controlled(arena.battles, StyleConfig(features=("length",)))
    true = np.array([arena.strength[m] for m in plain.models])
    return {
        "style_g_length": styled.g["length"],
        "style_rank_corr": float(spearmanr(styled.coef, true).statistic),
        "plain_rank_corr_under_length_bias": float(spearmanr(plain.coef, true).statistic),
    }


def throughput_section(args) -> dict[str, float]:
    """Battles per second and the engine's efficiency against the mock server."""
    import socket
    import subprocess
    import tempfile

    from agentinstruct.arena import BattleConfig, Instruction, battle

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "agentinstruct.testing.mock_openai", "--port", str(port),
                             "--latency", str(args.latency), "--max-seconds", "600"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()
    url = f"http://127.0.0.1:{port}/v1"
    os.environ["MOCK_API_KEY"] = "mock"
    spec = lambda name: {"model": name, "api_base": url, "api_key_env": "MOCK_API_KEY", "num_retries": 2,  # noqa: E731
                         "timeout_s": 30, "temperature": 0.0}
    names = ["a", "b", "c", "d"]
    config = BattleConfig.model_validate({
        "competitors": [{"name": n, "model": spec(f"openai/mock-{n}")} for n in names],
        "judges": [{"name": "judge", "model": spec(MODEL)}], "concurrency": args.inflight,
        "cache": {"enabled": False}, "leaderboard": {"rounds": 100}})
    items = [Instruction(id=f"q{k:04d}", messages=[{"role": "user", "content": f"Question {k} about the harbour?"}])
             for k in range(args.battle_prompts)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = battle(items, config, Path(tmp) / "arena")
            wall = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(10)
    pairs = len(names) * (len(names) - 1) // 2 * len(items)
    return {"battles_per_s": pairs / wall, "battle_efficiency": result.llm_calls * args.latency / args.inflight / wall,
            "battle_calls": result.llm_calls, "battle_wall_s": wall, "battle_inflight": args.inflight,
            "battle_latency_s": args.latency,
            "battle_parse_failures": sum(j.parse_failures for j in result.diagnostics.judges.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 repeats instead of --repeats")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--prompts", type=int, default=2000)
    parser.add_argument("--battles-per-prompt", type=int, default=5)
    parser.add_argument("--inflight", type=int, default=64)
    parser.add_argument("--battle-prompts", type=int, default=128)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--no-throughput", action="store_true", help="skip the mock-server section")
    args = parser.parse_args()
    repeats = 5 if args.quick else args.repeats
    start = time.perf_counter()
    runs = [one_repeat(seed, args) for seed in range(repeats)]
    covered, n = sum(r["covered"] for r in runs), sum(r["n"] for r in runs)
    coverage = covered / n
    t_style = time.perf_counter()
    style = style_section(10_000, args)
    lines = {
        "models": args.models, "prompts": args.prompts, "battles": args.prompts * args.battles_per_prompt,
        "bootstrap_rounds": args.rounds, "repeats": repeats,
        "rank_corr": f"{np.mean([r['rank_corr'] for r in runs]):.4f}",
        "rank_corr_min": f"{min(r['rank_corr'] for r in runs):.4f}",
        "ci_coverage": f"{coverage:.4f}",
        "ci_coverage_se": f"{np.sqrt(coverage * (1 - coverage) / n):.4f}",
        "ci_intervals": n,
        "ci_width_elo": f"{np.mean([r['ci_width'] for r in runs]):.1f}",
        "separability": f"{np.mean([r['separability'] for r in runs]):.4f}",
        **{k: f"{v:.4f}" for k, v in style.items()},
        "generate_s_per_repeat": f"{np.mean([r['gen_s'] for r in runs]):.3f}",
        "bootstrap_s_per_repeat": f"{np.mean([r['boot_s'] for r in runs]):.3f}",
        "style_s": f"{time.perf_counter() - t_style:.3f}",
    }
    if not args.no_throughput:
        tp = throughput_section(args)
        lines.update({k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in tp.items()})
    lines["wall_s"] = f"{time.perf_counter() - start:.1f}"
    for key, value in lines.items():
        print(f"{key}={value}")


if __name__ == "__main__":
    main()
