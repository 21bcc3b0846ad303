"""Evaluation: the benchmark harness, Orca-Bench and arena battles (the harness comes later)."""
