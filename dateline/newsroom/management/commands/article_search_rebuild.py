from django.core.management.base import BaseCommand

from dateline.newsroom import search
from dateline.newsroom.actions import article_search_refresh
from dateline.newsroom.models import ArticlePage


class Command(BaseCommand):
    help = (
        "Fill readers' search on PostgreSQL with every live, public article (after an "
        "upgrade or a restore; publishing keeps it current)."
    )

    def handle(self, *args, **options):
        if not search.available():
            self.stdout.write("Nothing to do: on SQLite readers' search uses Wagtail's index.")
            return
        ids = ArticlePage.objects.values_list("pk", flat=True).order_by("pk")
        held = article_search_refresh(article_ids=ids)
        self.stdout.write(f"{held} articles searchable")
