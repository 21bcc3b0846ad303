"""Test utilities shipped with the package: an OpenAI-compatible mock provider for offline runs."""
