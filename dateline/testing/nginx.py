"""Debian's nginx for the tests and benchmarks: installed with no system nginx left running,
run privately with the shipped front (deploy/nginx.conf.template, rendered by `nginx_conf`).

nginx is what serves Dateline in production (deploy/nginx.conf.template: static files and
a micro-cache of pages in front of the app), so the tests of that front and `make bench`'s
page figures go through it, not through the app server alone.

It comes from Debian (`apt-get install nginx`, unattended, root needed). nginx's package
would start and enable a system nginx on port 80 (nginx-common's postinst runs
`update-rc.d nginx defaults` and `deb-systemd-helper enable`, nginx's runs `invoke-rc.d
nginx start` when port 80 is free, and fails the install if that start fails). So it is
installed under a policy-rc.d that denies every start (Docker images ship one already),
then its boot links and unit are disabled and any nginx master that appeared is stopped.

`nginx()` runs a private nginx as the current user: everything (config, pid, error log,
temp dirs) under a prefix, in the foreground, stopped when the block ends. Run as root, its
workers would be `nobody` unless the config says otherwise, and could not read a private
(0700) temporary directory, so `user root;` is added when the config has no `user` line.

`python -m dateline.testing.nginx` installs it if missing (`make nginx`) and prints its path.
"""

import contextlib
import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
TEMP_DIRS = ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp")
ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"

MAIN = """\
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
{http}
}}
"""


def nginx_conf(
    *,
    prefix: Path,
    port: int,
    upstreams: list[int],
    static_root: Path,
    media_root: Path,
    workers: int | str = "auto",
) -> str:
    """A whole nginx.conf: the shipped http{} part for this machine."""
    # safe_substitute: nginx's own $host, $scheme, ... stay as they are.
    http = Template(TEMPLATE.read_text()).safe_substitute(
        DATELINE_LISTEN=f"127.0.0.1:{port}",
        DATELINE_UPSTREAMS=" ".join(f"server 127.0.0.1:{p};" for p in upstreams),
        DATELINE_STATIC_ROOT=str(static_root),
        DATELINE_MEDIA_ROOT=str(media_root),
        DATELINE_CACHE_DIR=str(prefix / "cache"),
    )
    assert "${DATELINE_" not in http, "a variable of the template was not given"
    return MAIN.format(workers=workers, prefix=prefix, http=http)


def _run(*args: str, check: bool = True) -> str:
    done = subprocess.run(args, env=APT_ENV, capture_output=True, text=True)  # noqa: S603
    if check and done.returncode:
        raise RuntimeError(f"`{shlex.join(args)}` failed: {done.stderr.strip() or done.stdout}")
    return done.stdout


