"""``agentinstruct arena ...``: battles, ratings, the test set, loss mining, reweighting and the loop; each
command a thin call into ``agentinstruct.arena``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Arena Learning: battles judged in both orders, ratings, loss mining, the ArenaInstruct "
                  "loop.", no_args_is_help=True)
console = Console()

CompetitorOpt = Annotated[list[str] | None, typer.Option(
    "--competitor", "-c", help="[NAME=]SPEC, repeatable: embedded, reference (the set's own answer), hf:DIR, or "
    "MODEL[@API_BASE] (any LiteLLM model). Adds to --config's competitors.")]
JudgeOpt = Annotated[list[str] | None, typer.Option(
    "--judge", "-j", help="[NAME=]SPEC, repeatable: embedded or MODEL[@API_BASE]. Replaces --config's judges.")]


def _print_board(board) -> None:
    if board is None:
        console.print("no leaderboard (no battle voted)")
        return
    t = Table(title=f"leaderboard (anchor {board.anchor} = {board.anchor_rating:g}, {board.rounds} bootstrap "
                    f"rounds, separability {board.separability:.2f})")
    for col in ("model", "Elo", "95% CI", "win vs anchor", "battles", "style Elo", "LC win"):
        t.add_column(col)
    for r in board.rows:
        t.add_row(r.model, f"{r.elo:.1f}", f"{r.lower:.1f} .. {r.upper:.1f}", f"{r.win_rate_vs_anchor:.3f}",
                  str(r.battles), "-" if r.style_elo is None else f"{r.style_elo:.1f}",
                  "-" if r.lc_win_rate is None else f"{r.lc_win_rate:.3f}")
    console.print(t)


def _print_diagnostics(diagnostics) -> None:
    t = Table(title="judge diagnostics")
    for col in ("judge", "games", "parse fail", "flip rate", "first-position", "ties", "longer wins", "$/1k"):
        t.add_column(col)
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for j in diagnostics.judges.values():
        t.add_row(j.judge, str(j.n_games), str(j.parse_failures), fmt(j.flip_rate), fmt(j.first_position_rate),
                  fmt(j.tie_rate), fmt(j.longer_answer_rate), fmt(j.cost_per_1k))
    console.print(t)
    for s in diagnostics.self_preference:
        console.print(f"self-preference {s.model}: {s.self_rate:.3f} judging itself ({s.n_self} games), "
                      f"{fmt(s.others_rate)} from other judges ({s.n_others})")


@app.command("battle")
def battle_command(
    out: Annotated[Path, typer.Option("--out", help="The arena directory (created, or resumed).")],
    instructions: Annotated[Path | None, typer.Option("--instructions", "-i", help="A run directory (its "
                            "instructions, answers stripped), a JSONL file or a saved dataset; default: the "
                            "arena's frozen ones (resume).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="A BattleConfig YAML.")] = None,
    competitor: CompetitorOpt = None,
    judge: JudgeOpt = None,
    mode: Annotated[str | None, typer.Option("--mode", help="label (five levels) or score (1-10).")] = None,
    anchor: Annotated[str | None, typer.Option("--anchor", help="The model rated anchor_rating.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Battle on the first N prompts.")] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1)] = None,
    bootstrap: Annotated[int | None, typer.Option("--bootstrap", min=1, help="Bootstrap rounds.")] = None,
    max_calls: Annotated[int | None, typer.Option("--max-calls", min=1, help="Stop (resumably) after this "
                         "many LLM calls.")] = None,
    max_cost: Annotated[float | None, typer.Option("--max-cost", min=0, help="Stop (resumably) at this USD.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Continue an arena run with other settings.")] = False,
    backend: Annotated[str | None, typer.Option("--backend", help="Where the LM work runs: 'local' (threads) or "
                                                "'ray' (Ray actors; default: the config's, local).")] = None,
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="The Ray cluster to join with "
                                                    "--backend ray (e.g. 'auto' or 'ray://head:10001'; "
                                                    "default: a local Ray instance).")] = None,
    ray_workers: Annotated[int | None, typer.Option("--ray-workers", min=1, help="Ray actors doing the LM "
                                                    "work.")] = None,
) -> None:
    """Competitors answer, every pair is judged in both orders; ratings, diagnostics and report.html."""
    from agentinstruct import arena
    from agentinstruct.arena.config import load_yaml_model, parse_competitor, parse_judge

    raw = load_yaml_model(arena.BattleConfig, config).model_dump() if config else {"competitors": []}
    raw["competitors"] = [*raw["competitors"], *(parse_competitor(c).model_dump() for c in competitor or [])]
    if judge:
        raw["judges"] = [parse_judge(j).model_dump() for j in judge]
    if backend not in (None, "local", "ray"):
        raise typer.BadParameter("--backend is 'local' or 'ray'")
    for key, value in (("mode", mode), ("max_prompts", limit), ("concurrency", concurrency), ("backend", backend),
                       ("ray_address", ray_address), ("ray_workers", ray_workers)):
        if value is not None:
            raw[key] = value
    raw.setdefault("leaderboard", {})
    raw.setdefault("budget", {})
    for section, key, value in (("leaderboard", "anchor", anchor), ("leaderboard", "rounds", bootstrap),
                                ("budget", "max_calls", max_calls), ("budget", "max_cost_usd", max_cost)):
        if value is not None:
            raw[section][key] = value
    cfg = arena.BattleConfig.model_validate(raw)
    items = arena.load_instructions(instructions) if instructions else None
    result = arena.battle(items, cfg, out, force=force)
    _print_board(result.leaderboard)
    _print_diagnostics(result.diagnostics)
    console.print(f"{result.new_answers} answers and {result.new_judgements} judgements made, {result.llm_calls} "
                  f"LLM calls, {result.cache_hits} cache hits, USD {result.cost_usd:.4f}; report: {out}/report.html")
    if result.stopped_early:
        console.print(f"[yellow]stopped early:[/yellow] {result.stopped_early} (run again to resume)")
        raise typer.Exit(code=3)


@app.command("rate")
def rate_command(
    arena_dir: Annotated[Path, typer.Argument(help="An arena directory.")],
    anchor: Annotated[str | None, typer.Option("--anchor")] = None,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=1)] = 1000,
    inconsistent: Annotated[str, typer.Option("--inconsistent", help="abstain, tie or average.")] = "abstain",
) -> None:
    """Fit the leaderboard of an arena's games again (no model call)."""
    from agentinstruct import arena

    try:
        board = arena.rate(arena_dir, arena.LeaderboardConfig(anchor=anchor, rounds=bootstrap),
                           arena.ReconcileConfig(inconsistent=inconsistent))
    except ValueError as err:
        console.print(f"no leaderboard: {err}")
        raise typer.Exit(code=1) from err
    _print_board(board)


