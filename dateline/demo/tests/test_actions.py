"""The demo newsroom of `make run`: loaded once, the same whenever it is loaded again."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page

from dateline.demo.actions import demo_content_load


def test_loading_the_demo_again_changes_nothing(db):
    home = demo_content_load()
    pages = list(Page.objects.order_by("path").values_list("path", "slug", "live"))

    assert demo_content_load().pk == home.pk
    assert list(Page.objects.order_by("path").values_list("path", "slug", "live")) == pages


def test_load_demo_prints_the_site_and_an_editor_login_kept_for_the_next_run(
    db, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("load_demo", stdout=out)
    password = (tmp_path / "demo-editor-password").read_text().strip()

    assert f"Login:     editor / {password}" in out.getvalue()
    assert get_user_model().objects.get(username="editor").check_password(password)
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert f"Login:     editor / {password}" in again.getvalue()


def test_load_demo_can_leave_out_the_editor(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--no-editor", stdout=StringIO())

    assert not get_user_model().objects.filter(username="editor").exists()
