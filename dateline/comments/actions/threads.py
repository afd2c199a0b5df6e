"""The editor's switch on an article's comments."""

from django.contrib.auth.models import User
from django.db import transaction

from dateline.core.actions import page_cache_purge_on_commit

from ..models import CommentThread
from ._common import Action, CommentRefused, cache_tags, log, thread_ensure

__all__ = ["thread_state_set"]


@transaction.atomic
def thread_state_set(*, article, state: str, by: User | None) -> CommentThread:
    """The editor's switch: keep an article's comments open, closed, or on the timetable."""
    if state not in CommentThread.State.values:
        raise CommentRefused("Unknown comment state.")
    thread_ensure(article.pk)
    thread = CommentThread.objects.select_for_update().get(pk=article.pk)
    thread.state = state
    thread.save(update_fields=["state"])
    log(Action.THREAD_STATE, article=article, by=by, note=thread.get_state_display())
    page_cache_purge_on_commit(tags=cache_tags(article.pk))
    return thread
