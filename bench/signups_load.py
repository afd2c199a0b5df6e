"""Newsletter signups under load: 1,000 addresses from 50 concurrent clients, each asked once.

Each client holds one keep-alive connection and signs up 20 addresses of its own, as the
footer and popup forms do (JSON answers, no Origin header). The site runs with its task
worker, which sends the confirmation emails through SMTP to a sink in this process.
Afterwards the mail and the database are read: every address pending exactly once and
sent exactly one "Please confirm your subscription", nothing else sent.

A 5xx or a broken connection is retried, up to three times. A retried signup may rightly
send a second confirmation (up to three a day go to one address), so its address may get
as many emails as it had attempts; every other address must get exactly one.
"""

import contextlib
import email
import email.policy
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from dateline.testing.ports import free_port
from dateline.testing.site import (
    PYTHON,
    Backend,
    Site,
    backends,
    fresh_site,
    log_problems,
    run_command,
    served,
)

from .client import FormClient, percentile, run_together
from .report import Report

CLIENTS = 50
SIGNUPS_PER_CLIENT = 20
# Two granian processes, as in the comments benchmark, and the one task worker of `make run`.
WORKERS = 2
SOURCES = ("page", "footer", "article", "popup")
CONFIRM_SUBJECT = "Please confirm your subscription"
# Waiting for the worker: at most this long after the last answer; given up sooner when no
# mail has come for QUIET_SECONDS; once every address has mail, SETTLE_SECONDS more for a
# twin to show up (the worker looks for new tasks every second).
DRAIN_TIMEOUT = 120
QUIET_SECONDS = 20
SETTLE_SECONDS = 3

# Every client comes from 127.0.0.1, and a load test posts faster than any reader.
LOAD_SETTINGS = {
    "NEWSLETTER_MIN_FILL_SECONDS": "0",
    "NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR": "1000000",
}

COLUMNS = (
    "backend", "clients", "signups", "seconds", "signups/s", "p50 ms", "p95 ms", "p99 ms",
    "retries", "pending", "emails", "drain s", "emails/s", "doubled", "lost",
)  # fmt: skip

STORED = """
import json
import django
django.setup()
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from dateline.core.models import TransactionalEmail
from dateline.newsletter.models import Subscriber
tasks = DBTaskResult.objects.filter(task_path__endswith=".deliver_email").order_by()
emails = TransactionalEmail.objects.filter(kind="newsletter/confirm").order_by()
print(json.dumps({
    "subscribers": list(Subscriber.objects.values_list("email", "status")),
    "tasks": dict(tasks.values_list("status").annotate(Count("pk"))),
    "emails": dict(emails.values_list("status").annotate(Count("pk"))),
}))
"""


@dataclass(frozen=True)
class Mail:
    received: float  # time.perf_counter()
    recipients: tuple[str, ...]
    subject: str


class Sink:
    """An SMTP server's handler that keeps what it is sent; read from any thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self._mail: list[Mail] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        mail = Mail(
            received=time.perf_counter(),
            recipients=tuple(address.lower() for address in envelope.rcpt_tos),
            subject=str(message["Subject"] or ""),
        )
        with self._lock:
            self._mail.append(mail)
        return "250 OK"

    def mail(self) -> list[Mail]:
        with self._lock:
            return list(self._mail)

    def count(self) -> int:
        with self._lock:
            return len(self._mail)


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    """An SMTP server on loopback until the block ends: the sink and its port."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@dataclass
class Tally:
    """What one client sent and was told."""

    attempts: Counter[str] = field(default_factory=Counter)  # address: POSTs sent
    answers: Counter[str] = field(default_factory=Counter)  # message: times given
    latencies_ms: list[float] = field(default_factory=list)
    finished: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def retries(self) -> int:
        return sum(self.attempts.values()) - len(self.attempts)


