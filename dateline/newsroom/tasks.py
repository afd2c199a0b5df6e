from django_tasks import task

from . import actions


@task()
def publish_scheduled_pages() -> int:
    return actions.scheduled_pages_publish()


@task()
def refresh_article_search(article_ids: list[int]) -> int:
    return actions.article_search_refresh(article_ids=article_ids)
