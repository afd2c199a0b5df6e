"""What every load test's clients share: a keep-alive connection posting forms, retried."""

import http.client
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

RETRIES = 3


class FormClient:
    """A reader's browser: one keep-alive connection, one form after another.

    A 5xx answer or a broken connection is retried with the same form (so the same
    idempotency key), up to RETRIES times. Subclasses keep a `tally` with `latencies_ms`
    and `problems`, and may count attempts in `attempted()`.
    """

    origin: str | None = None

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def attempted(self, key: str, attempt: int) -> None:
        """Called before each try; attempt 0 is the first."""

    def post(self, path: str, form: dict[str, str], *, key: str) -> tuple[int, dict] | None:
        """The answer (status, JSON) or None once the retries are spent."""
        payload = urlencode(form, doseq=True)
        failure = ""
        for attempt in range(1 + RETRIES):
            if attempt:
                time.sleep(0.25 * attempt)
            self.attempted(key, attempt)
            started = time.perf_counter()
            try:
                status, data = self.request("POST", path, payload)
            except (OSError, http.client.HTTPException) as error:
                self.connection.close()  # the next request opens a new one
                failure = f"{type(error).__name__}: {error}"
                continue
            self.tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status < 500:
                return status, data
            failure = f"HTTP {status}"
        self.tally.problems.append(f"{key}: gave up after {RETRIES} retries: {failure}")
        return None

    def request(self, method: str, path: str, payload: str | None = None) -> tuple[int, dict]:
        headers = {"Accept": "application/json", "User-Agent": "dateline-bench"}
        if payload is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if self.origin:
                headers["Origin"] = self.origin
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(content) if is_json else {}


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def run_together(clients: list) -> tuple[float, list]:
    """Every client's `run(start, stop)` in its own thread, released at the same moment.

    Returns when they started (perf_counter) and their tallies. If one fails or the run is
    interrupted, the others stop instead of posting on.
    """
    started: list[float] = []
    start = threading.Barrier(len(clients), action=lambda: started.append(time.perf_counter()))
    stop = threading.Event()
    with ThreadPoolExecutor(len(clients)) as pool:
        try:
            tallies = list(pool.map(lambda client: client.run(start, stop), clients))
        except BaseException:
            stop.set()
            start.abort()
            raise
    return started[0], tallies
