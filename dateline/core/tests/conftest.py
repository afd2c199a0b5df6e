import os

import pytest

from dateline.testing import postgres


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of the test's own, on a free port, for tests that stop it."""
    reason = postgres.missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the tests with their own PostgreSQL", pytrace=False)
        pytest.skip(reason)
    with postgres.postgres_cluster() as cluster:
        yield cluster
