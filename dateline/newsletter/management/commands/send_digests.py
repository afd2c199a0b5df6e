from django.core.management.base import BaseCommand

from dateline.newsletter import actions


class Command(BaseCommand):
    help = "Start every digest that is due (the worker does this on its own; this is for cron)."

    def handle(self, *args, **options):
        for campaign in actions.digests_send_due():
            self.stdout.write(f"{campaign.newsletter}: {campaign.get_status_display()}")
        at = actions.digests_schedule()
        if at:
            self.stdout.write(f"Next digest run: {at:%Y-%m-%d %H:%M %Z}")
