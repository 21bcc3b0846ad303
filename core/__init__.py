"""The core layer: config, taxonomy (skills as data), records, seeds, the LM layer and the program contract.

Everything above (signatures, programs, metrics, compile, eval, the application in ``agentinstruct``) builds
on this package; it imports nothing above itself (``docs/architecture.md``).
"""
