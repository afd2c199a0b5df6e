"""A throwaway Dateline for benchmarks and the scale-out test: its own var directory and
database, served by granian.

Nothing here touches the developer's `var/` or databases. Each site gets a temporary
`DATELINE_VAR_DIR` and an environment built from scratch, so a `DATABASE_URL`, `EMAIL_URL`
or `SITE_URL` in the developer's shell cannot leak in. PostgreSQL runs use a database of
their own and a Redis db number of their own, emptied before and after.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from dateline.testing.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GRANIAN = str(Path(sys.executable).with_name("granian"))
ARTICLE_PATH = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"

POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
POSTGRES_DATABASE = "dateline_bench"
REDIS_URL = "redis://127.0.0.1:6379/15"

# What a child process may inherit from the shell; everything else is set here.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "VIRTUAL_ENV")
SITE_ENV = {
    "DJANGO_SETTINGS_MODULE": "dateline.settings.base",
    "DEBUG": "false",
    "EMAIL_URL": "outbox://",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class Backend:
    """Where a site keeps its data: the embedded default, or PostgreSQL (and Redis)."""

    label: str
    env: dict[str, str]
    postgres_database: str = ""
    redis_url: str = ""


@dataclass(frozen=True)
class Site:
    env: dict[str, str]
    port: int
    var_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_log(self, n: int = 0) -> Path:
        """Where task worker `n` started by `task_workers` writes."""
        return self.var_dir / f"worker{n}.log"


def backends() -> tuple[list[Backend], list[str]]:
    """SQLite always; PostgreSQL when it answers, with Redis as the cache when that does."""
    found = [Backend("SQLite", {})]
    try:
        psycopg.connect(f"{POSTGRES_SERVER}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        return found, [f"PostgreSQL not reachable at {POSTGRES_SERVER}: skipped that run."]
    env = {"DATABASE_URL": f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"}
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        found.append(Backend("PostgreSQL", env, postgres_database=POSTGRES_DATABASE))
        return found, ["Redis not reachable: PostgreSQL ran with the file cache."]
    found.append(
        Backend(
            "PostgreSQL + Redis",
            {**env, "CACHE_URL": REDIS_URL},
            postgres_database=POSTGRES_DATABASE,
            redis_url=REDIS_URL,
        )
    )
    return found, []


def _reset_stores(backend: Backend, *, recreate: bool) -> None:
    if backend.postgres_database:
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            name = sql.Identifier(backend.postgres_database)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            if recreate:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    if backend.redis_url:
        redis.Redis.from_url(backend.redis_url).flushdb()


def run_command(site_env: dict[str, str], *args: str) -> str:
    """Run a command in the site's environment; its output, or an error carrying its stderr."""
    done = subprocess.run(  # noqa: S603 (fixed commands, no shell)
        args, cwd=ROOT, env=site_env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def run_python(site_env: dict[str, str], code: str) -> str:
    """Run Python in the site's Django (`manage.py shell`); what it printed."""
    return run_command(site_env, PYTHON, "manage.py", "shell", "--no-imports", "-c", code)


@contextlib.contextmanager
def fresh_site(backend: Backend, **settings: str) -> Iterator[Site]:
    """A migrated site with the demo newsroom loaded; its data is gone when the block ends."""
    with tempfile.TemporaryDirectory(prefix="dateline-bench-") as var_dir:
        port = free_port()
        env = {name: os.environ[name] for name in INHERITED if name in os.environ}
        env |= SITE_ENV | backend.env | settings
        env |= {"DATELINE_VAR_DIR": var_dir, "SITE_URL": f"http://127.0.0.1:{port}"}
        _reset_stores(backend, recreate=True)
        try:
            run_command(env, PYTHON, "manage.py", "migrate", "--noinput", "-v0")
            run_command(env, PYTHON, "manage.py", "collectstatic", "--noinput", "-v0")
            run_command(env, PYTHON, "manage.py", "load_demo")
            yield Site(env=env, port=port, var_dir=Path(var_dir))
        finally:
            _reset_stores(backend, recreate=False)


@contextlib.contextmanager
def served(
    site: Site,
    *,
    workers: int,
    threads: int = 4,
    task_worker: bool = False,
    application: str = "dateline.wsgi:application",
    interface: str = "wsgi",
) -> Iterator[Path]:
    """granian serving `site` until the block ends; yields the path of its log.

    With `task_worker`, `manage.py db_worker` runs beside it on every queue, writing to
    `site.worker_log()`. `interface="asginl"` with `application="dateline.asgi:application"`
    is the embedded server of `make run` (its front's threads are SERVE_THREADS, not
    `threads`).
    """
    log_path = site.var_dir / f"granian-{site.port}.log"  # two servers may share a site
    per_interface = ["--blocking-threads", str(threads)] if interface == "wsgi" else ["--no-ws"]
    command = [
        GRANIAN, "--interface", interface, "--host", "127.0.0.1", "--port", str(site.port),
        "--workers", str(workers), *per_interface, "--log-level", "warning", application,
    ]  # fmt: skip
    with log_path.open("w") as log:
        # A session of its own: the server and its worker processes stop as one group.
        server = subprocess.Popen(  # noqa: S603 (fixed command, no shell)
            command,
            cwd=ROOT,
            env=site.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with task_workers(site, 1 if task_worker else 0):
                _wait_healthy(site, server, log_path)
                yield log_path
        finally:
            _stop([server])


@contextlib.contextmanager
def task_workers(site: Site, count: int, *options: str) -> Iterator[list[subprocess.Popen]]:
    """`count` `manage.py db_worker` processes on every queue, each writing to
    `site.worker_log(n)`, until the block ends (then stopped and reaped)."""
    logs = [site.worker_log(n).open("w") for n in range(count)]
    workers = [
        # A session of its own each: stopped as a group, apart from the app server's.
        subprocess.Popen(  # noqa: S603 (fixed command, no shell)
            [PYTHON, "manage.py", "db_worker", "--queue-name", "*", *options],
            cwd=ROOT,
            env=site.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for log in logs
    ]
    try:
        yield workers
    finally:
        _stop(workers)
        for log in logs:
            log.close()


def _wait_healthy(site: Site, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"granian exited ({server.returncode}):\n{log_path.read_text()}")
        connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"{site.url}/healthz did not answer 200 within a minute")


def _stop(processes: list[subprocess.Popen]) -> None:
    """Stop each process's group (each leads one) and reap the processes."""
    for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        deadline = time.monotonic() + grace
        try:
            for process in processes:
                process.wait(max(0.0, deadline - time.monotonic()))
            break
        except subprocess.TimeoutExpired:
            continue
    # Worker processes outlive their parent for a moment; a group is gone only when they are.
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def log_problems(log_path: Path) -> list[str]:
    """Error lines and tracebacks the server wrote while under load."""
    markers = ("Traceback", "ERROR", "Error:", "database is locked", "panicked")
    return [line for line in log_path.read_text().splitlines() if any(m in line for m in markers)]