@app.command("testset")
def testset_command(
    instructions: Annotated[Path, typer.Option("--instructions", "-i", help="The pool of instructions.")],
    out: Annotated[Path, typer.Option("--out", help="Where the test set is frozen.")],
    size: Annotated[int, typer.Option("--size", min=2)] = 100,
    judge: Annotated[str, typer.Option("--judge", help="The difficulty judge: embedded or MODEL[@API_BASE].")]
    = "embedded",
    train: Annotated[list[Path] | None, typer.Option("--train", help="Training data to decontaminate "
                     "against (repeatable).")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Freeze a WizardArena-style test set: one prompt per MinHash cluster, plus the hardest by a judge."""
    from agentinstruct import arena
    from agentinstruct.arena.config import parse_judge

    pool = arena.load_instructions(instructions)
    texts = [i.text() for p in train or [] for i in arena.load_instructions(p)]
    cfg = arena.TestSetConfig(size=size, seed=seed, judge=parse_judge(judge))
    test = arena.build_test_set(pool, cfg, out, train_texts=texts)
    console.print(f"test set: {len(test.items)} prompts ({len(test.diverse)} diverse, {len(test.hard)} hard); "
                  f"{len(test.dropped_contaminated)} pool prompts dropped as contaminated; {out}/testset.jsonl")


@app.command("mine")
def mine_command(
    arena_dir: Annotated[Path, typer.Argument(help="An arena directory (score mode).")],
    target: Annotated[str, typer.Option("--target", help="The model being trained.")],
    out: Annotated[Path, typer.Option("--out", help="Where sft.jsonl and dpo.jsonl go.")],
    round_no: Annotated[int, typer.Option("--round", min=1, help="Round (sets the SFT threshold: 3, then 1).")] = 1,
    sft_threshold: Annotated[float | None, typer.Option("--sft-threshold")] = None,
    dpo_gap: Annotated[float, typer.Option("--dpo-gap")] = 2.0,
) -> None:
    """Mine the target's losses into SFT records and DPO pairs (the formats `train sft|dpo` read)."""
    from agentinstruct import arena

    got = arena.mine(arena_dir, arena.MiningConfig(target=target, round=round_no, sft_threshold=sft_threshold,
                                                   dpo_gap=dpo_gap), out)
    console.print(f"sft={got.n_sft} ({got.sft_path}) dpo={got.n_dpo} ({got.dpo_path})")


@app.command("reweight")
def reweight_command(
    arena_dir: Annotated[Path, typer.Argument(help="An arena directory battled on a generated run.")],
    target: Annotated[str, typer.Option("--target")],
    out: Annotated[Path, typer.Option("--out", help="Where generation.yaml and decisions.jsonl go.")],
    config: Annotated[Path | None, typer.Option("--config", help="The RunConfig to start from.")] = None,
    inconsistent: Annotated[str, typer.Option("--inconsistent", help="abstain, tie or average.")] = "abstain",
) -> None:
    """Turn the target's losses per taxonomy node into the next generation's RunConfig."""
    from agentinstruct import arena
    from agentinstruct.arena.artifacts import read_games
    from agentinstruct.arena.instructions import read_instructions
    from core.config import load_config
    from eval.arena.battles import battles_from_games

    battles = battles_from_games(read_games(arena_dir), arena.ReconcileConfig(inconsistent=inconsistent))
    got = arena.reweight(battles, read_instructions(arena_dir / "instructions.jsonl"), target,
                         load_config(config), out)
    console.print(f"{len(got.nodes)} nodes, {len(got.changed)} settings changed; {got.config_path}, "
                  f"{got.decisions_path}")


@app.command("loop")
def loop_command(
    out: Annotated[Path, typer.Option("--out", help="The loop directory (created, or resumed).")],
    config: Annotated[Path | None, typer.Option("--config", help="A LoopConfig YAML (default: the loop's own "
                      "loop.json, to resume).")] = None,
    rounds: Annotated[int | None, typer.Option("--rounds", min=1)] = None,
    generate: Annotated[bool | None, typer.Option("--generate/--no-generate", help="Close the loop on "
                        "generation: generate -> battle -> reweight -> generate.")] = None,
    seeds: Annotated[Path | None, typer.Option("--seeds", help="Seed documents for --generate.")] = None,
    instructions: Annotated[Path | None, typer.Option("--instructions", "-i", help="The pool (no --generate).")]
    = None,
    train: Annotated[bool, typer.Option("--train/--no-train", help="Run the SFT and DPO steps.")] = True,
    sft_config: Annotated[str, typer.Option("--sft-config", help="sft/ run config for the SFT step.")]
    = "sft_cpu_smoke",
    dpo_config: Annotated[str, typer.Option("--dpo-config", help="sft/ run config for the DPO step.")]
    = "dpo_default",
    max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, help="Optimizer steps per training "
                         "step.")] = None,
) -> None:
    """Rounds of battle -> mine -> SFT -> DPO -> re-rate on the frozen test set (resumes where it stopped)."""
    from agentinstruct import arena
    from agentinstruct.arena.config import load_yaml_model

    if config is not None:
        raw = load_yaml_model(arena.LoopConfig, config).model_dump()
    elif (out / "loop.json").is_file():
        raw = json.loads((out / "loop.json").read_text(encoding="utf-8"))
    else:
        raise typer.BadParameter("a new loop needs --config")
    for key, value in (("rounds", rounds), ("generate", generate), ("seeds", seeds and str(seeds)),
                       ("instructions", instructions and str(instructions)), ("train", train)):
        if value is not None:
            raw[key] = value
    cfg = arena.LoopConfig.model_validate(raw)
    trainer = arena.SFTTrainerSteps(sft_config, dpo_config, {"max_steps": max_steps} if max_steps else None)
    result = arena.loop(cfg, out, trainer=trainer)
    for r in result.rounds:
        console.print(f"round {r.round}: model {r.model.name} ({r.dir})")
    for row in result.leaderboard:
        console.print(f"  {row['model']}: {row['elo']:.1f} [{row['lower']:.1f}, {row['upper']:.1f}]")
