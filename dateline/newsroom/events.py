"""Signals the newsroom sends after its own steps, so that the apps above it (the newsletter's
alerts) react without the newsroom importing them."""

from django.dispatch import Signal

# Sent by actions.article_published, last, whenever Wagtail publishes an article (or schedules
# its first publication): with `article`, the ArticlePage Wagtail sent with page_published.
article_published = Signal()
