"""Claims become leases; "this document may exist in QBO" moves from the request to the
document's link (create_sent_at); bindings can belong to a parent record (a payment's invoice);
the flag for payments typed by hand goes (they are now sent to QuickBooks)."""

from django.conf import settings
from django.db import migrations, models


def unknown_outcomes_to_links(apps, schema_editor):
    """A request whose write may have reached QBO becomes a pending create on the document's link
    (where "may exist in QBO" now lives), unless the document is linked already."""
    Binding = apps.get_model("quickbooks", "Binding")
    SyncRequest = apps.get_model("quickbooks", "SyncRequest")
    Connection = apps.get_model("quickbooks", "Connection")
    for request in SyncRequest.objects.filter(outcome_unknown=True):
        binding = Binding.objects.filter(
            company_id=request.company_id, kind=request.kind, local_id=request.local_id
        ).first()
        if binding is None:
            connection = Connection.objects.filter(company_id=request.company_id).first()
            binding = Binding.objects.create(
                company_id=request.company_id,
                kind=request.kind,
                local_id=request.local_id,
                realm_id=connection.realm_id if connection else "",
                qbo_entity="",
                qbo_id="",
            )
        if not binding.qbo_id:
            Binding.objects.filter(pk=binding.pk).update(create_sent_at=request.requested_at)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("quickbooks", "0002_binding_creations_and_unlinking"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name="binding",
            name="manual_payment_flagged_at",
        ),
        migrations.AddField(
            model_name="binding",
            name="create_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="binding",
            name="parent_local_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="syncrequest",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="syncrequest",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="binding",
            name="kind",
            field=models.CharField(
                choices=[
                    ("customer", "Customer"),
                    ("vendor", "Vendor"),
                    ("invoice", "Invoice"),
                    ("purchase_order", "Purchase order"),
                    ("payment", "Payment"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="syncrequest",
            name="attempts",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Attempts that reached for QuickBooks (a crashed claim is none)",
            ),
        ),
        migrations.AlterField(
            model_name="syncrequest",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invoice", "Invoice"),
                    ("purchase_order", "Purchase order"),
                    ("payment", "Payment"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="syncrequest",
            index=models.Index(
                fields=["status", "lease_expires_at"], name="quickbooks__status_e8ea94_idx"
            ),
        ),
        migrations.RunPython(unknown_outcomes_to_links, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="syncrequest",
            name="outcome_unknown",
        ),
    ]
