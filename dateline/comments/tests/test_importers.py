from datetime import UTC, datetime
from io import BytesIO, StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dateline.comments import markup
from dateline.comments.importers import (
    CommentImportError,
    ImportReport,
    disqus_import,
    html_to_text,
    wxr_import,
)
from dateline.comments.models import Comment, CommentThread
from dateline.newsroom.tests.factories import make_article, make_section

pytestmark = pytest.mark.django_db

DATA = Path(__file__).with_name("data")
WXR = DATA / "wordpress.xml"
DISQUS = DATA / "disqus.xml"
Status = Comment.Status


def wxr(path: Path = WXR, **options) -> ImportReport:
    with path.open("rb") as file:
        return wxr_import(file=file, **options)


def disqus(path: Path = DISQUS) -> ImportReport:
    with path.open("rb") as file:
        return disqus_import(file=file)


def wp_id(comment_id: int) -> str:
    """The source id of a comment of the WordPress fixture: its site is the channel link."""
    return f"wxr:old.dateline.example:{comment_id}"


def wp(comment_id: int) -> Comment:
    return Comment.objects.get(imported_from=wp_id(comment_id))


def dsq(post_id: int) -> Comment:
    return Comment.objects.get(imported_from=f"disqus:{post_id}")


@pytest.fixture
def articles(demo_article):
    """The demo article and two more in its section, which the exports point at."""
    section = demo_article.get_parent().specific
    return {
        "demo": demo_article,
        "doha": make_article(
            section, title="Ceasefire talks", slug="ceasefire-talks-resume-in-doha"
        ),
        "mosul": make_article(section, title="Aid convoys", slug="aid-convoys-reach-mosul"),
    }


def test_the_exports_point_at_the_demo_article(demo_article):
    assert demo_article.url == "/middle-east-news/us-gains-support-from-world-powers-vs-isis/"
    assert f"https://old.dateline.example{demo_article.url}" in WXR.read_text()
    assert f"https://www.dateline.example{demo_article.url}?" in DISQUS.read_text()


def test_wxr_replies_nest_under_their_parents_with_root_and_depth(articles):
    wxr()

    top, reply, reply_to_reply, deepest = wp(2001), wp(2002), wp(2003), wp(2004)
    assert (top.parent, top.root, top.depth) == (None, None, 0)
    assert (reply.parent, reply.root, reply.depth) == (top, top, 1)
    assert (reply_to_reply.parent, reply_to_reply.root, reply_to_reply.depth) == (reply, top, 2)
    assert (deepest.parent, deepest.root, deepest.depth) == (reply_to_reply, top, 3)
    assert {c.article_id for c in (top, reply, reply_to_reply, deepest)} == {articles["demo"].pk}


def test_wxr_reply_listed_before_its_parent_still_threads(articles):
    wxr()

    parent, reply = wp(2007), wp(2006)
    assert (reply.parent, reply.root, reply.depth) == (parent, parent, 1)
    assert parent.pk < reply.pk, "the parent is stored first"


def test_wxr_statuses_are_mapped_and_pingbacks_skipped(articles):
    report = wxr()

    assert wp(2001).status == Status.APPROVED
    assert wp(2008).status == Status.PENDING
    assert wp(2009).status == Status.SPAM
    assert wp(2010).status == Status.REJECTED
    assert report.skipped_pingbacks == 2
    assert not Comment.objects.filter(imported_from__in=[wp_id(2011), wp_id(2012)]).exists()
    assert report.by_status == {"approved": 10, "pending": 1, "spam": 1, "rejected": 1}
    assert report.imported == 13 == Comment.objects.count()


