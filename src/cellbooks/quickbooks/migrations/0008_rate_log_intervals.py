from django.db import migrations, models


def forget_old_logs(apps, schema_editor):
    """The logs held bare times; they now hold [let go, answered] pairs. What they held is at
    most a minute old and only throttled calls: starting them empty loses nothing."""
    apps.get_model("quickbooks", "RateBucket").objects.update(log=[])


class Migration(migrations.Migration):
    dependencies = [
        ("quickbooks", "0007_rate_windows"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ratebucket",
            name="log",
            field=models.JSONField(
                default=list,
                help_text="[let go, answered or null] Unix times of the calls that count",
            ),
        ),
        migrations.RunPython(forget_old_logs, migrations.RunPython.noop),
    ]
