"""``manage.py create_api_key <company-slug> <name>``: issue a REST API key and show it once."""

from django.core.management.base import BaseCommand, CommandError

from cellbooks.accounts.models import ApiKey, Company
from cellbooks.accounts.services import create_api_key


class Command(BaseCommand):
    help = "Create an API key for a company and print it. Only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("company_slug", help="The company's slug, e.g. northwind-devices.")
        parser.add_argument("name", help="What the key is for, e.g. 'warehouse scanner'.")
        parser.add_argument(
            "--role",
            choices=ApiKey.Role.values,
            default="bookkeeper",
            help="What the key may do, as a member with this role (default: bookkeeper: "
            "documents, payments, syncing; viewer: read only; warehouse: read and receive).",
        )

    def handle(self, *args, company_slug: str, name: str, role: str = "bookkeeper", **options):
        company = Company.objects.filter(slug=company_slug).first()
        if company is None:
            raise CommandError(f"No company with the slug '{company_slug}'.")
        name = name.strip()
        if not name:
            raise CommandError("Give the key a name, e.g. 'warehouse scanner'.")
        key, raw = create_api_key(company=company, name=name[:100], role=role)
        self.stdout.write(f"API key '{key.name}' ({key.get_role_display()}) for {company.name}:")
        self.stdout.write(raw)
        self.stdout.write(
            "Store it now: it will not be shown again. Send it as 'Authorization: Bearer <key>'."
        )