def test_wxr_html_becomes_the_sites_markdown_and_no_script_survives(articles):
    wxr()

    first = wp(2001)
    assert first.body == (
        "A **careful** piece. The [Security Council statement]"
        "(https://www.un.org/press/en/2015/sc11800.doc.htm) says more than the communiqué.\n\n"
        "Does anyone know when the next meeting is?"
    )
    assert '<a href="https://www.un.org/press/en/2015/sc11800.doc.htm"' in first.body_html
    assert "<strong>careful</strong>" in first.body_html
    assert wp(2002).body == "Next month, in Brussels.\nThe date is not fixed yet."
    assert wp(2003).body == (
        "> The date is not fixed yet.\n\nIt is: the 14th, according to *Al-Ghad*."
    )
    assert "<blockquote>" in wp(2003).body_html
    assert wp(2004).body == "Thanks & agreed – the 14th."
    for comment in Comment.objects.all():
        assert "<script" not in comment.body.lower()
        assert "<script" not in comment.body_html.lower()
        assert "document.cookie" not in comment.body


def test_wxr_keeps_names_addresses_and_gmt_dates(articles):
    wxr()

    comment = wp(2003)
    assert comment.author_name == "سارة الحسيني"
    assert comment.author_email == "sara@example.jo"
    assert comment.ip_address == "198.51.100.23"
    assert comment.created_at == datetime(2015, 3, 12, 10, 40, tzinfo=UTC)
    assert wp(2002).ip_address == "2001:db8::1f"
    assert wp(2004).author_url == "http://lukasz.example.pl"
    assert wp(2014).ip_address is None


def test_wxr_date_without_gmt_is_read_in_the_sites_time_zone(articles):
    wxr(site_timezone=ZoneInfo("Europe/Paris"))

    assert wp(2014).created_at == datetime(2015, 3, 13, 10, 0, tzinfo=UTC)


def test_wxr_matches_articles_by_path_then_last_segment_then_post_name(articles):
    wxr()

    assert wp(2101).article_id == articles["doha"].pk  # /2015/03/14/<slug>/
    assert wp(2201).article_id == articles["mosul"].pk  # /?p=418 and wp:post_name


def test_wxr_link_path_wins_over_a_slug_shared_by_two_articles(articles):
    other_section = make_section(title="World", slug="world")
    twin = make_article(other_section, title="Twin", slug=articles["demo"].slug)

    wxr()

    assert wp(2001).article_id == articles["demo"].pk != twin.pk


def test_wxr_reimport_creates_nothing_new(articles):
    first = wxr()
    count = Comment.objects.count()
    approved = CommentThread.objects.get(pk=articles["demo"].pk).approved_count

    again = wxr()

    assert again.imported == 0
    assert again.skipped_existing == first.imported == count
    assert Comment.objects.count() == count
    assert CommentThread.objects.get(pk=articles["demo"].pk).approved_count == approved


def test_wxr_unmatched_thread_is_reported_not_an_error(articles):
    report = wxr()

    assert [(t.link, t.title, t.comments) for t in report.unmatched] == [
        (
            "https://old.dateline.example/2014/01/09/a-story-that-was-never-migrated/",
            "A story that was never migrated",
            2,
        )
    ]
    assert not Comment.objects.filter(author_name="Old reader").exists()


def test_wxr_reply_whose_parent_is_missing_becomes_top_level(articles):
    report = wxr()

    orphan = wp(2013)
    assert (orphan.parent, orphan.root, orphan.depth) == (None, None, 0)
    assert report.orphans == 1


def test_wxr_approved_count_is_the_number_of_approved_comments(articles):
    report = wxr()

    demo = articles["demo"]
    approved = Comment.objects.filter(article=demo, status=Status.APPROVED).count()
    assert approved == 8
    assert CommentThread.objects.get(pk=demo.pk).approved_count == approved
    assert CommentThread.objects.get(pk=articles["doha"].pk).approved_count == 1
    assert (
        sum(t.approved_count for t in CommentThread.objects.all()) == report.by_status["approved"]
    )


