"""Question banks: the content format, loading with positions, and the validator's rules."""

from app.bank.catalogue import Catalogue, ContentPathError, Entry, load
from app.bank.problems import Problem
from app.bank.yamlpos import YamlError

__all__ = ["Catalogue", "ContentPathError", "Entry", "Problem", "YamlError", "load"]
