from django.conf import settings
from django.core.management.base import BaseCommand

from dateline.demo.actions import demo_content_load, demo_editor_ensure


class Command(BaseCommand):
    help = "Create the demo newsroom (the reference article in Middle East News) and an editor."

    def add_arguments(self, parser):
        parser.add_argument("--no-editor", action="store_true", help="Create no editor account.")

    def handle(self, *args, no_editor=False, **options):
        home = demo_content_load()
        self.stdout.write(f"Demo site: {settings.SITE_URL}{home.url}")
        if no_editor:
            return
        login = demo_editor_ensure(settings.VAR_DIR / "demo-editor-password")
        self.stdout.write(f"Admin:     {settings.SITE_URL}/admin/")
        password = login.password or "(changed since it was created)"
        self.stdout.write(f"Login:     {login.username} / {password}")
