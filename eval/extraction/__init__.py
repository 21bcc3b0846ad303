"""Answer extraction: regular expressions first (strict, then flexible), an Appendix B LLM judge as fallback.

``patterns`` holds the regexes per answer type, ``llm`` the fallbacks built on ``signatures.appendix_b``,
``decide`` the chain that records which extractor decided (and, when audited, what both said).
"""
