"""Content-Security-Policy (and Permissions-Policy) violations seen in a test's browser.

Every context of a watched browser reports them in two ways: Chromium's console message
("Executing inline script violates the following Content Security Policy directive ...",
"Refused to ...", "Error with Permissions-Policy header ..."), and the page's own
`securitypolicyviolation` event, sent back through a Playwright binding by a script that
runs before any of the page's own in every frame (Playwright's init scripts are not subject
to the page's policy). The browser fixture (dateline/conftest.py) fails the test at teardown
if anything was seen; a test that provokes a violation on purpose takes it with `take()`.
"""

import contextlib

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

CONSOLE_MARKERS = (
    "Content Security Policy",
    "Content-Security-Policy",
    "Refused to",
    "Permissions-Policy",
    "Permissions policy",
)
REPORT_BINDING = "__datelineReportPolicyViolation"
LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  window.{REPORT_BINDING}(
    `${{event.effectiveDirective}} refused ${{event.blockedURI || "inline"}}` +
    ` on ${{event.documentURI}} (${{event.sourceFile || "page"}}:${{event.lineNumber}})`
  );
}}, true);
"""


class PolicyViolations:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.contexts: list[BrowserContext] = []

    def watch_browser(self, browser: Browser) -> Browser:
        """Watch every context the browser opens from now on, by either of its methods."""
        new_context = browser.new_context

        def watched_context(**options) -> BrowserContext:
            return self.watch(new_context(**options))

        def watched_page(**options) -> Page:
            return watched_context(**options).new_page()

        browser.new_context = watched_context  # type: ignore[method-assign]
        browser.new_page = watched_page  # type: ignore[method-assign]
        return browser

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.expose_binding(REPORT_BINDING, lambda source, text: self.seen.append(text))
        context.add_init_script(LISTENER)
        context.on("console", self._console)
        self.contexts.append(context)
        return context

    def _console(self, message: ConsoleMessage) -> None:
        if any(marker in message.text for marker in CONSOLE_MARKERS):
            self.seen.append(f"console {message.type}: {message.text} ({message.location['url']})")

    def take(self) -> list[str]:
        """What was seen so far, after a round trip to every open page; then forget it.

        A page's report travels on the same connection as the answer to an evaluate sent
        after it, so once every page has answered, everything it reported has arrived.
        """
        for context in self.contexts:
            for page in context.pages:
                # Closed or navigating meanwhile: nothing more to wait for.
                with contextlib.suppress(Error):
                    page.evaluate("0")
        seen, self.seen = self.seen, []
        return seen
