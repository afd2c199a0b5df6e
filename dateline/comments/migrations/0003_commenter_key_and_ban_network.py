import ipaddress

from django.db import migrations, models


def fill_ban_networks(apps, schema_editor):
    """Existing bans cover what a new ban on the same address covers: IPv6 bans their /64."""
    CommenterBan = apps.get_model("comments", "CommenterBan")
    for ban in CommenterBan.objects.exclude(ip_address=None).filter(ip_network=""):
        address = ipaddress.ip_address(ban.ip_address)
        length = 32 if address.version == 4 else 64
        ban.ip_network = str(ipaddress.ip_network(f"{address}/{length}", strict=False))
        ban.save(update_fields=["ip_network"])


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0002_reply_notified_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="commenter_key_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="commenterban",
            name="ip_network",
            field=models.CharField(
                blank=True, db_index=True, max_length=49, verbose_name="IP network"
            ),
        ),
        migrations.AlterField(
            model_name="commenterban",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.RunPython(fill_ban_networks, migrations.RunPython.noop),
    ]
