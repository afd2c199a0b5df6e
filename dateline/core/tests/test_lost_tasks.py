"""Tasks left running by a task worker that is gone are settled: queued again when they are
safe to rerun, failed with WorkerLost otherwise; live workers keep theirs."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dateline.core import actions
from dateline.core.lost_tasks import WorkerLost
from dateline.core.models import WorkerHeartbeat
from dateline.core.processes import HOST
from dateline.core.selectors import worker_last_seen
from dateline.newsletter.tasks import purge_pending_subscribers
from dateline.newsroom.tasks import publish_scheduled_pages

pytestmark = pytest.mark.django_db


def ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def worker(worker_id: str, *, host: str = HOST, pid: int | None = None, silent_for: float = 0):
    seen = timezone.now() - timedelta(seconds=silent_for)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        host=host,
        pid=os.getpid() if pid is None else pid,
        started_at=seen,
        last_seen_at=seen,
    )


def running(task, worker_id: str, *, started_ago: float = 1) -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=task.enqueue().id)
    row.status, row.worker_ids = "RUNNING", [worker_id]
    row.started_at = timezone.now() - timedelta(seconds=started_ago)
    row.save()
    return row


def test_the_tasks_of_a_worker_whose_process_has_ended_are_settled_at_once():
    worker("killed", pid=ended_pid())
    rerunnable = running(publish_scheduled_pages, "killed")
    other = running(purge_pending_subscribers, "killed")

    assert actions.lost_tasks_recover(by_age=False, worker_id="me") == (1, 1)

    rerunnable.refresh_from_db()
    assert (rerunnable.status, rerunnable.started_at) == ("READY", None)
    other.refresh_from_db()
    assert other.status == "FAILED"
    assert other.task_result.errors[0].exception_class is WorkerLost
    assert not WorkerHeartbeat.objects.filter(worker_id="killed").exists()


def test_a_live_worker_keeps_its_tasks_and_a_silent_one_elsewhere_only_after_a_while():
    worker("alive")
    worker("elsewhere", host="another-machine", pid=1, silent_for=3600)
    mine = running(purge_pending_subscribers, "alive")
    theirs = running(purge_pending_subscribers, "elsewhere")
    unknown = running(purge_pending_subscribers, "never-beat", started_ago=3600)

    # Silence alone proves nothing until the judge has had the database that long itself.
    assert actions.lost_tasks_recover(by_age=False, worker_id="me") == (0, 0)
    assert actions.lost_tasks_recover(by_age=True, worker_id="me") == (0, 2)

    statuses = {r.pk: r.status for r in DBTaskResult.objects.all()}
    assert statuses[mine.pk] == "RUNNING"
    assert statuses[theirs.pk] == statuses[unknown.pk] == "FAILED"
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"alive"}


def test_a_worker_restarted_under_the_same_id_settles_what_its_last_process_left():
    worker("worker-1", pid=os.getpid())
    left = running(publish_scheduled_pages, "worker-1")

    assert actions.lost_tasks_recover(by_age=False, worker_id="worker-1") == (0, 0)
    assert actions.lost_tasks_recover(by_age=False, worker_id="worker-1", starting=True) == (1, 0)
    left.refresh_from_db()
    assert left.status == "READY"
    assert WorkerHeartbeat.objects.filter(worker_id="worker-1").exists()


def test_a_claim_cut_short_by_an_outage_goes_back_to_the_queue():
    claimed = running(purge_pending_subscribers, "me")
    assert actions.worker_claims_return(worker_id="me") == 1
    claimed.refresh_from_db()
    assert (claimed.status, claimed.started_at) == ("READY", None)


def test_worker_last_seen_is_the_newest_heartbeat():
    assert worker_last_seen() is None
    worker("old", silent_for=600)
    newest = worker("new", silent_for=5).last_seen_at
    assert worker_last_seen() == newest
    actions.worker_heartbeat_renew(worker_id="old", started_at=timezone.now())
    assert worker_last_seen() > newest


def test_a_lost_email_delivery_is_run_again_and_the_email_arrives_once(
    smtp_server, run_worker, django_capture_on_commit_callbacks
):
    """A worker killed before it handed the email over leaves it queued: the delivery is
    queued again, not failed, so the reader still gets their email (once)."""
    from dateline.core.tasks import deliver_email

    with django_capture_on_commit_callbacks(execute=False):
        email = actions.email_queue_message(
            kind="core/test", to="reader@example.com", subject="Hello", text="Hello.\n"
        )
    worker("killed", pid=ended_pid())
    lost = running(deliver_email.using(), "killed")
    DBTaskResult.objects.filter(pk=lost.pk).update(args_kwargs={"args": [email.pk], "kwargs": {}})

    assert actions.lost_tasks_recover(by_age=False, worker_id="me") == (1, 0)
    run_worker()

    assert smtp_server.recipients() == ["reader@example.com"]
    email.refresh_from_db()
    assert email.status == "sent"
