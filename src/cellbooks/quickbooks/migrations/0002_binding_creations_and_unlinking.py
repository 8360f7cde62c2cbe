"""Bindings outlive their QBO record: unlinking clears ``qbo_id`` and keeps the row, whose new
``creations`` counter replaces counting attempt rows (which retention now prunes)."""

from django.db import migrations, models


def count_past_creations(apps, schema_editor):
    Binding = apps.get_model("quickbooks", "Binding")
    SyncAttempt = apps.get_model("quickbooks", "SyncAttempt")
    for binding in Binding.objects.filter(kind__in=["invoice", "purchase_order"]):
        made = SyncAttempt.objects.filter(
            company_id=binding.company_id,
            kind=binding.kind,
            local_id=binding.local_id,
            outcome__in=["created", "adopted"],
        ).count()
        Binding.objects.filter(pk=binding.pk).update(creations=max(made, 1))


class Migration(migrations.Migration):
    dependencies = [("quickbooks", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="binding", name="one_binding_per_qbo_record"),
        migrations.AddField(
            model_name="binding",
            name="creations",
            field=models.PositiveIntegerField(
                default=0, help_text="QBO records created (or adopted) for this document, ever"
            ),
        ),
        migrations.AlterField(
            model_name="binding",
            name="qbo_id",
            field=models.CharField(blank=True, help_text="Empty once unlinked", max_length=32),
        ),
        migrations.AlterField(
            model_name="binding",
            name="remote_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "In QuickBooks"),
                    ("deleted", "Deleted in QuickBooks"),
                    ("voided", "Voided in QuickBooks"),
                ],
                default="",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="binding",
            constraint=models.UniqueConstraint(
                condition=models.Q(("qbo_id", ""), _negated=True),
                fields=("realm_id", "qbo_entity", "qbo_id"),
                name="one_binding_per_qbo_record",
            ),
        ),
        migrations.RunPython(count_past_creations, migrations.RunPython.noop),
    ]
