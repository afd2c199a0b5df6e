"""The demo newsroom of `make run` and the benchmarks' generated articles.

It sits on top of every other app (core, newsroom, comments, newsletter) and may import any
of them; no app imports it.
"""
