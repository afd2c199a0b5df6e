"""Which machine this is, and whether a process named by (machine, pid) is gone.

Hostnames alone repeat across containers, so a machine is its hostname, its boot and its
process namespace: two processes with the same machine string see each other's pids.
Only there can a process be known to be gone; elsewhere only time (a lease, a heartbeat)
can tell.
"""

import contextlib
import os
import socket
from pathlib import Path


def _machine() -> str:
    boot = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    with contextlib.suppress(OSError):
        boot += f"-{os.stat('/proc/self/ns/pid').st_ino}"
    return f"{socket.gethostname()}-{boot}".replace(":", "-")


HOST = _machine()


def process_is_gone(host: str, pid: int) -> bool:
    """True only when `pid` ran on this machine and no such process is left."""
    if host != HOST or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False