class Client(FormClient):
    """A reader's browser: one keep-alive connection, signing up one address after another."""

    def __init__(self, number: int, *, site: Site, addresses: list[str]):
        super().__init__(site.port)
        self.number = number
        self.addresses = addresses
        self.tally = Tally()

    def run(self, start: threading.Barrier, stop: threading.Event) -> Tally:
        try:
            issued = self.request("GET", "/forms/stamp/")[1]["issued"]
            start.wait()
            for n, address in enumerate(self.addresses):
                if stop.is_set():
                    break
                self.sign_up(address, source=SOURCES[n % len(SOURCES)], issued=issued)
        finally:
            self.tally.finished = time.perf_counter()
            self.connection.close()
        return self.tally

    def sign_up(self, address: str, *, source: str, issued: str) -> None:
        answer = self.post({"email": address, "source": source, "issued": issued})
        if answer is None:
            return
        status, data = answer
        if status != 200:
            self.tally.problems.append(f"{address}: HTTP {status}: {data.get('message')}")
            return
        self.tally.answers[data.get("message", "")] += 1

    def post(self, form: dict[str, str]) -> tuple[int, dict] | None:
        return super().post("/newsletter/", form, key=form["email"])

    def attempted(self, key: str, attempt: int) -> None:
        self.tally.attempts[key] += 1


def load(site: Site) -> tuple[float, float, list[Tally]]:
    """All clients signing up at once: when they started and ended (perf_counter), and tallies."""
    clients = [
        Client(
            n,
            site=site,
            addresses=[
                f"reader-{n * SIGNUPS_PER_CLIENT + i:04d}@bench.example"
                for i in range(SIGNUPS_PER_CLIENT)
            ],
        )
        for n in range(CLIENTS)
    ]
    started, tallies = run_together(clients)
    return started, max(tally.finished for tally in tallies), tallies


def await_mail(sink: Sink, expected: int) -> None:
    """Until `expected` messages have come and a moment more, or the mail stops coming."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    count, changed, complete = -1, time.monotonic(), None
    while (now := time.monotonic()) < deadline:
        if (latest := sink.count()) != count:
            count, changed = latest, now
        if complete is None and count >= expected:
            complete = now
        if complete is not None and now - complete >= SETTLE_SECONDS:
            return
        if now - changed >= QUIET_SECONDS:
            return
        time.sleep(0.2)


@dataclass
class Outcome:
    """The load's result as read from the database and the mail, against what was sent."""

    pending: int = 0
    confirmations: int = 0
    doubled: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check(tallies: list[Tally], stored: dict, mail: list[Mail]) -> Outcome:
    """Every address pending once and asked once to confirm; nothing else stored or sent.

    An address is lost when it has no pending row or no confirmation, doubled when it has
    two rows or more confirmations than it had attempts (one, unless its POST was retried).
    """
    attempts = Counter()
    for tally in tallies:
        attempts.update(tally.attempts)
    outcome = Outcome()
    rows = Counter(address.lower() for address, _ in stored["subscribers"])
    statuses = Counter(status for _, status in stored["subscribers"])
    outcome.pending = statuses["pending"]
    if other := {status: n for status, n in statuses.items() if status != "pending"}:
        outcome.problems.append(f"subscribers not pending: {other}")
    if strangers := set(rows) - set(attempts):
        outcome.problems.append(f"{len(strangers)} subscribers nobody signed up")
    pending = {address.lower() for address, status in stored["subscribers"] if status == "pending"}
    outcome.lost |= set(attempts) - pending
    outcome.doubled |= {address for address, n in rows.items() if n > 1}

    confirm = [m for m in mail if m.subject == CONFIRM_SUBJECT]
    if others := Counter(m.subject for m in mail if m.subject != CONFIRM_SUBJECT):
        outcome.problems.append(f"other mail was sent: {dict(others)}")
    asked = Counter(address for m in confirm for address in m.recipients)
    outcome.confirmations = sum(asked.values())
    if strays := set(asked) - set(attempts):
        outcome.problems.append(f"{len(strays)} addresses nobody signed up were sent mail")
    outcome.lost |= set(attempts) - set(asked)
    outcome.doubled |= {address for address, n in asked.items() if n > attempts[address]}
    if resent := sum(1 for address, n in asked.items() if 1 < n <= attempts[address]):
        outcome.notes.append(f"{resent} retried addresses were rightly asked again")

    if unfinished := {status: n for status, n in stored["tasks"].items() if status != "SUCCESSFUL"}:
        outcome.problems.append(f"confirmation tasks not done: {unfinished}")
    if unsent := {status: n for status, n in stored["emails"].items() if status != "sent"}:
        outcome.problems.append(f"confirmations not sent: {unsent}")
    answers = Counter()
    for tally in tallies:
        answers.update(tally.answers)
    if len(answers) > 1:
        outcome.problems.append(f"the answers differed: {dict(answers)}")
    if outcome.lost or outcome.doubled:
        example = sorted(outcome.lost or outcome.doubled)[0]
        outcome.problems.insert(
            0,
            f"{len(outcome.doubled)} addresses doubled and {len(outcome.lost)} lost, "
            f"e.g. {example}",
        )
    return outcome


