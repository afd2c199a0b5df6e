"""Benchmarks behind `make bench`: each starts a throwaway site, loads it, and prints figures."""
