"""Postfix's own SMTP test pair: `smtp-sink` to receive a newsletter, `smtp-source` to time it.

smtp-sink is a single-process, event-driven SMTP server that answers 250 to everything and
throws the mail away, so what a sender achieves against it is the sender's own speed.
smtp-source is Postfix's load generator: running it against the same sink gives the sink's
ceiling on this machine, and a sender's rate can then be read as a fraction of that.

Both come from Debian's `postfix` package. Rather than `apt-get install postfix` (an MTA that
conflicts with, and would remove, any other installed MTA, gets enabled at boot, asks a
debconf question whose unattended default "Internet Site" writes a main.cf and starts a
daemon on port 25, and takes the dpkg lock), the package is fetched with `apt-get download`
and unpacked with `dpkg-deb -x` into a private cache; small wrapper scripts point the
binaries at the unpacked /usr/lib/postfix/libpostfix-*.so. Nothing of Postfix is configured
or started, and no root is needed unless the apt lists are empty (a fresh image: `apt-get
update`) or a shared library the binaries link is missing (`apt-get install` of postfix's
library dependencies, such as libicu72). An already installed postfix is used as it is.

The sink's count of accepted messages comes from its `-c` counters
("sess=N quit=N mesg=N\\r", rewritten after every message, session and QUIT) sent to a file.
smtp-sink counts a message when it reads the final "." and writes the counters before it
answers 250, so a client that has read the 250 always finds its message counted.
"""

import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dateline.testing.ports import free_port

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dateline-bench/postfix"
NAMES = ("smtp-sink", "smtp-source")
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}


def _run(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=APT_ENV, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"`{shlex.join(args)}` failed: {done.stderr.strip() or done.stdout}")
    return done.stdout


def _missing_libraries(root: Path) -> list[str]:
    """Shared libraries root/usr/sbin/smtp-sink cannot find, given root's libpostfix-*.so."""
    env = {**APT_ENV, "LD_LIBRARY_PATH": str(root / "usr/lib/postfix")}
    binary = root / "usr/sbin/smtp-sink"
    out = subprocess.run(["ldd", binary], env=env, capture_output=True, text=True).stdout  # noqa: S603, S607
    return re.findall(r"^\s*(\S+) => not found", out, re.M)


def _unpack_postfix() -> None:
    """Unpack Debian's postfix package into CACHE, with runnable wrappers in CACHE/bin."""
    if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
        raise RuntimeError("smtp-sink and smtp-source need Debian's postfix package: no apt-get")
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE.parent) as work:
        download = Path(work)
        try:
            _run("apt-get", "download", "-q", "postfix", cwd=download)
        except RuntimeError as error:
            if os.geteuid():
                raise RuntimeError(f"{error} (have root run `apt-get update`?)") from error
            _run("apt-get", "update", "-q")  # A fresh image has no package lists.
            _run("apt-get", "download", "-q", "postfix", cwd=download)
        [deb] = download.glob("postfix_*.deb")
        root = download / "root"
        _run("dpkg-deb", "-x", str(deb), str(root))
        libs = str(CACHE / "usr/lib/postfix")
        if missing := _missing_libraries(root):
            # Only the plain shared libraries postfix depends on (libicu72, libnsl2, ...).
            depends = _run("dpkg-deb", "-f", str(deb), "Depends").split(",")
            wanted = [dep.split("|")[0].split("(")[0].strip() for dep in depends]
            status = _run("dpkg-query", "-W", "-f", "${db:Status-Status} ${Package}\n")
            present = {line.split()[1] for line in status.splitlines() if line[:10] == "installed "}
            wanted = [name for name in wanted if name.startswith("lib") and name not in present]
            if os.geteuid():
                raise RuntimeError(
                    f"smtp-sink needs {', '.join(missing)}: as root, run "
                    f"`apt-get install --no-install-recommends {' '.join(wanted)}`"
                )
            _run("apt-get", "install", "-y", "-q", "--no-install-recommends", *wanted)
        (root / "bin").mkdir()
        for name in NAMES:
            wrapper = root / "bin" / name
            real = shlex.quote(str(CACHE / "usr/sbin" / name))
            wrapper.write_text(f'#!/bin/sh\nLD_LIBRARY_PATH={shlex.quote(libs)} exec {real} "$@"\n')
            wrapper.chmod(0o755)
        with contextlib.suppress(OSError):  # Another process may have unpacked it first.
            root.rename(CACHE)


