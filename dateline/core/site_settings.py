"""Site settings read by every page, kept under the site tag and dropped when saved.

Wagtail reads each setting from the database once per request; the masthead, the comment
policy and the signup copy are on every page, so a page rendered after a purge would spend
three queries on rows that change a few times a year.

The apps' models modules import this mixin while Django loads the models, so it imports
nothing at the top: what it uses (the site cache, with wagtail.models; core's actions, with
their tasks and axes) is imported in the methods, once the apps are ready.
"""


def setting_key(model, site_id: int) -> str:
    # Kept under the site tag's version (dateline.core.sites), read before the row: a save
    # purges that tag (below), so a copy read during the save is never used after it.
    return f"site-setting:{model._meta.label_lower}:{site_id}"


class CachedSiteSetting:
    """Mix into a BaseSiteSetting (before it) to read it from the cache kept under the
    site tag (dateline.core.sites)."""

    @classmethod
    def for_site(cls, site):
        from .sites import site_tagged

        read = super().for_site
        if site is None:
            return read(site)
        return site_tagged.get(setting_key(cls, site.pk), lambda: read(site))

    def save(self, *args, **kwargs):
        from .actions import page_cache_purge_on_commit
        from .pagecache import SITE_TAG
        from .sites import site_tagged

        super().save(*args, **kwargs)
        # Now, for this transaction's own reads; and after the commit every page (they all
        # show the settings) with every copy read meanwhile, by a new site-tag version.
        site_tagged.forget(setting_key(type(self), self.site_id))
        page_cache_purge_on_commit(tags={SITE_TAG})
