"""Generated data sets for the benchmarks."""
