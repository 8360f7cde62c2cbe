"""Payments name their source generically: "manual" or the integration that brought them in, with
the id they have there (formerly a QuickBooks-only column)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(
            model_name="payment", name="one_row_per_qbo_payment_and_invoice"
        ),
        migrations.RenameField(
            model_name="payment", old_name="qbo_payment_id", new_name="external_id"
        ),
        migrations.AlterField(
            model_name="payment",
            name="external_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="payment",
            name="source",
            field=models.CharField(
                default="manual",
                help_text='"manual", or the key of the integration that brought it in',
                max_length=30,
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("invoice", "source", "external_id"),
                name="one_row_per_external_payment_and_invoice",
            ),
        ),
    ]
