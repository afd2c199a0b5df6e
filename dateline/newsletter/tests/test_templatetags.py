"""The signup box and popup: copy that fits the page they are on."""

import html
import re

import pytest

from dateline.newsletter import actions
from dateline.newsletter.models import ConsentRecord, MailingListSettings

pytestmark = pytest.mark.django_db
ARTICLE_URL = "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
ARTICLE_WORDS = "If you liked this article"


def signup_copy(markup: str) -> dict[str, str]:
    """The words beside each signup form of a page, by the form's source."""
    found = {}
    for block in re.findall(r'<section class="signup-box".*?</section>', markup, re.S):
        source = re.search(r'name="source" value="([^"]+)"', block)[1]
        found[source] = html.unescape(re.search(r"</h2>\s*<p>(.*?)</p>", block, re.S)[1])
    if dialog := re.search(r"<dialog.*?</dialog>", markup, re.S):
        source = re.search(r'name="source" value="([^"]+)"', dialog[0])[1]
        body = re.search(r'<p id="signup-dialog-body">(.*?)</p>', dialog[0], re.S)[1]
        found[source] = html.unescape(body)
    return found


def test_front_and_section_pages_do_not_speak_of_an_article(client, demo_article):
    copy = MailingListSettings.objects.get()
    for url in ("/", demo_article.get_parent().url, "/newsletter/"):
        markup = client.get(url).content.decode()
        assert ARTICLE_WORDS not in markup, url
        assert copy.page_body in html.unescape(markup), url
    # The popup is in every page, for the script to show where the settings say.
    found = signup_copy(client.get("/").content.decode())
    assert found == {"footer": copy.page_body, "page-popup": copy.page_body}


def test_an_article_keeps_the_copy_that_speaks_of_it(client, demo_article):
    copy = MailingListSettings.objects.get()
    assert copy.popup_body.startswith(ARTICLE_WORDS)
    found = signup_copy(client.get(ARTICLE_URL).content.decode())
    assert found == {"article": copy.popup_body, "popup": copy.popup_body}


def test_the_popup_on_other_pages_has_their_copy_and_records_it(client, demo_article):
    copy = MailingListSettings.objects.get()
    copy.popup_on = "all"
    copy.save()
    found = signup_copy(client.get("/").content.decode())
    assert found == {"footer": copy.page_body, "page-popup": copy.page_body}

    actions.subscriber_signup(email="reader@example.com", source="page-popup")
    actions.subscriber_signup(email="other@example.com", source="popup")
    recorded = dict(ConsentRecord.objects.values_list("source", "copy"))
    assert recorded["page-popup"] == f"{copy.popup_title}\n{copy.page_body}"
    assert recorded["popup"] == f"{copy.popup_title}\n{copy.popup_body}"
