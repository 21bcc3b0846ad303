"""Benchmark adapters reading local evaluation files; ``data/`` holds the sets decontamination checks."""
