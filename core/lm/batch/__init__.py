"""Provider batch APIs (OpenAI Batch, Anthropic Message Batches) under the one LM middleware.

``generation.batch: openai | anthropic`` makes every model of that provider a ``BatchLM``: each call the flow
makes is queued with a custom id (skill, role, the request's digest and how often it was asked), the
requests of a wave of units go to the provider as one batch once no new one came for ``window_s``, the batch
id is committed to the run's ledger before any polling, and each result wakes the call that asked for it.
See ``coordinator.py`` for resume, partial and expired batches.
"""
