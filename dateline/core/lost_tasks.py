"""What becomes of a task whose worker was lost while running it (killed, or cut off from
the database for good).

Most tasks may have done part of their work (an email handed over, a row written), so
running them again could do it twice: they are marked FAILED with `WorkerLost`, for the
operator to see. A task whose every run starts by recovering what an interrupted run left
(a newsletter's delivering task, scheduled publishing) says so with `@rerun_if_lost`, and
is queued again instead, so the work carries on at once rather than after a watchdog.
"""

from django.utils.module_loading import import_string
from django_tasks.base import Task

_RERUNNABLE: set[str] = set()


class WorkerLost(Exception):
    """The worker running this task stopped, or lost the database, before it finished."""


def rerun_if_lost(task: Task) -> Task:
    """Mark `task` (a `@task()`) as safe to run again from the start after an interrupted run."""
    _RERUNNABLE.add(task.module_path)
    return task


def is_rerunnable(task_path: str) -> bool:
    try:
        import_string(task_path)  # registers the task if its module was not loaded yet
    except ImportError:
        return False
    return task_path in _RERUNNABLE
