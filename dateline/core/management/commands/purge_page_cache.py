from django.core.management.base import BaseCommand

from dateline.core.actions import page_cache_purge
from dateline.core.pagecache import SITE_TAG


class Command(BaseCommand):
    help = "Invalidate every cached page (run on deploy: templates or code may have changed)."

    def handle(self, *args, **options):
        page_cache_purge(tags={SITE_TAG})
        self.stdout.write("Page cache purged.")