def test_disqus_replies_nest_whatever_order_the_file_lists_them(articles):
    disqus()

    top, reply, reply_to_reply, deepest = (dsq(1914200000 + n) for n in (1, 2, 3, 4))
    assert (top.parent, top.root, top.depth) == (None, None, 0)
    assert (reply.parent, reply.root, reply.depth) == (top, top, 1)
    assert (reply_to_reply.parent, reply_to_reply.root, reply_to_reply.depth) == (reply, top, 2)
    assert (deepest.parent, deepest.root, deepest.depth) == (reply_to_reply, top, 3)
    assert top.article_id == articles["demo"].pk


def test_disqus_statuses_names_and_dates(articles):
    report = disqus()

    assert dsq(1914200005).status == Status.SPAM
    assert dsq(1914200006).status == Status.DELETED
    assert dsq(1914200001).status == Status.APPROVED
    assert report.by_status == {"approved": 5, "spam": 1, "deleted": 1}
    assert dsq(1914200002).author_name == "田中 健二"
    assert dsq(1914200003).author_name == "Дмитрий Волков"
    assert dsq(1914200004).author_email == ""
    assert dsq(1914200002).ip_address == "2001:db8:85a3::8a2e:370:7334"
    assert dsq(1914200001).created_at == datetime(2015, 3, 12, 8, 2, 11, tzinfo=UTC)


def test_disqus_html_becomes_the_sites_markdown_and_no_script_survives(articles):
    disqus()

    assert dsq(1914200001).body == (
        "Ingrid here. The [NATO statement]"
        "(https://www.nato.int/cps/en/natohq/news_118095.htm) is **much** stronger than the "
        "one in September.\n\nWorth reading in full."
    )
    assert dsq(1914200003).body == (
        "> stronger than in September\n\nBecause the *situation* is worse, not the resolve.\n"
        "Just my view."
    )
    assert dsq(1914200004).body == "Fair point & well put."
    for comment in Comment.objects.all():
        assert "<script" not in comment.body.lower()
        assert "<script" not in comment.body_html.lower()
        assert "evil.example" not in comment.body


def test_disqus_reimport_creates_nothing_new(articles):
    first = disqus()

    again = disqus()

    assert (again.imported, again.skipped_existing) == (0, first.imported)
    assert Comment.objects.count() == first.imported == 7


def test_disqus_unmatched_thread_reported_and_orphan_becomes_top_level(articles):
    report = disqus()

    assert [(t.link, t.comments) for t in report.unmatched] == [
        ("https://www.dateline.example/opinion/why-we-left-the-old-site/", 1)
    ]
    orphan = dsq(1914200007)
    assert (orphan.parent, orphan.depth) == (None, 0)
    assert report.orphans == 1


def test_disqus_approved_count_is_the_number_of_approved_comments(articles):
    disqus()

    assert CommentThread.objects.get(pk=articles["demo"].pk).approved_count == 5


def test_a_later_export_threads_replies_under_comments_imported_before(articles):
    disqus()
    later = BytesIO(
        b"""<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="3624019185"><link>https://www.dateline.example/middle-east-news/us-gains-support-from-world-powers-vs-isis/</link></thread>
  <post dsq:id="1914200050">
    <message><![CDATA[<p>Late reply.</p>]]></message>
    <createdAt>2015-04-01T10:00:00Z</createdAt>
    <isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Late</name></author>
    <thread dsq:id="3624019185" /><parent dsq:id="1914200004" />
  </post>
</disqus>"""
    )

    report = disqus_import(file=later)

    assert report.orphans == 0
    assert dsq(1914200050).parent == dsq(1914200004)
    assert dsq(1914200050).depth == 4


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>a</p><p>b<br>c</p>", "a\n\nb\nc"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href="https://x.example/a_b">https://x.example/a_b</a>', "https://x.example/a_b"),
        ('<a href="https://x.example/(1)">one</a>', "[one](https://x.example/%281%29)"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
        ("<em> spaced </em>out", "*spaced* out"),
        ("<blockquote><p>a</p><p>b</p></blockquote>c", "> a\n>\n> b\n\nc"),
        ("<style>p{}</style><iframe>x</iframe><img src=x onerror=alert(1)>ok", "ok"),
    ],
)
def test_html_to_text_converts_to_the_markdown_subset(fragment, text):
    assert html_to_text(fragment) == text


