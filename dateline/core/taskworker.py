"""The task worker: django-tasks-db's `db_worker` loop, made to ride out its database.

- A database that goes away (a restart, a dropped connection, a failover, a server not up
  yet when the worker starts) does not end the worker. It logs the outage once, waits
  with back-off (the poll interval, doubling up to TASK_WORKER_BACKOFF_MAX_SECONDS),
  reconnects, logs once that the database is back, and carries on.
- A task's outcome is not lost to an outage: the worker waits for the database to record
  it. A task that the outage itself broke off (its own queries failed) is queued again if
  it is safe to rerun (`dateline.core.lost_tasks.rerun_if_lost`), else recorded as failed
  with the database's error. A claim whose commit the outage cut short is given back.
- The worker renews a heartbeat in the database (`WorkerHeartbeat`) every
  TASK_WORKER_HEARTBEAT_SECONDS, from a thread of its own so that it beats during long
  tasks too. With each beat, and when it starts, it settles the tasks of workers that are
  gone (`dateline.core.actions.lost_tasks_recover`): at once for workers of this machine
  whose process has ended (a restarted worker resumes a killed one's send within
  seconds), after TASK_WORKER_LOST_SECONDS of silence for workers elsewhere. No task is
  left "running" for ever by a worker that was killed.
- A `--batch` run (as the test suite's) beats once, when it starts, and has no thread.

Only the database's own outage errors are ridden out (`dateline.core.outage`); anything
else, a missing table for instance, ends the worker with its traceback, as before.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from traceback import format_exception
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import Error as DatabaseError
from django.db import connections
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from .actions import lost_tasks_recover, worker_claims_return, worker_heartbeat_renew
from .lost_tasks import is_rerunnable
from .outage import is_database_outage

log = logging.getLogger(__name__)


class Outage:
    """The database as this worker's threads find it: each outage is logged when it begins
    and when it ends, once, however many queries fail meanwhile."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.began: float | None = None
        self.failures = 0
        self.steady_since = time.monotonic()

    def begin(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            if self.began is not None:
                return
            self.began = time.monotonic()
        log.warning(
            "Task worker lost the database (%s); trying again, at least every %g s",
            _reason(error),
            settings.TASK_WORKER_BACKOFF_MAX_SECONDS,
        )

    def end(self) -> None:
        with self._lock:
            if self.began is None:
                return
            began, self.began, self.failures = self.began, None, 0
            self.steady_since = time.monotonic()
        log.warning("Task worker has the database again, after %.1f s", time.monotonic() - began)

    def steady_for(self) -> float:
        """Seconds this worker has had the database without a break (0 while it has not)."""
        return 0.0 if self.began is not None else time.monotonic() - self.steady_since

    def next_wait(self, interval: float) -> float:
        doubled = max(interval, 0.05) * 2 ** min(self.failures - 1, 16)
        return min(doubled, settings.TASK_WORKER_BACKOFF_MAX_SECONDS)


def _close_connections() -> None:
    """Drop this thread's database connections, broken ones included; the next query opens
    a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):
            connection.close()


def _with_fresh_connection(call: Callable[[], Any]) -> Any:
    """`call()`, tried once more on a new connection if the database's error came from
    this thread's old one (a connection that a restart or a proxy broke meanwhile)."""
    try:
        return call()
    except Exception as error:
        if not is_database_outage(error):
            raise
        _close_connections()
        log.info("Task worker reconnecting to the database (%s)", _reason(error))
        return call()


def _reason(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}"


class ResilientWorker(Worker):
    """django-tasks-db's Worker with outages ridden out and a heartbeat (see the module)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outage = Outage()
        self.started_at = timezone.now()
        self.judged_by_age_at = time.monotonic()
        self.registered = False
        self.beating: threading.Thread | None = None

    # The loop ---------------------------------------------------------------------------

    def run(self) -> None:
        broken_off = retried = False
        while self.running:
            try:
                if broken_off:
                    worker_claims_return(worker_id=self.worker_id)
                self.beat(starting=not self.registered)
                self.registered = True
                self.outage.end()
                broken_off = retried = False
                if self.beating is None and not self.batch:
                    self.beating = threading.Thread(
                        target=self._beat_forever, name="heartbeat", daemon=True
                    )
                    self.beating.start()
                super().run()
                return
            except Exception as error:
                if not is_database_outage(error):
                    raise
                broken_off, self.startup_delay = True, False
                _close_connections()
                if not retried:  # a connection broken earlier, by a restart, say: try a new one
                    retried = True
                    log.info("Task worker reconnecting to the database (%s)", _reason(error))
                    continue
                self.outage.begin(error)
                self.pause()

    def pause(self) -> None:
        """Drop the broken connections and wait before trying the database again; a stop
        asked for meanwhile ends the wait."""
        _close_connections()
        until = time.monotonic() + self.outage.next_wait(self.interval)
        while self.running and (left := until - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))

    # The heartbeat ----------------------------------------------------------------------

    def beat(self, *, starting: bool = False) -> None:
        worker_heartbeat_renew(worker_id=self.worker_id, started_at=self.started_at)
        lost = settings.TASK_WORKER_LOST_SECONDS
        by_age = (
            self.outage.steady_for() >= lost and time.monotonic() - self.judged_by_age_at >= lost
        )
        if by_age:
            self.judged_by_age_at = time.monotonic()
        lost_tasks_recover(by_age=by_age, worker_id=self.worker_id, starting=starting)

    def _beat_forever(self) -> None:
        last_problem = ""
        while True:
            time.sleep(settings.TASK_WORKER_HEARTBEAT_SECONDS)
            try:
                _with_fresh_connection(self.beat)
            except Exception as error:
                _close_connections()
                if is_database_outage(error):
                    self.outage.begin(error)
                elif str(error) != last_problem:  # not an outage: say so, once per problem
                    log.exception("Task worker heartbeat failed")
                last_problem = str(error)
            else:
                self.outage.end()
                last_problem = ""

    # Running a task ---------------------------------------------------------------------

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task, then record its outcome, waiting for the database if need be."""
        try:
            self.running_task = True
            try:
                value = self._call(db_task_result)
            except BaseException as error:
                # In the except block, so that the failure's log line carries its traceback.
                self._until_recorded(self._record_failure, db_task_result, error)
            else:
                self._until_recorded(self._record_success, db_task_result, value)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _call(self, db_task_result: DBTaskResult) -> Any:
        task = db_task_result.task
        task_result = db_task_result.task_result
        task_started.send(sender=type(task.get_backend()), task_result=task_result)
        if task.takes_context:
            context = TaskContext(task_result=task_result)  # type: ignore[var-annotated]
            return task.call(context, *task_result.args, **task_result.kwargs)
        return task.call(*task_result.args, **task_result.kwargs)

    def _until_recorded(self, record, db_task_result: DBTaskResult, outcome: Any) -> None:
        while True:
            try:
                _with_fresh_connection(lambda: record(db_task_result, outcome))
                self.outage.end()
                return
            except Exception as error:
                if not is_database_outage(error) or not self.running:
                    # Asked to stop meanwhile: the task stays "running" until a worker
                    # finds this one gone, and settles it then.
                    raise
                self.outage.begin(error)
                self.pause()

    def _this_run(self, db_task_result: DBTaskResult):
        """The task's row, if it is still this run's (or was taken for lost meanwhile)."""
        return DBTaskResult.objects.filter(
            pk=db_task_result.pk,
            started_at=db_task_result.started_at,
            status__in=[TaskResultStatus.RUNNING, TaskResultStatus.FAILED],
        )

    def _record_success(self, db_task_result: DBTaskResult, value: Any) -> None:
        fields = {
            "status": TaskResultStatus.SUCCESSFUL,
            "finished_at": timezone.now(),
            "return_value": value,
            "exception_class_path": "",
            "traceback": "",
        }
        try:
            recorded = self._this_run(db_task_result).update(**fields)
        except Exception as error:
            if is_database_outage(error):
                raise
            # A return value the database cannot keep (not JSON) fails the task, as in
            # django-tasks-db.
            self._record_failure(db_task_result, error)
            return
        self._finished(db_task_result, fields, recorded)

    def _record_failure(self, db_task_result: DBTaskResult, error: BaseException) -> None:
        if is_database_outage(error) and is_rerunnable(db_task_result.task_path):
            requeued = (
                self._this_run(db_task_result)
                .filter(status=TaskResultStatus.RUNNING)
                .update(status=TaskResultStatus.READY, started_at=None)
            )
            if requeued:
                log.warning(
                    "Task %s (%s) was broken off by the database outage: queued again",
                    db_task_result.pk,
                    db_task_result.task_path,
                )
            return
        fields = {
            "status": TaskResultStatus.FAILED,
            "finished_at": timezone.now(),
            "return_value": None,
            "exception_class_path": f"{type(error).__module__}.{type(error).__qualname__}",
            "traceback": "".join(format_exception(error)),
        }
        recorded = self._this_run(db_task_result).update(**fields)
        self._finished(db_task_result, fields, recorded)

    def _finished(self, db_task_result: DBTaskResult, fields: dict, recorded: int) -> None:
        if not recorded:
            log.warning(
                "Task %s (%s) finished after another worker had taken it over: "
                "its outcome (%s) was not recorded",
                db_task_result.pk,
                db_task_result.task_path,
                fields["status"],
            )
            return
        for name, value in fields.items():
            setattr(db_task_result, name, value)
        try:
            backend = type(db_task_result.task.get_backend())
        except (ImportError, SuspiciousOperation):  # a task that cannot be loaded
            log.exception("Task id=%s failed unexpectedly", db_task_result.pk)
            return
        task_finished.send(sender=backend, task_result=db_task_result.task_result)
