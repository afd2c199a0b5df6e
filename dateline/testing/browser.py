"""Waiting in a browser tab for what a page's script does, under the page's own CSP.

Playwright's `wait_for_function` evaluates its expression with `eval` inside the page,
which a Content-Security-Policy without 'unsafe-eval' refuses whenever the first check is
false; `page.evaluate` goes through the DevTools protocol, which the policy does not govern.
"""

from playwright.sync_api import Page

PATIENCE_SECONDS = 20


def wait_until(page: Page, expression: str) -> None:
    """Check `expression` (JavaScript) every 50 ms until it is true; fail after 20 s."""
    for _ in range(PATIENCE_SECONDS * 20):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"Still not true after {PATIENCE_SECONDS} s: {expression}")
