"""The LM layer: models per role, the embedded engine, the one LM middleware (limits, retries, metering,
request cache) and the accountant. Submodules are imported by name (no re-exports: they import each other)."""
