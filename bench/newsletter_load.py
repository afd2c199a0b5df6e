"""Newsletter sending: 20,000 personalised messages to Postfix's smtp-sink, timed beside the
sink's own limit (Postfix's smtp-source against the same sink, same message size and number
of connections), then 100,000 recipients for peak memory.

Each backend gets a throwaway site with the demo newsroom; its subscribers are made in bulk
and one send is frozen for them (`bench.newsletter_site`). Two `db_worker` processes (one
per core, as a scaled-out site would run them) then send it through one SMTP connection
each. Every message carries its reader's own unsubscribe and preferences links and
Message-ID, and each result is committed before the next message goes: the speed measured
is the speed with exactly-once bookkeeping. Afterwards the database is read: one SENT row
per subscriber, and the sink's count must equal the recipients (none lost, none doubled).
"""

import contextlib
import json
import time
from pathlib import Path

from dateline.testing.site import PYTHON, Backend, backends, fresh_site, run_command, task_workers

from . import postfix
from .report import Report

RECIPIENTS = 20_000
LARGE = 100_000
WORKERS = 2
SEND_TIMEOUT = 900
SETTINGS = {
    "NEWSLETTER_CONNECTIONS": str(WORKERS),
    "NEWSLETTER_BATCH_SIZE": "200",
    "LOG_LEVEL": "WARNING",
}
COLUMNS = (
    "backend", "recipients", "freeze s", "send s", "messages/s", "smtp-source/s", "ratio",
    "worker peak MB", "freeze peak MB", "sent", "lost", "doubled",
)  # fmt: skip


def _peak_mb(pid: int) -> float:
    """The process's high-water resident memory (VmHWM), in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _send(backend: Backend, sink: postfix.Sink, recipients: int) -> tuple[dict, float]:
    """Seed, freeze and send one campaign; its figures and the workers' peak memory."""
    settings = {**SETTINGS, "EMAIL_URL": f"smtp://{sink.host}:{sink.port}"}
    with fresh_site(backend, **settings) as site:
        seeded = json.loads(
            run_command(site.env, PYTHON, "-m", "bench.newsletter_site", "seed", str(recipients))
        )
        before = sink.accepted()
        first = last = None
        peak = 0.0
        deadline = time.monotonic() + SEND_TIMEOUT
        with task_workers(site, WORKERS, "--no-startup-delay") as workers:
            while time.monotonic() < deadline:
                accepted = sink.accepted() - before
                now = time.monotonic()
                if accepted and first is None:
                    first = now
                peak = max([peak, *(_peak_mb(w.pid) for w in workers)])
                if accepted >= recipients:
                    last = now
                    break
                if any(w.poll() is not None for w in workers):
                    break
                time.sleep(0.05)
            time.sleep(1)  # a twin would arrive now
            peak = max([peak, *(_peak_mb(w.pid) for w in workers)])
        checked = json.loads(
            run_command(
                site.env, PYTHON, "-m", "bench.newsletter_site", "check", str(seeded["campaign"])
            )
        )
        seconds = (last - first) if first and last else float("nan")
        figures = {
            **seeded,
            **checked,
            "accepted": sink.accepted() - before,
            "seconds": seconds,
            "worker_log": "".join(site.worker_log(n).read_text()[-2000:] for n in range(WORKERS)),
        }
        return figures, peak


def run() -> Report:
    found, notes = backends()
    report = Report(
        f"Newsletter sending: {RECIPIENTS:,} personalised messages from {WORKERS} workers "
        "to Postfix's smtp-sink, and peak memory at {LARGE:,} recipients".replace(
            "{LARGE:,}", f"{LARGE:,}"
        ),
        COLUMNS,
        notes=notes,
    )
    postfix.tools()
    with postfix.sink() as sink:
        for backend in found:
            for recipients in (RECIPIENTS, LARGE):
                print(f"{backend.label}: {recipients:,} recipients", flush=True)
                figures, peak = _send(backend, sink, recipients)
                sent = figures["by_status"].get("sent", 0)
                lost = recipients - sent
                doubled = figures["accepted"] - sent
                limit = postfix.source_rate(
                    host=sink.host,
                    port=sink.port,
                    messages=recipients if recipients == RECIPIENTS else RECIPIENTS,
                    sessions=WORKERS,
                    size=figures["message_bytes"],
                    per_session=RECIPIENTS // WORKERS,
                )
                rate = recipients / figures["seconds"] if figures["seconds"] else 0.0
                report.rows.append(
                    (
                        backend.label,
                        recipients,
                        figures["freeze_seconds"],
                        figures["seconds"],
                        rate,
                        limit,
                        f"{rate / limit:.2f}" if limit else "-",
                        peak,
                        figures["peak_mb"],
                        sent,
                        lost,
                        doubled,
                    )
                )
                if lost or doubled or figures["status"] != "sent":
                    report.ok = False
                    report.notes.append(
                        f"{backend.label}, {recipients:,}: {figures['status']}, "
                        f"{figures['by_status']}\n{figures['worker_log']}"
                    )
    report.notes += [
        f"Messages of {figures['message_bytes']:,} bytes (HTML and plain text, five articles);"
        " smtp-source sends the same size over the same number of connections.",
        "freeze s: making the delivery rows in one transaction when the send starts; "
        "send s: first message to last at the sink.",
        "worker peak MB: the larger VmHWM of the two db_worker processes; freeze peak MB: the "
        "process that seeded the subscribers and froze the send.",
    ]
    return report
