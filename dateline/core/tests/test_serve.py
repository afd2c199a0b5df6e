"""`make run`'s supervisor (`manage.py serve`): it stops the site and the worker on Ctrl+C or
SIGTERM, quietly and within 10 s, and starts a worker that dies again.

Real processes on the test's database, signalled as a terminal or a service manager would.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from dateline.testing.server import embedded_server

ROOT = Path(__file__).resolve().parents[3]
STOPPED_WITHIN = 10  # seconds, as issue 12 asks

pytestmark = pytest.mark.django_db(transaction=True)


def live(pids) -> set[int]:
    """Those of `pids` that are still running (zombies have ended)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def workers_of(server) -> dict[int, str]:
    return {pid: cmd for pid, cmd in server.descendants().items() if " db_worker " in cmd}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_a_signal_to_the_group_stops_site_and_worker_quietly(transactional_db, tmp_path, signum):
    with embedded_server(tmp_path) as server:
        processes = server.descendants()
        assert any("granian" in cmd for cmd in processes.values()), processes
        assert workers_of(server), processes
        os.killpg(server.process.pid, signum)  # Ctrl+C signals the terminal's whole group
        server.process.wait(timeout=STOPPED_WITHIN)
        deadline = time.monotonic() + 1  # the supervisor waited for them; reaping takes a blink
        while live(processes) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not live(processes), {pid: processes[pid] for pid in live(processes)}
        assert server.process.returncode == 0
        assert "Traceback" not in server.stderr, server.stderr


def test_a_worker_that_dies_is_started_again_and_runs_tasks(transactional_db, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from dateline.newsletter.tasks import purge_pending_subscribers

    with embedded_server(tmp_path, SERVE_RESTART_SECONDS="0.2") as server:
        (killed,) = workers_of(server)
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while not (set(workers_of(server)) - {killed}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert set(workers_of(server)) - {killed}, "no worker was started again"

        result = purge_pending_subscribers.enqueue()
        while time.monotonic() < deadline:
            status = DBTaskResult.objects.get(pk=result.id).status
            if status == "SUCCESSFUL":
                break
            time.sleep(0.2)
        assert status == "SUCCESSFUL"
        assert "The task worker was killed by SIGKILL; starting it again" in server.stderr


def test_make_run_hands_over_to_the_supervisor():
    """The last step of `make run` becomes `manage.py serve` itself (exec, the venv's
    python): no shell, trap or uv left between the terminal and the supervisor."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("exec ") and '/bin/python" manage.py serve' in last, last
    assert last.endswith("--port 8123"), last
