import ipaddress

from django.db import migrations, models


def fill_ip_blocks(apps, schema_editor):
    """Existing comments get the network their address lies in: its /24 or /64."""
    Comment = apps.get_model("comments", "Comment")
    rows = Comment.objects.exclude(ip_address=None).filter(ip_block="")
    for pk, ip in rows.values_list("pk", "ip_address").iterator(chunk_size=2000):
        address = ipaddress.ip_address(ip)
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        length = 24 if address.version == 4 else 64
        block = str(ipaddress.ip_network(f"{address}/{length}", strict=False))
        Comment.objects.filter(pk=pk).update(ip_block=block)


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_commenter_key_and_ban_network"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="ip_block",
            field=models.CharField(blank=True, db_index=True, max_length=43),
        ),
        migrations.RunPython(fill_ip_blocks, migrations.RunPython.noop),
    ]
