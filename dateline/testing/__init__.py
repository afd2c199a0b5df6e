"""Real parts for the tests and `make bench`: servers started on ports of their own (SMTP,
nginx, PostgreSQL, Redis, whole throwaway sites). Tests and bench import it; app code never.
"""
