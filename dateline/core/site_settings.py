"""Site settings read by every page, kept in the shared cache and dropped when saved.

Wagtail reads each setting from the database once per request; the masthead, the comment
policy and the signup copy are on every page, so a page rendered after a purge would spend
three queries on rows that change a few times a year.
"""

from django.core.cache import cache
from django.db import transaction


def setting_key(model, site_id: int) -> str:
    return f"site-setting:{model._meta.label_lower}:{site_id}"


class CachedSiteSetting:
    """Mix into a BaseSiteSetting (before it) to read it from the shared cache."""

    @classmethod
    def for_site(cls, site):
        if site is None:
            return super().for_site(site)
        key = setting_key(cls, site.pk)
        found = cache.get(key)
        if found is None:
            found = super().for_site(site)
            cache.set(key, found, 24 * 3600)
        return found

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        key = setting_key(type(self), self.site_id)
        cache.delete(key)
        # And once more after the commit: a reader may have cached the old row meanwhile.
        transaction.on_commit(lambda: cache.delete(key))