def test_html_to_text_escapes_what_markdown_would_otherwise_read_as_markup():
    text = html_to_text(
        "<p>*not* _emphasis_ [x]</p><p>- not a list</p><p>1. nor this</p>"
        "<p>&gt; nor a quote</p><p>&amp;copy; stays text</p>"
    )

    assert markup.render(text) == (
        "<p>*not* _emphasis_ [x]</p>\n<p>- not a list</p>\n<p>1. nor this</p>\n"
        "<p>&gt; nor a quote</p>\n<p>&amp;copy; stays text</p>"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not well-formed XML"),
        (b"this is not XML at all", "not well-formed XML"),
        (b"<rss><channel><item></channel></rss>", "not well-formed XML"),
        (DISQUS.read_bytes(), "root element is <disqus>, not <rss>"),
        (
            b'<rss version="2.0"><channel><link>https://x.example</link><item><title>t</title>'
            b"</item></channel></rss>",
            "not a WordPress export",
        ),
    ],
)
def test_wxr_file_that_is_not_a_wordpress_export_gives_a_clear_error(db, content, message):
    with pytest.raises(CommentImportError, match=message):
        wxr_import(file=BytesIO(content))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{}", "not well-formed XML"),
        (WXR.read_bytes(), "root element is <rss>, not <disqus>"),
        (DISQUS.read_bytes()[:2000], "not well-formed XML"),
    ],
)
def test_disqus_file_that_is_not_a_disqus_export_gives_a_clear_error(articles, content, message):
    with pytest.raises(CommentImportError, match=message):
        disqus_import(file=BytesIO(content))
    assert not Comment.objects.exists(), "a Disqus file is read whole before anything is stored"


def test_truncated_wxr_keeps_the_posts_before_the_error_and_says_so(articles):
    content = WXR.read_bytes()
    cut = content.index(b"<title><![CDATA[Aid convoys")

    with pytest.raises(CommentImportError, match="not well-formed XML") as raised:
        wxr_import(file=BytesIO(content[:cut]))

    assert "The 12 comments of the posts before the error were imported" in str(raised.value)
    assert raised.value.report.imported == 12 == Comment.objects.count()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>
<wp:comment><wp:comment_content>&lol4;</wp:comment_content></wp:comment>
</item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<post dsq:id="1"><message>&secret;</message><createdAt>2015-01-01T00:00:00Z</createdAt>
<thread dsq:id="1"/></post></disqus>"""


def test_entity_expansion_and_external_entities_are_refused(articles):
    with pytest.raises(CommentImportError, match="entities or external references"):
        wxr_import(file=BytesIO(BILLION_LAUGHS))
    with pytest.raises(CommentImportError, match="entities or external references"):
        disqus_import(file=BytesIO(EXTERNAL_ENTITY))
    assert not Comment.objects.exists()


def test_command_prints_the_report(articles):
    out = StringIO()

    call_command("import_comments", "wxr", str(WXR), stdout=out)

    printed = out.getvalue()
    assert "Imported 13 comments (10 approved, 1 pending, 1 spam, 1 rejected)." in printed
    assert "Pingbacks, trackbacks and other non-comments skipped: 2." in printed
    assert "imported as top-level comments: 1." in printed
    assert "Threads that match no article: 1." in printed
    assert "a-story-that-was-never-migrated/" in printed

    out = StringIO()
    call_command("import_comments", "disqus", str(DISQUS), stdout=out)
    assert "Imported 7 comments (5 approved, 1 spam, 1 deleted)." in out.getvalue()


def test_command_fails_with_the_message_on_a_malformed_file(db, tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(b"<disqus><post></disqus>")

    with pytest.raises(CommandError, match=r"export\.xml: This file is not well-formed XML"):
        call_command("import_comments", "disqus", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_comments", "wxr", str(tmp_path / "missing.xml"), stdout=StringIO())