def which(name: str) -> str | None:
    """Path of the program `name`, also looked for in /usr/sbin and /usr/bin."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])
    return shutil.which(name, path=path)


def _masters() -> set[int]:
    """Pids of running nginx master processes (titled "nginx: master process ...")."""
    pids = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if cmdline.read_bytes().startswith(b"nginx: master process"):
                pids.add(int(cmdline.parent.name))
    return pids


def apt_install(package: str) -> str:
    """Install a Debian package unattended, with no service started; the path of its binary."""
    if os.geteuid():
        raise RuntimeError(f"{package} is not installed: as root, run `apt-get install {package}`")
    if not shutil.which("apt-get"):
        raise RuntimeError(f"{package} is not installed and there is no apt-get to install it")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
    install += ["-o", "DPkg::Lock::Timeout=300", package]
    our_policy = not POLICY_RC_D.exists()
    if our_policy:  # invoke-rc.d and deb-systemd-invoke start nothing while it says 101.
        POLICY_RC_D.write_text("#!/bin/sh\n# dateline/testing/nginx.py: an install\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
    try:
        try:
            _run(*install)
        except RuntimeError:
            _run("apt-get", "update", "-q")  # A fresh image has no package lists.
            _run(*install)
    finally:
        if our_policy:
            POLICY_RC_D.unlink(missing_ok=True)
    if not (path := which(package)):
        raise RuntimeError(f"`apt-get install {package}` installed no `{package}` binary")
    return path


def nginx_binary() -> str:
    """Path of Debian's nginx, installing it if missing, with no system nginx left running
    or enabled (on port 80). Raises RuntimeError with a clear message if impossible."""
    if path := which("nginx"):
        return path
    before = _masters()
    path = apt_install("nginx")
    _run("update-rc.d", "nginx", "disable", check=False)
    if shutil.which("systemctl"):
        now = ["--now"] if Path("/run/systemd/system").is_dir() else []
        _run("systemctl", "disable", *now, "nginx.service", check=False)
    for pid in _masters() - before:  # Started by the install after all: stop it.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while left := _masters() - before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the install started a system nginx ({left}) that won't stop")
        time.sleep(0.1)
    return path


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def nginx(config_text: str, *, prefix: Path) -> Iterator[None]:
    """Run a private nginx with this config, as the current user, until the block ends.

    Writes prefix/nginx.conf; pid (unless the config sets `pid`), error log and the temp
    dirs (unless the config sets their *_temp_path) go under prefix. Returns once every
    `listen [HOST:]PORT` of the config accepts connections; raises RuntimeError with nginx's
    errors if that takes more than 10 s.
    """
    binary = nginx_binary()
    prefix = prefix.resolve()
    prefix.mkdir(parents=True, exist_ok=True)
    temps = ""
    for name in TEMP_DIRS:
        (prefix / name).mkdir(exist_ok=True)
        if not re.search(rf"^\s*{name}_path\s", config_text, re.M):
            temps += f"\n    {name}_path {prefix / name};"
    http = re.compile(r"^(\s*http\s*\{)", re.M)
    config_text, found = http.subn(rf"\1{temps}", config_text, count=1)
    if not found:
        raise ValueError("the nginx config has no `http {` block")
    conf = prefix / "nginx.conf"
    conf.write_text(config_text)

    pid_file, logs = prefix / "nginx.pid", [prefix / "error.log", prefix / "stderr.log"]
    extra = ["daemon off;"]  # In the foreground: our child, stopped with the block.
    if match := re.search(r"^\s*pid\s+([^;\s]+)", config_text, re.M):
        pid_file = prefix / match[1]  # An absolute path stays as it is.
    else:
        extra.append(f"pid {pid_file};")
    logs += [prefix / log for log in re.findall(r"^\s*error_log\s+([^;\s]+)", config_text, re.M)]
    seen = {log: log.stat().st_size if log.is_file() else 0 for log in logs}  # Only this run's.
    if os.geteuid() == 0 and not re.search(r"^\s*user\s", config_text, re.M):
        extra.append("user root;")  # Not `nobody`: it could not read a 0700 temp dir.
    ports = set()  # listen [HOST:]PORT; a wildcard address is reached on 127.0.0.1.
    listens = r"^\s*listen\s+(?:(\[[^\]]*\]|[^\s:;\[]+):)?(\d+)[\s;]"
    for host, port in re.findall(listens, config_text, re.M):
        wildcard = host in ("", "*", "0.0.0.0", "[::]")  # noqa: S104
        ports.add(("127.0.0.1" if wildcard else host.strip("[]"), int(port)))
    args = [binary, "-p", f"{prefix}/", "-c", str(conf), "-e", str(logs[0]), "-g", " ".join(extra)]
    with logs[1].open("ab") as err:
        process = subprocess.Popen(args, stdout=err, stderr=err, start_new_session=True)  # noqa: S603

    def ready() -> bool:  # The pid file is written after the sockets are bound.
        with contextlib.suppress(OSError, ValueError):
            if int(pid_file.read_text()) == process.pid:
                return all(_listening(host, port) for host, port in ports)
        return False

    try:
        deadline = time.monotonic() + 10
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                errors = ""
                for log, size in seen.items():
                    with contextlib.suppress(OSError), log.open("rb") as file:
                        errors += file.read()[size:].decode(errors="replace")
                state = f"not listening on {sorted(ports)} after 10 s"
                if process.poll() is not None:
                    state = f"exited with {process.returncode}"
                raise RuntimeError(f"nginx {state}: {errors.strip() or 'no error logged'}")
            time.sleep(0.02)
        yield
    finally:
        process.terminate()  # SIGTERM: fast shutdown, the master waits for its workers.
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def get(port: int, path: str, **headers: str) -> Answer:
    """One GET on 127.0.0.1:`port`, on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


if __name__ == "__main__":
    print(nginx_binary())
