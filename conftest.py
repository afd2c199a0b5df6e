import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def run_worker(db):
    """Run the real django-tasks-db worker until no task is due, as `make run` does."""

    def run() -> None:
        call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)

    return run


@pytest.fixture
def demo_home(db):
    from dateline.newsroom.demo import demo_content_load

    return demo_content_load()


@pytest.fixture
def demo_article(demo_home):
    from dateline.newsroom.models import ArticlePage

    return ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")
