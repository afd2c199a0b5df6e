"""Comments brought in from another system (see comments.importers)."""

from datetime import datetime

from django.db import transaction

from .. import markup
from ..digests import body_digest
from ..models import Comment
from ..networks import neighbourhood
from ._common import Action, Status, log, visibility_changed

__all__ = ["comment_import"]


@transaction.atomic
def comment_import(
    *,
    article,
    source_id: str,
    parent: Comment | None,
    name: str,
    email: str,
    url: str,
    body: str,
    created_at: datetime,
    status: str,
    ip: str | None = None,
) -> tuple[Comment, bool]:
    """Store one comment from another system, once: re-importing finds it by `source_id`."""
    existing = Comment.objects.filter(imported_from=source_id).first()
    if existing is not None:
        return existing, False
    body = markup.clean_text(body)
    depth = parent.depth + 1 if parent else 0
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent else None,
        depth=depth,
        author_name=markup.clean_text(name)[:80] or "Anonymous",
        author_email=email.strip().lower()[:254],
        author_url=url[:200],
        body=body,
        body_html=markup.render(body),
        status=status,
        ip_address=ip or None,
        ip_block=neighbourhood(ip),
        created_at=created_at,
        body_digest=body_digest(body),
        imported_from=source_id[:120],
    )
    log(Action.IMPORTED, comment=comment, note=source_id)
    if status == Status.APPROVED:
        # Imported conversations are history: nobody is notified of these replies.
        visibility_changed(comment, was_visible=False, now=created_at, notify=False)
    return comment, True
