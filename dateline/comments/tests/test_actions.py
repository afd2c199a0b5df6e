import http.server
import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dateline.comments import actions
from dateline.comments.models import (
    Comment,
    CommenterBan,
    CommentThread,
    ModerationEvent,
    ModeratorAlert,
    ReplyNotificationAddress,
    SectionCommentPolicy,
)
from dateline.core import pagecache
from dateline.newsroom.tests.factories import make_article, make_section

Status = Comment.Status


def thread_count(article) -> int:
    thread = CommentThread.objects.filter(pk=article.pk).first()
    return thread.approved_count if thread else 0


class TestModerationPolicies:
    def test_publish_immediately(self, article, policy, post):
        policy(moderation="immediate")
        posted = post(article)
        assert posted.comment.status == Status.APPROVED
        assert thread_count(article) == 1

    def test_pre_moderate_everyone(self, article, policy, post):
        policy(moderation="everyone")
        assert post(article).comment.status == Status.PENDING
        assert thread_count(article) == 0

    def test_until_trusted_publishes_after_n_approved_comments(
        self, article, policy, post, moderator
    ):
        policy(moderation="until_trusted", trusted_after=2)
        key = None  # the first post makes the browser's key, which it keeps
        for _ in range(2):
            posted = post(article, email="regular@example.com", commenter_key=key)
            key = posted.commenter_key
            assert posted.comment.status == Status.PENDING
            assert "new commenter" in posted.comment.hold_reasons
            actions.comment_moderate(
                comment_ids=[posted.comment.pk], decision="approve", by=moderator
            )
        trusted = post(article, email="Regular@Example.com", commenter_key=key).comment
        assert trusted.status == Status.APPROVED

    def test_trust_is_not_had_by_typing_a_trusted_address(self, article, policy, post, moderator):
        """An impostor lacks the trusted commenter's browser key: their posts wait."""
        policy(moderation="until_trusted", trusted_after=2)
        key = "k" * 43
        for _ in range(2):
            held = post(article, email="regular@example.com", commenter_key=key).comment
            actions.comment_moderate(comment_ids=[held.pk], decision="approve", by=moderator)
        impostor = post(article, name="Regular", email="regular@example.com").comment
        assert impostor.status == Status.PENDING and "new commenter" in impostor.hold_reasons
        forged = post(article, email="regular@example.com", commenter_key="x" * 43).comment
        assert forged.status == Status.PENDING
        # The key alone is not enough either: approvals count for key and address together.
        other = post(article, email="someone-else@example.com", commenter_key=key).comment
        assert other.status == Status.PENDING
        assert post(article, email="regular@example.com", commenter_key=key).comment.status == (
            Status.APPROVED
        )

    def test_staff_and_author_names_and_addresses_are_reserved(
        self, article, policy, post, moderator
    ):
        from django.contrib.auth import get_user_model

        from dateline.newsroom.tests.factories import AuthorFactory

        policy(moderation="immediate")
        editor = get_user_model().objects.create_user(
            "editor",
            "editor@dateline.example",
            "pw-12345!",
            first_name="Dateline",
            last_name="Editor",
            is_staff=True,
        )
        AuthorFactory(name="Layla Haddad")
        contributor = get_user_model().objects.create_user("omar", "omar@freelance.example")
        AuthorFactory(name="Omar K.", user=contributor)
        for name in ["Dateline Editor (official)", "DATELINE-EDITOR", "ｄａｔｅｌｉｎｅ editor"]:
            with pytest.raises(actions.CommentRefused, match="newsroom's staff") as refusal:
                post(article, name=name)
            assert refusal.value.field == "name"
        for name in ["Layla Haddad", "moderator", "Omar K"]:
            with pytest.raises(actions.CommentRefused, match="newsroom's staff"):
                post(article, name=name)
        for email in ["editor@dateline.example", "Editor+x@DATELINE.example", "mod@example.com"]:
            with pytest.raises(actions.CommentRefused, match="sign in") as refusal:
                post(article, email=email)
            assert refusal.value.field == "email"
        with pytest.raises(actions.CommentRefused):
            post(article, email="omar@freelance.example")
        assert not Comment.objects.exists()
        # Other names stay free, and staff signed in use their own.
        assert post(article, name="Editor of my own blog").created
        assert post(article, name="Layla").created
        signed_in = actions.comment_post(article=article, body="From the desk", user=editor)
        assert signed_in.comment.author_name == "Dateline Editor"

    def test_links_are_held_when_the_policy_says_so(self, article, policy, post):
        policy(moderation="immediate", hold_links=True)
        held = post(article, body="Read https://example.com first").comment
        assert held.status == Status.PENDING and "links" in held.hold_reasons
        policy(hold_links=False)
        assert post(article, body="Also https://example.org").comment.status == Status.APPROVED

    def test_suspect_words_hold_for_review(self, article, policy, post):
        policy(moderation="immediate", suspect_words="crypto\nget rich")
        held = post(article, body="How to GET RICH quickly").comment
        assert held.status == Status.PENDING and "get rich" in held.hold_reasons

    def test_banned_words_refuse_with_a_clear_message(self, article, policy, post):
        policy(banned_words="idiot")
        with pytest.raises(actions.CommentRefused, match="“idiot”, which this site does not"):
            post(article, body="You IDIOT.")
        assert not Comment.objects.exists()

    def test_banned_words_match_whole_words_only(self, article, policy, post):
        policy(moderation="immediate", banned_words="ass")
        assert post(article, body="An assessment of the class").comment.status == "approved"

    def test_too_many_links_are_refused(self, article, policy, post):
        policy(max_links=2)
        body = " ".join(f"https://example.com/{n}" for n in range(3))
        with pytest.raises(actions.CommentRefused, match="3 links; at most 2"):
            post(article, body=body)

    def test_section_policy_overrides_the_site(self, section, policy, post):
        policy(moderation="immediate")
        strict = make_section(section, title="Sensitive", slug="sensitive")
        SectionCommentPolicy.objects.create(section=strict, moderation="everyone")
        in_strict = make_article(strict, title="Delicate")
        in_parent = make_article(section, title="Ordinary")
        assert post(in_strict).comment.status == Status.PENDING
        assert post(in_parent).comment.status == Status.APPROVED

    def test_staff_comments_publish_at_once(self, article, policy, moderator):
        policy(moderation="everyone")
        posted = actions.comment_post(article=article, body="Editor's note.", user=moderator)
        assert posted.comment.status == Status.APPROVED
        assert posted.comment.author_email == "mod@example.com"


