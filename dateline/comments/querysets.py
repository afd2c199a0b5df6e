from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

SEARCH_WORDS_MAX = 8


class CommentQuerySet(QuerySet):
    def approved(self):
        """Comments readers can see."""
        return self.filter(status="approved")

    def on_article(self, article):
        """Comments of one article, whatever their status."""
        return self.filter(article=article)

    def top_level(self):
        """Comments that start a conversation (not replies)."""
        return self.filter(depth=0)

    def in_queue(self, queue: str):
        """What a moderation queue tab lists: a status, "reported" (open reports) or "all"."""
        from .models import CommentReport  # models imports this module for the manager

        if queue == "all":
            return self.all()
        if queue == "reported":
            open_reports = CommentReport.objects.filter(
                comment=OuterRef("pk"), resolved_at__isnull=True
            )
            return self.filter(Exists(open_reports))
        return self.filter(status=queue)

    def by_commenter(self, *, email: str = "", ip: str | None = None):
        """Comments posted from `email` or from `ip`."""
        query = self.none()
        if email:
            query = query | self.filter(author_email__iexact=email)
        if ip:
            query = query | self.filter(ip_address=ip)
        return query

    def matching(self, text: str):
        """Comments holding every word of `text` in their text, author's name or address, or
        their article's headline."""
        query = self
        for word in text.split()[:SEARCH_WORDS_MAX]:
            query = query.filter(
                Q(body__icontains=word)
                | Q(author_name__icontains=word)
                | Q(author_email__icontains=word)
                | Q(article__title__icontains=word)
            )
        return query


class CommenterBanQuerySet(QuerySet):
    def in_force(self, now: datetime | None = None):
        """Bans neither lifted nor ended."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=now))
