from django.db.models.signals import post_save
from django.dispatch import receiver

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

from .models import MailingListSettings


@receiver(post_save, sender=MailingListSettings)
def purge_on_copy_change(sender, raw=False, **kwargs):
    # The signup copy and the popup are on every page; readers must see what consent records.
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})
