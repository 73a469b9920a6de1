"""Benchmarks: `python -m bench` prints speed ratios against micrograd, PyTorch and numpy."""
