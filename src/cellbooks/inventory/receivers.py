"""The inventory's reactions to other apps' signals."""

from django.dispatch import receiver

from cellbooks.accounts.signals import company_created

from .services import seed_company_defaults


@receiver(company_created)
def give_new_company_its_defaults(sender, company, **kwargs):
    seed_company_defaults(company=company)
