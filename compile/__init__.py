"""Compilation of the skill programs' prompts against LLM-judge metrics, and tuning of the flow's knobs.

- ``compile_skill`` (``agentinstruct compile``): MIPROv2 (optuna), BootstrapFewShot or GEPA on one skill;
  writes ``<out>/<skill>.json`` (JSON state) and ``<out>/<skill>.manifest.json``.
- ``tune_knobs`` (``agentinstruct tune``): an optuna study over refinement rounds, suggestions,
  temperatures and agent weights; writes the best knobs as a RunConfig YAML.

Both are resumable (a persistent request cache, and optuna's SQLite storage for the study) and budgeted
(``BudgetConfig``: calls and dollars, counted by the one ``Accountant`` of ``core.lm``; a spent budget stops
them cleanly, keeping the best result so far).
"""

from compile.config import CompileConfig, KnobSpace, TuneConfig
from compile.driver import CompileResult, compile_skill
from compile.knobs import TuneResult, tune_knobs
from compile.manifest import CompileManifest

__all__ = ["CompileConfig", "CompileManifest", "CompileResult", "KnobSpace", "TuneConfig", "TuneResult",
           "compile_skill", "tune_knobs"]
