"""Benchmarks that print figures; they are run by hand, never as part of the test suite."""
