"""Scorers: exact match with numeric normalisation, DROP span F1, IFEval checks, and the scoring context."""
