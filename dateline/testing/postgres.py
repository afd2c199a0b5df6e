"""A real PostgreSQL cluster for a fault test: its own data directory and port, started and
restarted by the test, never the shared server (127.0.0.1:5432).

Debian's binaries (`POSTGRES_BIN`, default /usr/lib/postgresql/15/bin). The server will not
run as root, so under root the cluster belongs to the `postgres` user and its commands run
through `runuser`. It listens on 127.0.0.1 only (no Unix socket) and trusts local clients.
fsync is off: a test never outlives a power cut, and a fast shutdown or restart still
checkpoints, so a restart loses nothing committed.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from dateline.testing.ports import free_port

POSTGRES_BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"


def missing() -> str:
    """Why no cluster can be started here ("" when one can)."""
    if not (POSTGRES_BIN / "initdb").exists() or not (POSTGRES_BIN / "pg_ctl").exists():
        return f"no initdb and pg_ctl in {POSTGRES_BIN} (Debian: apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root, and there is no {SERVER_USER!r} user to run PostgreSQL"
    return ""


class PostgresCluster:
    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.data = directory / "data"
        self.log_path = directory / "postgres.log"
        self.port = port or free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, binary: str, *args: str, timeout: float = 60) -> None:
        command = [str(POSTGRES_BIN / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(  # noqa: S603 (fixed commands, no shell)
            command,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            log = self.log_path.read_text()[-3000:] if self.log_path.exists() else ""
            raise RuntimeError(f"{binary} {args[0]} failed:\n{done.stdout}{done.stderr}\n{log}")

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", SERVER_USER, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "''",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "50",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log_path), "-w")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w")

    def restart(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: every session is terminated) and start it again."""
        self._run(
            "pg_ctl", "restart", "-D", str(self.data), "-m", mode, "-l", str(self.log_path), "-w"
        )

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def query(self, database: str, statement: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=True) as client:
            return client.execute(statement, params).fetchall()  # type: ignore[arg-type]


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A fresh cluster, running, in a temporary directory removed afterwards."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    directory = Path(tempfile.mkdtemp(prefix="dateline-pg-"))
    if os.geteuid() == 0:
        server_user = pwd.getpwnam(SERVER_USER)
        os.chown(directory, server_user.pw_uid, server_user.pw_gid)
    cluster = PostgresCluster(directory)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            if (cluster.data / "postmaster.pid").exists():
                cluster.stop(mode="immediate")
        shutil.rmtree(directory, ignore_errors=True)
