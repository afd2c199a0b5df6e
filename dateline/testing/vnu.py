"""The Nu HTML checker (vnu.jar) over many documents in one run: a JVM starts once.

The checker is npm's `vnu-jar`, pinned in tools/vnu/package-lock.json and installed by
`make vnu` (which `make test` runs); it runs on the machine's Java (Debian's
default-jre-headless). html5lib parses what browsers parse; the Nu checker also knows what
the HTML standard allows, such as a `<time datetime>` with at most three digits of a second.
"""

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# What the checker reads each file as, by the file's name.
KINDS = (".html", ".css", ".svg")


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: int | None
    message: str
    extract: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.line is not None else "document"
        extract = " ".join(self.extract.split())
        return f"{where}: {self.message}" + (f"  [{extract}]" if extract else "")


class CheckerFailed(Exception):
    """The checker could not run, or answered something other than its report."""


def java() -> str | None:
    return shutil.which("java")


def checker_missing() -> str | None:
    """Why the checker cannot run here, or None when it can."""
    if not VNU_JAR.is_file():
        return f"the Nu HTML checker is not installed at {VNU_JAR.relative_to(ROOT)} (make vnu)"
    if java() is None:
        return "no java on PATH for the Nu HTML checker (apt-get install default-jre-headless)"
    return None


def require_checker() -> None:
    """Skip the calling test without the checker; on CI (CI=true) fail it instead."""
    if reason := checker_missing():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the Nu HTML checker", pytrace=False)
        pytest.skip(reason)


def check_documents(
    documents: Mapping[str, str], *, timeout: float = 600
) -> dict[str, list[Problem]]:
    """The errors the Nu checker finds, by document, for documents with any.

    Each name is a file name whose ending says what it is (`front.html`, `site.css`,
    `logo.svg`); each value is its text.
    """
    for name in documents:
        if Path(name).name != name or not name.endswith(KINDS):
            raise ValueError(f"{name!r}: a plain file name ending in one of {KINDS}")
    java_binary = java()
    if java_binary is None or not VNU_JAR.is_file():
        raise CheckerFailed(checker_missing())
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        for name, text in documents.items():
            Path(folder, name).write_text(text, encoding="utf-8")
        command = [
            java_binary,
            "-Xss1m",  # the checker's parser recurses deeply on nested markup
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--errors-only",
            "--also-check-css",
            "--also-check-svg",
            "--stdout",
            *(str(Path(folder, name)) for name in documents),
        ]
        result = subprocess.run(  # noqa: S603 (our own arguments)
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise CheckerFailed(
            f"the Nu checker exited {result.returncode} without a report: "
            f"{(result.stderr or result.stdout)[-2000:]}"
        ) from error
    problems: dict[str, list[Problem]] = {}
    for message in report.get("messages", []):
        if message.get("type") == "non-document-error":
            raise CheckerFailed(f"the Nu checker could not read a document: {message}")
        if message.get("type") != "error":
            continue
        # The checker names each file by its URL (`file:/tmp/vnu-.../front.html`).
        name = unquote(urlsplit(message.get("url", "")).path).rpartition("/")[2] or "?"
        problems.setdefault(name, []).append(
            Problem(
                line=message.get("lastLine"),
                column=message.get("firstColumn") or message.get("lastColumn"),
                message=message.get("message", ""),
                extract=message.get("extract", ""),
            )
        )
    return problems


def report(problems: Mapping[str, list[Problem]]) -> str:
    """The problems, document by document, for a failing assertion."""
    lines = []
    for name in sorted(problems):
        lines.append(f"{name}:")
        lines.extend(f"  {problem}" for problem in problems[name])
    return "\n".join(lines)
