"""Settings under which `manage.py migrate --run-syncdb` makes the tables straight from the
models, without running the migrations: seconds instead of the half minute the migrations
take, for a database a test makes on its own cluster (dateline.testing.postgres).

The rows that migrations add (Wagtail's root page and default site) are not made; the demo
loader and the test factories make what they need. Everything else is the base settings.
"""

from dateline.settings.base import *  # noqa: F403


class _NoMigrations(dict):
    def __contains__(self, app_label: object) -> bool:
        return True

    def __getitem__(self, app_label: str) -> None:
        return None


MIGRATION_MODULES = _NoMigrations()
