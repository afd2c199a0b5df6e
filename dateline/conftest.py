"""Fixtures for the browser tests: Playwright driving Debian's Chromium on the live server.

The demo site is loaded in a transactional test so that its rows are committed and visible
to pytest-django's live server thread.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Mobile first: small enough that the article scrolls.
VIEWPORT = {"width": 390, "height": 700}
ARTICLE_PATH = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"


@pytest.fixture(scope="module")
def _allow_async_unsafe() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in this thread; let the ORM run."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture
def article_url(_allow_async_unsafe, transactional_db, live_server) -> str:
    """The reference article on the live server, with the demo site committed.

    Serialized rollback brings back the rows the migrations made (Wagtail's root page, the
    default Site) that the flush after each transactional test removes.
    """
    from dateline.demo.actions import demo_content_load

    demo_content_load()
    return live_server.url + ARTICLE_PATH


@pytest.fixture
def policy_violations():
    """Content-Security-Policy violations in the test's browser (dateline.testing)."""
    from dateline.testing.policy_violations import PolicyViolations

    return PolicyViolations()


@pytest.fixture
def browser(article_url: str, policy_violations):
    """A Chromium per test, started only once the database is set up.

    While Playwright's loop runs, asgiref hands this thread a context-local database
    connection rather than the thread's own, which is the one that holds the snapshot
    serialized rollback restores; so Playwright starts after the test database setup and
    stops before its teardown.

    Any Content-Security-Policy violation in any of its pages fails the test at teardown.
    """
    from playwright.sync_api import expect, sync_playwright

    # Patience, not a deadline: on a loaded 2-core CI machine a page can take longer than
    # Playwright's default 5 s to show what the test waits for.
    expect.set_options(timeout=20_000)

    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield policy_violations.watch_browser(browser)
        violations = policy_violations.take()
        browser.close()
    if violations:
        pytest.fail("Policy violations in the browser:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def new_tab():
    """Open a page in a new context (closed with the browser).

    Reduced motion turns off the stylesheet's smooth scrolling, so jumps are instant.
    """

    def open_tab(browser, **options):
        context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce", **options)
        return context.new_page()

    return open_tab


@pytest.fixture
def editor_tab(browser, live_server, django_user_model):
    """A wide browser tab signed in to the admin as a superuser ("editor"), on the demo site.

    The session is made by the test client and handed to the browser as its cookie, so a
    test starts on the page it is about rather than on the sign-in form (core/tests/
    test_browser.py tests the sign-in itself).
    """
    from django.conf import settings
    from django.test import Client

    user = django_user_model.objects.create_superuser(
        "editor", "editor@example.com", "a-long-passphrase", first_name="Nadia", last_name="Editor"
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.editor = user  # type: ignore[attr-defined]
    return page
