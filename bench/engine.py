"""Engine throughput against an OpenAI-compatible mock server, beside a bare async OpenAI client.

Prints ``name=value`` lines. Efficiency = ideal wall / measured wall, with
ideal = records x calls per record x latency / in-flight, calls per record as measured (a seed whose plan
draws the ``identity`` transformation makes 2 calls, the others 3). The engine path is the real one:
``agentinstruct.generate`` (driver, programs, DSPy's JSONAdapter, ``LimitedLM`` on DSPy's native engine),
timed from the call to ``generate`` to its return. The bare client is ``openai.AsyncOpenAI`` with its
defaults and an ``asyncio.Semaphore``. The mock server runs in its own process (127.0.0.1, fixed latency,
deterministic content, stops by itself); its CPU is not counted. Usage::

    python bench/engine.py [--records 1024] [--inflight 64] [--engine auto|native|litellm]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: import this tree's packages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(latency: float, seconds: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "agentinstruct.testing.mock_openai", "--port", str(port),
                             "--latency", str(latency), "--max-seconds", str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()  # "mock OpenAI server on ..."
    return proc, f"http://127.0.0.1:{port}/v1"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def engine_run(url: str, records: int, inflight: int, work: Path, engine: str = "auto") -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and LLM calls of a real generation run through the engine."""
    from agentinstruct import generate

    seeds = work / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for i in range(records):
        (seeds / f"s{i:05d}.txt").write_text(f"Seed {i}: the harbour of Port Ellis handled {i} ships a day.\n")
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({
        "models": {"default": {"model": "openai/mock-model", "api_key_env": "MOCK_API_KEY", "api_base": url,
                               "num_retries": 2, "timeout_s": 30, "engine": engine}},
        "cache": {"enabled": False},
        "quality": {"dedup": False, "decontaminate": False},
        "generation": {"concurrency": inflight, "instruction_types_per_passage": 1, "refinement_rounds": 0},
    }))
    os.environ["MOCK_API_KEY"] = "mock"
    start, cpu = time.perf_counter(), _cpu()
    summary = generate(seeds, work / f"run-{time.time_ns()}", config=config, compiled_dir=None)
    return time.perf_counter() - start, _cpu() - cpu, summary.llm_calls


def bare_run(url: str, calls: int, inflight: int) -> tuple[float, float]:
    """Wall and CPU seconds of the same number of calls through a bare async OpenAI client."""
    from openai import AsyncOpenAI

    async def main() -> None:
        client = AsyncOpenAI(base_url=url, api_key="mock", max_retries=2)
        sem = asyncio.Semaphore(inflight)

        async def one(i: int) -> None:
            async with sem:
                await client.chat.completions.create(
                    model="mock-model", messages=[{"role": "user", "content": f"question {i}"}])

        await asyncio.gather(*(one(i) for i in range(calls)))
        await client.close()

    start, cpu = time.perf_counter(), _cpu()
    asyncio.run(main())
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    """Run both latencies through the engine and the 200 ms one through the bare client."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1024)
    parser.add_argument("--inflight", type=int, default=64)
    parser.add_argument("--engine", choices=("auto", "native", "litellm"), default="auto")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for latency, name in ((1.0, "1s"), (0.2, "200ms")):
            proc, url = _server(latency, seconds=600)
            try:
                wall, cpu, calls = engine_run(url, args.records, args.inflight, Path(tmp) / name, args.engine)
                ideal = calls * latency / args.inflight  # = records x measured calls per record x latency / in-flight
                results[f"efficiency_{name}"] = ideal / wall
                results[f"cpu_ms_per_call_{name}"] = 1000 * cpu / max(calls, 1)
                results["calls_per_record"] = calls / args.records
                if name == "200ms":
                    bwall, bcpu = bare_run(url, calls, args.inflight)
                    results["bare_efficiency_200ms"] = (calls * latency / args.inflight) / bwall
                    results["bare_cpu_ms_per_call"] = 1000 * bcpu / calls
            finally:
                proc.terminate()
                proc.wait(10)
    print(f"efficiency_1s={results['efficiency_1s']:.3f}")
    print(f"efficiency_200ms={results['efficiency_200ms']:.3f}")
    print(f"bare_efficiency_200ms={results['bare_efficiency_200ms']:.3f}")
    print(f"bare_cpu_ms_per_call={results['bare_cpu_ms_per_call']:.2f}")
    print(f"calls_per_record={results['calls_per_record']:.2f}")
    print(f"cpu_ms_per_call={results['cpu_ms_per_call_200ms']:.2f}")
    print(f"engine_vs_bare_200ms={results['efficiency_200ms'] / results['bare_efficiency_200ms']:.3f}")


if __name__ == "__main__":
    main()
