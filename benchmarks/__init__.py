"""Benchmarks that print one table and assert nothing: ``python -m benchmarks``
(see benchmarks/README.md)."""
