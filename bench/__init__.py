"""Benchmarks that print figures; not part of the test suite."""
"""Benchmarks that print figures (not part of the test suite)."""