class TestThreads:
    def test_replies_nest_to_the_configured_depth(self, article, policy, post):
        policy(moderation="immediate", max_depth=3)
        top = post(article).comment
        reply = post(article, parent_id=top.pk).comment
        reply2 = post(article, parent_id=reply.pk).comment
        assert (reply.depth, reply2.depth) == (1, 2)
        assert reply2.root_id == top.pk and reply2.parent_id == reply.pk
        with pytest.raises(actions.CommentRefused, match="3 levels deep at most"):
            post(article, parent_id=reply2.pk)

    def test_reply_to_a_comment_of_another_article_is_refused(self, article, section, post, policy):
        policy(moderation="immediate")
        other = post(make_article(section, title="Elsewhere")).comment
        with pytest.raises(actions.CommentRefused, match="not on this article"):
            post(article, parent_id=other.pk)
        with pytest.raises(actions.CommentRefused, match="not on this article"):
            post(article, parent_id=10**9)

    def test_reply_to_an_unpublished_comment_is_refused(self, article, policy, post):
        policy(moderation="everyone")
        pending = post(article).comment
        with pytest.raises(actions.CommentRefused, match="not published"):
            post(article, parent_id=pending.pk)

    def test_comments_close_after_the_sections_days(self, article, policy, post):
        policy(moderation="immediate", close_after_days=14)
        post(article)
        later = time_machine.travel(timezone.now() + timedelta(days=15))
        with later, pytest.raises(actions.CommentRefused, match="closed"):
            post(article)

    def test_editor_switch_closes_and_reopens(self, article, policy, post, moderator):
        policy(moderation="immediate")
        actions.thread_state_set(article=article, state="closed", by=moderator)
        with pytest.raises(actions.CommentRefused, match="closed"):
            post(article)
        actions.thread_state_set(article=article, state="open", by=moderator)
        with time_machine.travel(timezone.now() + timedelta(days=100)):
            assert post(article).comment.status == Status.APPROVED
        assert ModerationEvent.objects.filter(action="thread_state", actor=moderator).count() == 2


