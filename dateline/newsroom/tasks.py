from django_tasks import task

from dateline.core.lost_tasks import rerun_if_lost

from . import actions


# All are safe to run again from the start (each due page is locked and handled once; the
# search rows and index entries are rewritten whole): a run whose worker was lost is queued
# again.
@rerun_if_lost
@task()
def publish_scheduled_pages() -> int:
    return actions.scheduled_pages_publish()


@rerun_if_lost
@task()
def refresh_article_search(article_ids: list[int]) -> int:
    return actions.article_search_refresh(article_ids=article_ids)


@rerun_if_lost
@task()
def refresh_article_index(article_ids: list[int]) -> int:
    return actions.article_index_refresh(article_ids=article_ids)
