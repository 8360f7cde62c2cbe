"""The inventory's reactions to other apps' signals."""

from django.dispatch import receiver

from cellbooks.accounts.signals import company_created

from .models import NumberSequence
from .services import seed_company_defaults


@receiver(company_created)
def give_new_company_its_defaults(sender, company, document_prefixes=None, **kwargs):
    """Conditions A–D and number sequences, with the prefixes chosen at setup if any."""
    chosen = document_prefixes or {}
    prefixes = {
        NumberSequence.Kind.PURCHASE_ORDER: chosen.get("purchase_order", ""),
        NumberSequence.Kind.INVOICE: chosen.get("invoice", ""),
    }
    seed_company_defaults(company=company, prefixes=prefixes)
