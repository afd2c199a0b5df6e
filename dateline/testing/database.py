"""The test run's database as a DATABASE_URL, for the real processes a test starts."""

from django.db import connection


def database_url() -> str:
    """Where this test's data is: the SQLite file or the PostgreSQL test database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