def tools() -> tuple[str, str]:
    """Paths of smtp-sink and smtp-source, installing Debian's postfix package if needed.

    Raises RuntimeError with a clear message if impossible.
    """
    path = os.pathsep.join([*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin"])
    sink_path, source_path = (shutil.which(name, path=path) for name in NAMES)
    if sink_path and source_path:  # Debian's postfix, or another install of it.
        return sink_path, source_path
    if (CACHE / "bin/smtp-sink").exists() and _missing_libraries(CACHE):
        shutil.rmtree(CACHE, ignore_errors=True)  # Broken since: unpack again.
    if not (CACHE / "bin/smtp-sink").exists():  # bin/ is written last: the unpacking is whole.
        _unpack_postfix()
    if missing := _missing_libraries(CACHE):
        raise RuntimeError(f"smtp-sink still cannot find {', '.join(missing)}")
    return str(CACHE / "bin/smtp-sink"), str(CACHE / "bin/smtp-source")


@dataclass(frozen=True)
class Sink:
    host: str
    port: int
    counters: Path

    def accepted(self) -> int:
        """Messages the sink has answered 250 to after their final ".", from its -c counters."""
        with self.counters.open("rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - 256))
            counts = re.findall(rb"sess=\d+ quit=\d+ mesg=(\d+)\r", file.read())
        return int(counts[-1]) if counts else 0


def _greets(port: int) -> bool:
    """Whether smtp-sink (not some other server already on that port) answers there."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            return conn.recv(64).startswith(b"220 smtp-sink ")
    except OSError:
        return False


@contextlib.contextmanager
def sink(port: int | None = None) -> Iterator[Sink]:
    """Run smtp-sink on 127.0.0.1 (free port if None) until the block ends.

    It accepts every message at once and keeps nothing; `Sink.accepted()` counts them.
    """
    smtp_sink = tools()[0]
    port = port or free_port()
    # Run as root, smtp-sink must drop to a user (-u) once it holds the socket.
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="smtp-sink-") as work:
        counters, errors = Path(work, "counters"), Path(work, "errors")
        with counters.open("wb") as out, errors.open("wb") as err:  # Files: a pipe could fill.
            args = [smtp_sink, "-c", *user, f"inet:127.0.0.1:{port}", "1024"]
            process = subprocess.Popen(args, stdout=out, stderr=err)  # noqa: S603
        try:
            deadline = time.monotonic() + 10
            while not _greets(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    problem = errors.read_text(errors="replace").strip() or "no answer in 10 s"
                    raise RuntimeError(f"smtp-sink did not start on port {port}: {problem}")
                time.sleep(0.02)
            yield Sink("127.0.0.1", port, counters)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def source_rate(
    *,
    host: str,
    port: int,
    messages: int = 20000,
    sessions: int = 4,
    size: int = 6000,
    per_session: int = 100,
) -> float:
    """Run smtp-source against the sink and return messages per second accepted (wall clock).

    `sessions` connections in parallel, each sending about `per_session` messages of `size`
    bytes of body before it quits. smtp-source has no such option: its -d keeps each
    connection for as long as messages remain, so it runs once per batch of
    sessions * per_session messages (a few ms of start-up each, and each batch waits for its
    slowest connection). With per_session=1 it is one run, a connection per message.
    """
    if min(messages, sessions, size, per_session) < 1:
        raise ValueError("messages, sessions, size and per_session must be positive")
    smtp_source = tools()[1]
    batch = messages if per_session == 1 else sessions * per_session
    full, rest = divmod(messages, batch)
    runs = [batch] * full + ([rest] if rest else [])
    reuse = ["-d"] if per_session > 1 else []
    started = time.perf_counter()
    for count in runs:
        args = [smtp_source, *reuse, "-s", str(min(sessions, count)), "-m", str(count)]
        args += ["-l", str(size), "-M", "localhost", f"inet:{host}:{port}"]
        done = subprocess.run(args, capture_output=True, text=True)  # noqa: S603
        if done.returncode:
            raise RuntimeError(f"smtp-source exited with {done.returncode}: {done.stderr.strip()}")
    return messages / (time.perf_counter() - started)


if __name__ == "__main__":
    with sink() as receiver:
        rate = source_rate(host=receiver.host, port=receiver.port)
        counted = receiver.accepted()
        print(f"smtp-source → smtp-sink: {rate:,.0f} messages/s; the sink counted {counted}")