def run() -> Report:
    report = Report(
        f"Newsletter signups: {CLIENTS} clients signing up {CLIENTS * SIGNUPS_PER_CLIENT:,}",
        COLUMNS,
    )
    found, report.notes = backends()
    for backend in found:
        row, problems, notes, errors = run_on(backend)
        report.rows.append(row)
        report.notes += [f"{backend.label}: {note}" for note in notes]
        report.notes += [f"{backend.label}: {problem}" for problem in problems[:10]]
        if len(problems) > 10:
            report.notes.append(f"{backend.label}: ... and {len(problems) - 10} more problems")
        for source, lines in errors.items():
            if lines:
                report.notes.append(
                    f"{backend.label}: the {source} logged {len(lines)} error lines, "
                    f"the first: {lines[0]}"
                )
        report.ok = report.ok and not problems
    return report


def run_on(backend: Backend) -> tuple[tuple, list[str], list[str], dict[str, list[str]]]:
    """The table row for one backend, what went wrong, notes, and the logs' error lines."""
    print(f"  signups on {backend.label}: preparing a fresh site", flush=True)
    with (
        smtp_sink() as (sink, smtp_port),
        fresh_site(backend, EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}", **LOAD_SETTINGS) as site,
        served(site, workers=WORKERS, task_worker=True) as log,
    ):
        print(f"  signups on {backend.label}: signing up", flush=True)
        started, finished, tallies = load(site)
        addresses = sum(len(tally.attempts) for tally in tallies)
        print(f"  signups on {backend.label}: waiting for the confirmations", flush=True)
        await_mail(sink, addresses)
        mail = sink.mail()
        stored = json.loads(run_command(site.env, PYTHON, "-c", STORED).splitlines()[-1])
        errors = {"server": log_problems(log), "worker": log_problems(site.worker_log())}
    outcome = check(tallies, stored, mail)
    problems = outcome.problems + [problem for tally in tallies for problem in tally.problems]
    latencies = [ms for tally in tallies for ms in tally.latencies_ms]
    received = sorted(m.received for m in mail if m.subject == CONFIRM_SUBJECT)
    seconds = finished - started
    row = (
        backend.label,
        CLIENTS,
        addresses,
        seconds,
        addresses / seconds,
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        sum(tally.retries for tally in tallies),
        outcome.pending,
        outcome.confirmations,
        max(0.0, received[-1] - finished) if received else float("nan"),
        # The worker's pace from its first email to its last, most of it during the load.
        (len(received) - 1) / (received[-1] - received[0]) if len(received) > 1 else float("nan"),
        len(outcome.doubled),
        len(outcome.lost),
    )
    return row, problems, outcome.notes, errors
