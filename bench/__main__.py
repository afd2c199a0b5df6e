"""Run the benchmarks in turn and print their tables: `python -m bench [name ...]`.

Exits non-zero when a benchmark finds the site misbehaving (comments, signups or messages
lost or doubled), not when it is slow: the figures are for people to read.
"""

import argparse
import signal
import sys
import time

from . import (
    changes_load,
    comments_load,
    newsletter_load,
    pages_load,
    search_load,
    signups_load,
)

BENCHMARKS = {
    "pages": pages_load.run,
    "changes": changes_load.run,
    "search": search_load.run,
    "comments": comments_load.run,
    "signups": signups_load.run,
    "newsletters": newsletter_load.run,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name", help=", ".join(BENCHMARKS))
    names = parser.parse_args().names or list(BENCHMARKS)
    if unknown := set(names) - set(BENCHMARKS):
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}")
    # A TERM (from make, CI or a terminal closing) unwinds like Ctrl+C: servers get stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    started = time.monotonic()
    reports = []
    for name in names:
        print(f"== {name} ==", flush=True)
        reports.append(report := BENCHMARKS[name]())
        print(f"\n{report.title}\n{report.table()}", *report.notes, sep="\n", end="\n\n")
    failed = [report.title for report in reports if not report.ok]
    for title in failed:
        print(f"FAILED: {title}", file=sys.stderr)
    print(f"Benchmarks took {time.monotonic() - started:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
