"""The mailing list: newsletters, subscribers and their consent, sends, deliveries, bounces.

Imports dateline.core and dateline.newsroom only, never comments or demo (import-linter).
"""
