"""Real `manage.py` processes for the tests: task workers and one-off commands, each with an
environment built from scratch (the developer's DATABASE_URL or EMAIL_URL cannot leak in).
"""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def site_env(*, database_url: str, email_url: str, var_dir: Path, **settings: str) -> dict:
    """The environment of a Dateline process on `database_url`, mailing to `email_url`."""
    from django.conf import settings as django_settings

    return {
        "PATH": os.environ["PATH"],
        "HOME": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "dateline.settings.base",
        "DATABASE_URL": database_url,
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": email_url,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "SITE_URL": "http://testserver",
        "DATELINE_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        **settings,
    }


def manage(env: dict, *args: str, timeout: float = 120) -> str:
    """Run `manage.py args` to its end; what it printed, or an error with its output."""
    done = subprocess.run(  # noqa: S603 (fixed command, no shell)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr[-5000:]}")
    return done.stdout


def start_worker(env: dict, log_path: Path, *options: str) -> subprocess.Popen:
    """`manage.py db_worker` on every queue, writing to `log_path`, in a session of its own."""
    with log_path.open("ab") as log:  # the child keeps its own handle
        return subprocess.Popen(  # noqa: S603 (fixed command, no shell)
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-startup-delay",
             *options],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop_workers(*workers: subprocess.Popen) -> None:
    """SIGTERM (a worker ends its task first), then SIGKILL whatever is left after 30 s."""
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
