"""The rule engine: loads YAML rules (validated against a schema) and turns detector spans into findings."""
from .engine import Rule, RuleSet, load_rules

__all__ = ["Rule", "RuleSet", "load_rules"]
