"""Measures both sides: retrieval benchmarks (BEIR), verifier pairs, and the answer-quality suite."""
