"""Read returned mail (DSN bounces, ARF complaints) and act on it.

Pipe one message from the mail server (Postfix: `bounces: "|/path/manage.py read_bounces"`),
or give files, mbox files or maildir folders.
"""

import mailbox
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from dateline.newsletter import actions
from dateline.newsletter.bounces import MalformedReport, reports_parse


class Command(BaseCommand):
    help = "Record bounces and complaints from returned mail (stdin, files, mbox or maildir)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Message files, mbox files or maildirs.")

    def handle(self, *args, paths: list[str], **options):
        messages = self.messages(paths) if paths else [("stdin", sys.stdin.buffer.read())]
        recorded = unreadable = 0
        for name, raw in messages:
            try:
                reports = reports_parse(raw)
            except MalformedReport as problem:
                unreadable += 1
                self.stderr.write(f"{name}: not read ({problem})")
                continue
            for report in reports:
                event = actions.mail_event_record(
                    kind=report.kind,
                    email=report.recipient,
                    source="returned mail",
                    message_id=report.message_id,
                    detail=" ".join(filter(None, [report.status, report.diagnostic])),
                    ours_only=True,
                )
                recorded += event is not None
        self.stdout.write(f"{recorded} recorded, {unreadable} unreadable")
        # Reports that name no message of ours (forged, or about other mail) are not counted.

    def messages(self, paths: list[str]):
        for path in map(Path, paths):
            if path.is_dir():
                for key, message in mailbox.Maildir(path, factory=None, create=False).items():
                    yield f"{path}/{key}", message.as_bytes()
            elif path.read_bytes()[:5] == b"From ":
                for index, message in enumerate(mailbox.mbox(path, create=False)):
                    yield f"{path}#{index}", message.as_bytes()
            else:
                yield str(path), path.read_bytes()
