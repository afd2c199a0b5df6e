"""Steps the newsletter benchmark runs inside a throwaway site (its environment, its database).

`python -m bench.newsletter_site seed N`   N confirmed subscribers, and a send frozen for them
`python -m bench.newsletter_site check ID` the send's deliveries by status, as JSON

Each prints one JSON line: the bench reads it and never touches the site's database itself.
"""

import json
import resource
import sys
import time


def seed(count: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from dateline.newsletter import actions
    from dateline.newsletter.content import message_build
    from dateline.newsletter.models import (
        Campaign,
        CampaignArticle,
        Newsletter,
        Subscriber,
        Subscription,
    )
    from dateline.newsroom.models import ArticlePage

    newsletter = Newsletter.objects.get(slug="middle-east-news")
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, 5000):
            subscribers = Subscriber.objects.bulk_create(
                Subscriber(
                    email=f"reader{n:06d}@bench.example.org",
                    email_key=f"reader{n:06d}@bench.example.org",
                    status=Subscriber.Status.CONFIRMED,
                    created_at=now,
                    confirmed_at=now,
                )
                for n in range(start, min(count, start + 5000))
            )
            Subscription.objects.bulk_create(
                Subscription(subscriber=s, newsletter=newsletter, created_at=now)
                for s in subscribers
            )
    # What autovacuum does soon after a bulk load: without statistics, PostgreSQL plans the
    # recipients query for a near-empty table (measured: 176 s to freeze 100,000, not 5).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    campaign = Campaign.objects.create(newsletter=newsletter, subject="The Middle East this week")
    for position, article in enumerate(ArticlePage.objects.live().order_by("-pk")[:5]):
        CampaignArticle.objects.create(campaign=campaign, article=article, sort_order=position)
    started = time.perf_counter()
    actions.campaign_start(campaign=campaign)
    freeze_seconds = time.perf_counter() - started
    variant = campaign.variants.get()
    sample = message_build(
        campaign=campaign,
        newsletter=newsletter,
        variant=variant,
        subscriber=Subscriber.objects.first(),
    )
    return {
        "campaign": campaign.pk,
        "freeze_seconds": freeze_seconds,
        "message_bytes": len(sample.message().as_bytes()),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def check(campaign_id: int) -> dict:
    from django.db.models import Count

    from dateline.newsletter.models import Campaign, Delivery

    campaign = Campaign.objects.get(pk=campaign_id)
    by_status = dict(
        Delivery.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    rows = Delivery.objects.filter(campaign=campaign)
    return {
        "status": campaign.status,
        "recipients": campaign.recipients_total,
        "by_status": by_status,
        "distinct_subscribers": rows.values("subscriber").distinct().count(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    step, value = sys.argv[1], int(sys.argv[2])
    print(json.dumps(seed(value) if step == "seed" else check(value)))
