from django.core.management.base import BaseCommand, CommandError

from dateline.demo.generate import articles_generate


class Command(BaseCommand):
    help = "Add generated articles (seeded, offline) to the live sections, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-index", action="store_true", help="Leave search alone.")
        parser.add_argument(
            "--no-admin-index",
            action="store_true",
            help="Searchable by readers on PostgreSQL, but not added to Wagtail's index "
            "(the admin's search, and readers' on SQLite): the benchmark's way, minutes faster.",
        )

    def handle(self, *args, count: int, seed: int, no_index: bool, no_admin_index: bool, **kw):
        try:
            made = articles_generate(
                count=count, seed=seed, index=not no_index, admin_index=not no_admin_index
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{made} articles generated")
