"""The embedded server for the tests, as `make run` starts it: `manage.py serve` (granian
serving dateline.asgi, and the task worker), on a free port, on the test's database.

The server leads a session of its own, as `make run` does in a terminal: a test signals its
process group as Ctrl+C (SIGINT) or `kill -TERM -PGID` would.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dateline.testing.ports import free_port
from dateline.testing.workers import ROOT, site_env


def current_database_url() -> str:
    """The URL of the database the test runs on, for a process of its own."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def server_env(var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of an embedded server on the test's database, keeping mail in the
    outbox and pages in its own memory; `settings` override."""
    return site_env(
        database_url=current_database_url(),
        email_url="outbox://",
        var_dir=var_dir,
        # Pages render without collectstatic's manifest.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        **settings,
    )


def serve_command(port: int) -> list[str]:
    """What `make run` runs once the site is set up (the Makefile's last line)."""
    return [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)]


@dataclass
class EmbeddedServer:
    process: subprocess.Popen
    port: int
    stdout_path: Path
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def descendants(self) -> dict[int, str]:
        """Every live process under the server (its children and theirs), by pid: their
        command lines."""
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found: dict[int, str] = {}
        todo = list(children.get(self.process.pid, []))
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError):
                found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            todo += children.get(pid, [])
        return found

    def wait_until_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.stderr}")
            with contextlib.suppress(OSError):
                status = get(self.port, "/healthz", timeout=5).status
                if status == 200:
                    return
                if status == 500:
                    raise RuntimeError(f"/healthz answered 500:\n{self.stderr[-5000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"/healthz did not answer 200 in {timeout} s:\n{self.stderr[-5000:]}")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # by lower-case name
    body: bytes


def get(port: int, path: str, *, timeout: float, **headers: str) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        )
    finally:
        connection.close()


@contextlib.contextmanager
def embedded_server(var_dir: Path, **settings: str) -> Iterator[EmbeddedServer]:
    """`manage.py serve` on a free port until the block ends, once /healthz answers 200;
    then its process group and everything under it are stopped."""
    port = free_port()
    env = server_env(var_dir, SITE_URL=f"http://127.0.0.1:{port}", **settings)
    stdout_path, stderr_path = var_dir / f"serve-{port}.out", var_dir / f"serve-{port}.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 (fixed command, no shell)
            serve_command(port),
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    server = EmbeddedServer(process, port, stdout_path, stderr_path)
    started: dict[int, str] = {}
    try:
        server.wait_until_healthy()
        started = server.descendants()
        yield server
    finally:
        left = {**started, **server.descendants()}
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        for pid, command in left.items():  # anything that outlived its supervisor
            with contextlib.suppress(OSError):  # (and only if its pid was not reused)
                if (
                    Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                    == command
                ):
                    os.kill(pid, signal.SIGKILL)
