"""Start, watch and steer a send from the command line, with the admin's progress figures."""

import sys
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from dateline.newsletter import actions, selectors
from dateline.newsletter.models import Campaign
from dateline.newsletter.selectors import campaign_progress

STEER = {
    "pause": actions.campaign_pause,
    "resume": actions.campaign_resume,
    "cancel": actions.campaign_cancel,
}


def bar(campaign: Campaign) -> str:
    p = campaign_progress(campaign)
    filled = p.percent * 30 // 100
    left = "?" if p.seconds_left is None else f"{p.seconds_left}s"
    return (
        f"[{'#' * filled}{'.' * (30 - filled)}] {p.percent:3d}% {p.done:,}/{p.total:,} "
        f"sent {p.sent:,} · failed {p.failed:,} · deferred {p.deferred:,} · "
        f"in doubt {p.in_doubt:,} · {p.rate:,.0f}/s · {left} left"
    )


class Command(BaseCommand):
    help = "Send a newsletter issue (or steer a send): shows progress until it is done."

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="The send's id (admin → Newsletter sends).")
        parser.add_argument(
            "--work",
            action="store_true",
            help="Send from this process too, instead of leaving it all to the workers.",
        )
        steer = parser.add_mutually_exclusive_group()
        for name in STEER:
            steer.add_argument(f"--{name}", action="store_true")
        steer.add_argument("--resend-in-doubt", action="store_true")
        steer.add_argument("--status", action="store_true", help="Print progress once.")

    def handle(self, *args, campaign: int, work: bool, **options):
        found = Campaign.objects.filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"No send with id {campaign}.")
        try:
            for name, operation in STEER.items():
                if options[name]:
                    operation(campaign=found)
                    self.stdout.write(f"{name}: done. {bar(found)}")
                    return
            if options["resend_in_doubt"]:
                count = actions.deliveries_in_doubt_resend(campaign=found)
                self.stdout.write(f"{count} in-doubt messages queued again.")
            if options["status"]:
                self.stdout.write(f"{found.get_status_display()}: {bar(found)}")
                return
            if found.editable:
                actions.campaign_start(campaign=found)
        except actions.CampaignError as error:
            raise CommandError(error.message) from error
        sender = None
        if work:
            sender = threading.Thread(target=self.send_until_done, args=[found.pk], daemon=True)
            sender.start()
        self.watch(found)
        if sender is not None:
            sender.join()
        found.refresh_from_db()
        self.stdout.write(f"{found.get_status_display()}: {bar(found)}")

    def send_until_done(self, campaign_id: int) -> None:
        try:
            while True:
                actions.campaign_deliver(campaign_id=campaign_id)
                status = Campaign.objects.get(pk=campaign_id).status
                due = selectors.campaign_next_due(campaign_id=campaign_id)
                if status != Campaign.Status.SENDING or due is None:
                    return
                time.sleep(min(max((due - timezone.now()).total_seconds(), 0.2), 60))
        finally:
            connection.close()

    def watch(self, campaign: Campaign) -> None:
        tty = sys.stderr.isatty()
        while True:
            campaign.refresh_from_db()
            line = bar(campaign)
            self.stderr.write(f"\r{line}" if tty else line, ending="" if tty else "\n")
            if campaign.status != Campaign.Status.SENDING:
                if tty:
                    self.stderr.write("")
                return
            time.sleep(0.5 if tty else 5)