class TestSpamDefences:
    def test_duplicate_text_from_the_same_commenter_is_refused(self, article, post, policy):
        policy(moderation="immediate")
        post(article, email="same@example.com", body="First!")
        with pytest.raises(actions.CommentRefused, match="posted this comment already"):
            post(article, email="same@example.com", body="  first! ")
        assert Comment.objects.count() == 1

    def test_a_retried_post_key_returns_the_first_comment(self, article, post):
        first = post(article, post_key="0b1c2d3e-aaaa-bbbb")
        again = post(article, post_key="0b1c2d3e-aaaa-bbbb", body="whatever")
        assert again.comment.pk == first.comment.pk and not again.created
        assert Comment.objects.count() == 1

    def test_bans_refuse_by_email_or_ip_until_they_end(self, article, post, moderator):
        actions.commenter_ban(
            email="troll@example.com",
            reason="Abuse",
            until=timezone.now() + timedelta(days=1),
            by=moderator,
        )
        actions.commenter_ban(ip="198.51.100.7", reason="Spam run", until=None, by=moderator)
        # The moderators' reason stays in the admin: the message says only "not accepted".
        with pytest.raises(actions.CommentRefused, match="could not be accepted") as refusal:
            post(article, email="TROLL@example.com")
        assert "Abuse" not in refusal.value.message
        with pytest.raises(actions.CommentRefused, match="could not be accepted"):
            post(article, ip="198.51.100.7")
        assert post(article, ip="198.51.100.8").created
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            assert post(article, email="troll@example.com").created

    def test_a_ban_on_an_ipv6_address_covers_its_64(self, article, post, moderator):
        """Rate limits count the /64 a device takes new addresses from: so do bans."""
        ban = actions.commenter_ban(
            ip="2001:DB8:1:2::7", reason="Spam run", until=None, by=moderator
        )
        assert ban.ip_network == "2001:db8:1:2::/64"
        for ip in ["2001:db8:1:2::7", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::8"]:
            with pytest.raises(actions.CommentRefused, match="could not be accepted"):
                post(article, ip=ip)
        assert post(article, ip="2001:db8:1:3::7").created

    def test_a_moderator_may_ban_a_prefix(self, article, post, moderator, policy):
        policy(moderation="everyone")
        inside = post(article, ip="2001:db8:7:1::5").comment
        outside = post(article, ip="2001:db8:8::5").comment
        v4 = post(article, ip="203.0.113.9").comment
        actions.commenter_ban(ip="2001:db8:7::/48", reason="Botnet", until=None, by=moderator)
        actions.commenter_ban(ip="203.0.113.0/24", reason="Botnet", until=None, by=moderator)
        for ip in ["2001:db8:7:ffff::1", "203.0.113.200"]:
            with pytest.raises(actions.CommentRefused, match="could not be accepted"):
                post(article, ip=ip)
        assert post(article, ip="2001:db8:8::6").created
        assert post(article, ip="203.0.114.1").created
        statuses = dict(
            Comment.objects.filter(pk__in=[inside.pk, outside.pk, v4.pk]).values_list(
                "pk", "status"
            )
        )
        assert statuses == {inside.pk: "rejected", outside.pk: "pending", v4.pk: "rejected"}
        for too_wide in ["2001:db8::/16", "10.0.0.0/8", "not an address"]:
            with pytest.raises(actions.CommentRefused) as refusal:
                actions.commenter_ban(ip=too_wide, reason="x", until=None, by=moderator)
            assert refusal.value.field == "ip"

    def test_banning_rejects_the_commenters_pending_comments(
        self, article, post, moderator, policy
    ):
        policy(moderation="everyone")
        pending = post(article, email="spammer@example.com").comment
        ban = actions.commenter_ban(
            email="spammer@example.com", reason="x", until=None, by=moderator
        )
        pending.refresh_from_db()
        assert pending.status == Status.REJECTED
        actions.commenter_ban_lift(ban=ban, by=moderator)
        assert CommenterBan.objects.get().lifted_at is not None
        assert ModerationEvent.objects.filter(action="unbanned", actor=moderator).exists()

    def test_a_checker_that_says_spam_sends_the_comment_to_the_spam_queue(
        self, article, post, policy, settings, akismet_server
    ):
        policy(moderation="immediate")
        settings.COMMENTS_SPAM_CHECKERS = ["dateline.comments.checkers.AkismetChecker"]
        settings.AKISMET_API_KEY = "test-key"
        settings.AKISMET_ENDPOINT = akismet_server.url
        akismet_server.answer = b"true"
        assert post(article, body="Buy cheap pills").comment.status == Status.SPAM
        akismet_server.answer = b"false"
        assert post(article, body="A fair point").comment.status == Status.APPROVED
        sent = akismet_server.requests[-1]
        assert "comment_content=A+fair+point" in sent and "api_key=test-key" in sent

    def test_a_failing_checker_never_stops_a_comment(self, article, post, policy, settings):
        policy(moderation="immediate")
        settings.COMMENTS_SPAM_CHECKERS = ["dateline.comments.checkers.AkismetChecker"]
        settings.AKISMET_API_KEY = "test-key"
        settings.AKISMET_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on discard
        assert post(article).comment.status == Status.APPROVED


@pytest.fixture
def akismet_server():
    """An Akismet-compatible endpoint on loopback (Akismet itself is outside the machine)."""

    class State:
        answer = b"false"
        requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            State.requests.append(self.rfile.read(length).decode())
            self.send_response(200)
            self.end_headers()
            self.wfile.write(State.answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    State.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield State
    server.shutdown()


class TestEditAndDelete:
    def test_author_edits_within_the_window_with_the_token(self, article, post, policy):
        policy(moderation="immediate")
        posted = post(article)
        edited = actions.comment_edit(comment=posted.comment, token=posted.edit_token, body="Fixed")
        assert edited.body == "Fixed" and edited.edited_at is not None
        assert ModerationEvent.objects.filter(comment=edited, action="edited").exists()

    def test_wrong_token_or_late_edit_is_refused(self, article, post):
        posted = post(article)
        with pytest.raises(actions.CommentRefused):
            actions.comment_edit(comment=posted.comment, token="not-the-token", body="x")
        later = time_machine.travel(timezone.now() + timedelta(minutes=16))
        with later, pytest.raises(actions.CommentRefused, match="no longer be edited"):
            actions.comment_edit(comment=posted.comment, token=posted.edit_token, body="x")

    def test_an_edit_that_adds_a_suspect_word_goes_back_to_review(self, article, post, policy):
        policy(moderation="immediate", suspect_words="casino")
        posted = post(article)
        assert thread_count(article) == 1
        edited = actions.comment_edit(
            comment=posted.comment, token=posted.edit_token, body="Visit my casino"
        )
        assert edited.status == Status.PENDING and thread_count(article) == 0

    def test_an_edit_with_a_banned_word_is_refused_and_nothing_changes(self, article, post, policy):
        policy(banned_words="slur")
        posted = post(article, body="Original")
        with pytest.raises(actions.CommentRefused):
            actions.comment_edit(comment=posted.comment, token=posted.edit_token, body="a slur")
        posted.comment.refresh_from_db()
        assert posted.comment.body == "Original"

    def test_delete_own_keeps_replies_under_a_marker(self, article, post, policy):
        policy(moderation="immediate")
        posted = post(article)
        reply = post(article, parent_id=posted.comment.pk).comment
        actions.comment_delete_own(comment=posted.comment, token=posted.edit_token)
        posted.comment.refresh_from_db()
        assert posted.comment.status == Status.DELETED and posted.comment.body == ""
        assert Comment.objects.get(pk=reply.pk).status == Status.APPROVED
        assert thread_count(article) == 1


class TestModeration:
    def test_bulk_decisions_are_logged_with_who_and_when(self, article, post, policy, moderator):
        policy(moderation="everyone")
        ids = [post(article).comment.pk for _ in range(3)]
        assert actions.comment_moderate(comment_ids=ids, decision="approve", by=moderator) == 3
        assert thread_count(article) == 3
        actions.comment_moderate(comment_ids=ids[:1], decision="spam", by=moderator)
        assert thread_count(article) == 2
        events = ModerationEvent.objects.filter(actor=moderator)
        assert events.filter(action="approved").count() == 3
        assert events.filter(action="spam").get().actor_label == "moderator"

    def test_approval_purges_the_article_and_the_listings(
        self, article, post, policy, moderator, django_capture_on_commit_callbacks
    ):
        policy(moderation="everyone")
        held = post(article).comment
        before = pagecache.current_versions(
            [f"comments:{article.pk}", "comment-counts", "comments:feed"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            actions.comment_moderate(comment_ids=[held.pk], decision="approve", by=moderator)
        after = pagecache.current_versions(before)
        assert all(after[tag] != before[tag] for tag in before)

    def test_reports_count_once_per_reader_and_alert_moderators(self, article, post, policy):
        policy(moderation="immediate")
        comment = post(article).comment
        assert actions.comment_report(comment=comment, reason="abuse", note="rude", ip="1.2.3.4")
        assert not actions.comment_report(comment=comment, reason="spam", ip="1.2.3.4")
        assert actions.comment_report(comment=comment, reason="spam", ip="5.6.7.8")
        comment.refresh_from_db()
        assert comment.report_count == 2
        assert ModeratorAlert.objects.filter(kind="reported").count() == 2
        assert Comment.objects.in_queue("reported").get() == comment

    def test_a_report_of_an_unpublished_comment_is_refused(self, article, post, policy):
        policy(moderation="everyone")
        with pytest.raises(actions.CommentRefused):
            actions.comment_report(comment=post(article).comment, reason="spam", ip="1.1.1.1")

    def test_approving_a_reported_comment_resolves_its_reports(self, article, post, moderator):
        comment = post(article).comment
        actions.comment_moderate(comment_ids=[comment.pk], decision="approve", by=moderator)
        comment.refresh_from_db()
        actions.comment_report(comment=comment, reason="off_topic", ip="1.1.1.1")
        actions.comment_moderate(comment_ids=[comment.pk], decision="approve", by=moderator)
        assert not Comment.objects.in_queue("reported").exists()


@pytest.mark.parametrize(
    ("ip", "block"),
    [
        ("192.0.2.77", "192.0.2.0/24"),
        ("::ffff:192.0.2.77", "192.0.2.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        (None, ""),
    ],
)
def test_a_comment_keeps_the_network_its_address_lies_in(article, post, ip, block):
    """What "the same network" means in a commenter's history: the /24 or the /64."""
    assert post(article, ip=ip).comment.ip_block == block


def test_the_migration_gives_earlier_comments_their_network(article, post):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("dateline.comments.migrations.0004_comment_ip_block")
    v4, v6 = post(article, ip="198.51.100.9").comment, post(article, ip="2001:db8::1").comment
    Comment.objects.update(ip_block="")
    migration.fill_ip_blocks(apps, None)
    assert Comment.objects.get(pk=v4.pk).ip_block == "198.51.100.0/24"
    assert Comment.objects.get(pk=v6.pk).ip_block == "2001:db8::/64"


class TestPersonalData:
    def test_erase_removes_personal_data_and_keeps_the_text(self, article, post, policy):
        policy(moderation="immediate")
        comment = post(article, email="me@example.com", url="https://me.example").comment
        assert actions.commenter_erase(email="ME@example.com", remove_text=False) == 1
        comment.refresh_from_db()
        assert (comment.author_email, comment.author_url, comment.ip_address) == ("", "", None)
        assert comment.ip_block == ""
        assert comment.author_name == "deleted" and comment.body and comment.status == "approved"

    def test_erase_can_remove_the_text_too(self, article, post, policy):
        policy(moderation="immediate")
        comment = post(article, email="me@example.com").comment
        actions.commenter_erase(email="me@example.com", remove_text=True)
        comment.refresh_from_db()
        assert comment.status == Status.DELETED and comment.body == ""
        assert thread_count(article) == 0


def test_a_refused_comment_leaves_nothing_behind(
    article, post, policy, django_capture_on_commit_callbacks
):
    policy(banned_words="forbidden")
    with (
        django_capture_on_commit_callbacks() as after_commit,
        pytest.raises(actions.CommentRefused),
    ):
        post(article, body="forbidden words", notify_replies=True)
    assert not Comment.objects.exists()
    assert not ModerationEvent.objects.exists()
    assert not ModeratorAlert.objects.exists()
    assert not ReplyNotificationAddress.objects.exists()
    assert after_commit == []  # no purge, no email, no task queued


class TestReviewedEdgeCases:
    def test_an_approved_comment_edited_by_an_untrusted_author_goes_back_to_review(
        self, article, post, policy, moderator
    ):
        policy(moderation="everyone")
        posted = post(article)
        actions.comment_moderate(comment_ids=[posted.comment.pk], decision="approve", by=moderator)
        edited = actions.comment_edit(
            comment=posted.comment, token=posted.edit_token, body="Something else entirely"
        )
        assert edited.status == Status.PENDING and "edited after approval" in edited.hold_reasons

    def test_erased_comments_make_nobody_trusted(self, article, post, policy, moderator):
        policy(moderation="until_trusted", trusted_after=2)
        for _ in range(2):
            comment = post(article, email="gone@example.com").comment
            actions.comment_moderate(comment_ids=[comment.pk], decision="approve", by=moderator)
        actions.commenter_erase(email="gone@example.com", remove_text=False)
        from django.contrib.auth import get_user_model

        no_address = get_user_model().objects.create_user("reader", password="pw-12345!")
        posted = actions.comment_post(article=article, body="Hello", user=no_address)
        assert posted.comment.status == Status.PENDING

    def test_spam_never_triggers_a_confirmation_email(
        self, article, post, policy, settings, akismet_server
    ):
        settings.COMMENTS_SPAM_CHECKERS = ["dateline.comments.checkers.AkismetChecker"]
        settings.AKISMET_API_KEY = "k"
        settings.AKISMET_ENDPOINT = akismet_server.url
        akismet_server.answer = b"true"
        post(article, email="victim@example.com", notify_replies=True)
        from dateline.comments.models import ReplyNotificationAddress

        assert not ReplyNotificationAddress.objects.exists()

    def test_an_address_that_opted_out_is_not_asked_again_for_a_month(self, db):
        from dateline.comments.models import ReplyNotificationAddress

        actions.reply_notifications_opt_out(email="stop@example.com")
        assert not actions.reply_notifications_request(email="stop@example.com")
        later = timezone.now() + timedelta(days=31)
        assert actions.reply_notifications_request(email="stop@example.com", now=later)
        assert ReplyNotificationAddress.objects.get().last_confirmation_sent_at == later

    def test_a_held_parent_keeps_its_published_replies_in_place(self, article, post, policy, rf):
        from dateline.comments.selectors import thread_page

        policy(moderation="immediate", hold_links=True)
        parent = post(article)
        post(article, parent_id=parent.comment.pk, body="A published reply")
        actions.comment_edit(
            comment=parent.comment, token=parent.edit_token, body="Now with https://x.example"
        )
        request = rf.get("/")
        request.session = {}
        thread = thread_page(article=article, request=request)
        [node] = thread.nodes
        assert not node.shown and node.comment.status == Status.PENDING
        assert node.children[0].comment.body == "A published reply"
