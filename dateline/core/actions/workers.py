"""Task workers (dateline/core/taskworker.py): heartbeats, and the tasks of workers that
are gone settled."""

import logging
import os
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ..lost_tasks import WorkerLost, is_rerunnable
from ..models import WorkerHeartbeat
from ..processes import HOST, process_is_gone

log = logging.getLogger(__name__)


def worker_heartbeat_renew(*, worker_id: str, started_at: datetime) -> None:
    """Record that the task worker `worker_id`, this process, is alive now."""
    now = timezone.now()
    # The process too: a restarted worker may be given the same --worker-id.
    mine = WorkerHeartbeat.objects.filter(worker_id=worker_id)
    if not mine.update(last_seen_at=now, host=HOST, pid=os.getpid()):
        # First beat, or another worker took this one for gone and removed its row.
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "host": HOST,
                "pid": os.getpid(),
                "started_at": started_at,
                "last_seen_at": now,
            },
        )


def lost_tasks_recover(
    *, by_age: bool, worker_id: str = "", starting: bool = False
) -> tuple[int, int]:
    """Settle the tasks left running by task workers that are gone: queued again if they are
    safe to rerun (dateline.core.lost_tasks), else FAILED with WorkerLost; (queued, failed).

    A worker is gone when it ran on this machine and its process has ended; with `by_age`
    also when it has not been heard from for TASK_WORKER_LOST_SECONDS (the task of a worker
    that never left a heartbeat counts from when it started). Pass `by_age` only from a
    worker that has had the database for that long itself: an outage silences every worker
    at once, and must not be taken for their deaths. `worker_id`, the caller, is never gone;
    but when it is `starting`, tasks held under its id were a previous process's (a worker
    restarted with the same --worker-id), and are lost too.
    """
    lost_before = timezone.now() - timedelta(seconds=settings.TASK_WORKER_LOST_SECONDS)
    known, gone = set(), set()
    for other, host, pid, last_seen in WorkerHeartbeat.objects.values_list(
        "worker_id", "host", "pid", "last_seen_at"
    ):
        known.add(other)
        if other != worker_id and (
            process_is_gone(host, pid) or (by_age and last_seen < lost_before)
        ):
            gone.add(other)
    if starting:
        gone.add(worker_id)
    if not gone and not by_age:
        return 0, 0
    settled = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    for task_id, worker_ids, started_at, task_path in running.values_list(
        "id", "worker_ids", "started_at", "task_path"
    ):
        holder = worker_ids[-1] if worker_ids else ""
        unheard = holder not in known and (started_at is None or started_at < lost_before)
        if holder in gone or (by_age and unheard and holder != worker_id):
            settled.append(_lost_task_settle(task_id, started_at, task_path, holder))
    WorkerHeartbeat.objects.filter(worker_id__in=gone - {worker_id}).delete()
    return settled.count("queued"), settled.count("failed")


def _lost_task_settle(task_id, started_at, task_path: str, holder: str) -> str:
    # Only if it is still that run: its worker may have finished it meanwhile.
    same_run = DBTaskResult.objects.filter(
        pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
    )
    lost = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
    if is_rerunnable(task_path):
        done = same_run.update(status=TaskResultStatus.READY, started_at=None)
        outcome = "queued"
    else:
        done = same_run.update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            return_value=None,
            exception_class_path=lost,
            traceback=f"{lost}: the worker {holder} stopped before this task finished; "
            "it may have done part of its work.",
        )
        outcome = "failed"
    if not done:
        return ""
    log.warning("Task %s (%s): its worker %s is gone; %s", task_id, task_path, holder, outcome)
    return outcome


def worker_claims_return(*, worker_id: str) -> int:
    """Queue again the tasks `worker_id` claimed but never started: a claim whose commit the
    database's going away cut short may have been written all the same."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    returned = 0
    for task_id, worker_ids, started_at in running.values_list("id", "worker_ids", "started_at"):
        if worker_ids and worker_ids[-1] == worker_id:
            returned += DBTaskResult.objects.filter(
                pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
            ).update(status=TaskResultStatus.READY, started_at=None)
    return returned
