from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError

from ...importers import CommentImportError, disqus_import, wxr_import


class Command(BaseCommand):
    help = "Import reader comments from a WordPress (WXR) or Disqus XML export."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["wxr", "disqus"], help="The export's format.")
        parser.add_argument("path", help="The export file.")
        parser.add_argument(
            "--timezone",
            help="WordPress only: the old site's time zone, for comments without a GMT date "
            "(default: TIME_ZONE).",
        )

    def handle(self, *args, kind, path, timezone=None, **options):
        try:
            site_timezone = ZoneInfo(timezone) if timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown time zone: {timezone}") from None
        try:
            with open(path, "rb") as file:
                if kind == "wxr":
                    report = wxr_import(file=file, site_timezone=site_timezone)
                else:
                    report = disqus_import(file=file)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        except CommentImportError as error:
            if error.report is not None:
                self.stdout.write("\n".join(error.report.lines()))
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write("\n".join(report.lines()))
