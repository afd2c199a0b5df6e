"""Content-Security-Policy in Chromium: what a reader's page refuses, and the admin at work.

Every browser test fails when any of its pages reports a policy violation (the `browser`
fixture, dateline/conftest.py). The first test shows that check catching violations; the
others, that the admin (sign-in, dashboard, the article editor and its preview) and an
editor's view of a reader's page need none under their policies.
"""

import time
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

INJECT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injectedScriptRan = true";
  document.body.append(script);
  document.body.insertAdjacentHTML(
    "beforeend",
    '<p id="injected-style" style="color: rgb(255, 0, 0)">styled</p>' +
      '<button id="injected-handler" onclick="window.injectedHandlerRan = true">go</button>'
  );
}"""


def violations_until(policy_violations, expected: tuple[str, ...]) -> list[str]:
    """What the watcher reports, once every expected piece has arrived (or a deadline)."""
    seen: list[str] = []
    deadline = time.monotonic() + 10
    while not all(any(word in text for text in seen) for word in expected):
        assert time.monotonic() < deadline, f"never reported {expected}: {seen}"
        seen += policy_violations.take()
        time.sleep(0.05)
    return seen


def test_a_readers_page_carries_its_policies_and_refuses_injected_script_and_style(
    browser: Browser, new_tab, article_url: str, policy_violations
) -> None:
    # The first renders make the site's settings rows, whose saves purge the page cache.
    for _ in range(5):
        with urllib.request.urlopen(article_url) as warming:
            if warming.headers["X-Cache"] == "HIT":
                break
    tab = new_tab(browser)
    response = tab.goto(article_url)
    assert response is not None
    assert response.headers["x-cache"] == "HIT"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "camera=()" in response.headers["permissions-policy"]
    # JSON-LD is data the browser never runs: the policy leaves it be.
    expect(tab.locator('script[type="application/ld+json"]')).to_have_count(1)
    assert policy_violations.take() == []

    tab.evaluate(INJECT)
    tab.locator("#injected-handler").click()

    assert tab.evaluate("window.injectedScriptRan") is None
    assert tab.evaluate("window.injectedHandlerRan") is None
    color = tab.evaluate("getComputedStyle(document.getElementById('injected-style')).color")
    assert color != "rgb(255, 0, 0)"
    seen = violations_until(
        policy_violations,
        ("script-src-elem refused inline", "script-src-attr refused", "style-src-attr refused"),
    )
    assert any(text.startswith("console") and "Content Security Policy" in text for text in seen)


def test_the_admin_signs_in_and_edits_an_article_under_its_own_policy(
    browser: Browser, article_url: str, live_server, django_user_model
) -> None:
    from dateline.newsroom.models import ArticlePage

    django_user_model.objects.create_superuser("chief", "chief@example.com", "a-long-passphrase")
    article = ArticlePage.objects.get(slug="us-gains-support-from-world-powers-vs-isis")
    tab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    signin = tab.goto(live_server.url + "/admin/login/")
    assert signin is not None
    assert "frame-ancestors 'self'" in signin.headers["content-security-policy"]
    tab.get_by_label("Username").fill("chief")
    tab.get_by_label("Password").fill("a-long-passphrase")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(live_server.url + "/admin/")
    expect(tab.get_by_text("Site summary")).to_be_visible()
    # The sidebar is drawn by the admin's scripts: they ran.
    expect(tab.get_by_role("button", name="Toggle sidebar").first).to_be_visible()

    tab.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")
    expect(tab.locator("#id_title")).to_have_value(article.title)
    expect(tab.locator(".Draftail-Editor").first).to_be_visible()
    tab.get_by_role("button", name="Toggle preview").click()
    preview = tab.frame_locator("#w-preview-iframe")
    expect(preview.locator("h1#headline")).to_have_text(article.title)

    # An editor's view of the reader's page carries Wagtail's userbar.
    tab.goto(article_url)
    expect(tab.locator("wagtail-userbar")).to_be_attached()
