"""wrk, to measure an article page as readers get it: through the production front.

wrk is the load generator: a few threads hold many keep-alive connections and report
requests per second and, with --latency, the latency percentiles (p50, p99) that a mean
hides. It comes from Debian (`apt-get install wrk`, unattended, root needed); nginx, the
front it measures through, is dateline.testing.nginx.
"""

import re
import shlex
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dateline.testing.nginx import apt_install, nginx, which

UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}


def wrk_binary() -> str:
    """Path of wrk (Debian package `wrk`), installing it if missing."""
    return which("wrk") or apt_install("wrk")


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors (connect/read/write/timeout) + non-2xx/3xx responses


def wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 64,
    threads: int = 2,
) -> WrkResult:
    """Run wrk --latency against url and read its summary. RuntimeError with its output if
    it fails."""
    args = [wrk_binary(), "--latency", "-t", str(threads), "-c", str(connections)]
    args += ["-d", f"{seconds}s"]
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60)  # noqa: S603
    out = done.stdout + done.stderr

    def number(pattern: str) -> re.Match[str]:
        if done.returncode or not (match := re.search(pattern, out, re.M)):
            raise RuntimeError(f"`{shlex.join([*args, url])}` failed: {out.strip()}")
        return match

    def percentile(p: int) -> float:
        match = number(rf"^\s*{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$")
        return round(float(match[1]) * UNIT_MS[match[2]], 6)

    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(
        requests_per_second=float(number(r"^Requests/sec:\s+([\d.]+)")[1]),
        p50_ms=percentile(50),
        p99_ms=percentile(99),
        requests=int(number(r"^\s*(\d+) requests in ")[1]),
        errors=sum(map(int, sockets.groups() if sockets else ())) + int(bad[1] if bad else 0),
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="nginx-") as work:
        root = Path(work)
        (root / "www").mkdir()
        (root / "www/page.html").write_bytes(b"x" * 40 * 1024)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = f"""worker_processes auto;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    server {{ listen 127.0.0.1:{port}; root {root / "www"}; }}
}}
"""
        with nginx(config, prefix=root / "nginx"):
            result = wrk(f"http://127.0.0.1:{port}/page.html", seconds=5)
        print(f"40 KB static file through nginx: {result}")
