from django_tasks import task

from . import actions


@task()
def publish_scheduled_pages() -> int:
    return actions.scheduled_pages_publish()
