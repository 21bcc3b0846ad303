"""The program/runner contract: a unit's plan, its outcome, failure reasons and the ``SkillRunner`` protocol."""
