"""`manage.py serve`: the embedded site as `make run` serves it, granian and the task worker
under one supervisor.

- The site is granian serving dateline.asgi (the front that reads request bodies before
  Django takes a thread: dateline.core.front); the worker is `manage.py db_worker` on every
  queue. Each runs in a process group of its own, so a signal meant for the whole (Ctrl+C
  in the terminal, SIGTERM to this command's group) reaches each of them once, from here.
- SIGINT, SIGTERM or SIGHUP stops both: SIGTERM to each (granian finishes the requests in
  hand, the worker its task), SIGKILL for whatever is left after SERVE_STOP_SECONDS, or at
  once on a second signal. Then the command exits 0, with no traceback.
- A child that dies is logged and started again after SERVE_RESTART_SECONDS, twice as
  long each time it dies again soon after starting (up to SERVE_RESTART_MAX_SECONDS).
- On Linux the children are also sent SIGTERM by the kernel if this command is killed
  outright (SIGKILL), so none is left running without its supervisor.

In production each part runs under the system's own supervisor instead (README, Operations).
"""

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger("dateline.serve")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.1


def _end_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """In a child, before exec: SIGTERM from the kernel when its supervisor dies."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _ending(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = field(default_factory=lambda: settings.SERVE_RESTART_SECONDS)

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own commands, no shell)
            self.command,
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,  # not the terminal: its reader is this command's group
            process_group=0,
            preexec_fn=_end_with_parent,
        )
        self.started_at, self.restart_at = time.monotonic(), None

    def watch(self) -> None:
        """Start the child again if it died and its delay has passed."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        if self.process is None or self.process.poll() is None:
            return
        self.signal_group(signal.SIGKILL)  # what it leaves would hold its port or its task
        if now - self.started_at > settings.SERVE_RESTART_MAX_SECONDS:
            self.delay = settings.SERVE_RESTART_SECONDS  # it had been running well
        logger.warning(
            "The %s %s; starting it again in %g s.",
            self.name,
            _ending(self.process.returncode),
            self.delay,
        )
        self.restart_at = now + self.delay
        self.delay = min(self.delay * 2, settings.SERVE_RESTART_MAX_SECONDS)

    def signal_group(self, signum: int) -> None:
        """Signal the child's process group: the child and what it started (granian's
        worker processes), even once the child itself has ended."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def gone(self) -> bool:
        """The child has ended and been reaped (its group may outlive it for a moment)."""
        return self.process is None or self.process.poll() is not None


class Command(BaseCommand):
    help = "Serve the site (granian) with the task worker; restart either if it dies"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *, host: str, port: int, **options) -> None:
        python = sys.executable
        children = [
            Child(
                "site",
                [
                    python, "-m", "granian", "--interface", "asginl", "--no-ws",
                    "--host", host, "--port", str(port), "--workers", "1",
                    "--respawn-failed-workers", "--log-level", "warning",
                    "dateline.asgi:application",
                ],
            ),
            Child("task worker", [python, str(Path(settings.BASE_DIR) / "manage.py"),
                                  "db_worker", "--queue-name", "*"]),
        ]  # fmt: skip
        signals: list[int] = []
        for signum in STOP_SIGNALS:
            signal.signal(signum, lambda signum, frame: signals.append(signum))
        for child in children:
            child.start()
        while not signals:
            for child in children:
                child.watch()
            time.sleep(POLL_SECONDS)
        self._stop(children, signals)
        # Nothing is left to clean up, and tearing down an interpreter that loaded Django and
        # Wagtail takes seconds on a busy machine: those would count against the 10 s.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    def _stop(self, children: list[Child], signals: list[int]) -> None:
        received = len(signals)
        for child in children:
            if not child.gone():
                child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + settings.SERVE_STOP_SECONDS
        while not all(child.gone() for child in children):
            if time.monotonic() >= deadline or len(signals) > received:
                for child in children:
                    child.signal_group(signal.SIGKILL)
                deadline = float("inf")
            time.sleep(POLL_SECONDS)
        for child in children:  # whatever a child left behind in its group
            child.signal_group(signal.SIGKILL)
