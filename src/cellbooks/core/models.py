"""Tenant scoping shared by every company-owned model."""

from django.db import models
from django.http import Http404


class CompanyQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def get_for_company_or_404(self, company, **lookup):
        """The one way views and the API fetch a record: another company's id answers 404."""
        try:
            return self.for_company(company).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404(f"No {self.model._meta.verbose_name} matches the given query.") from None


class CompanyOwned(models.Model):
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    objects = CompanyQuerySet.as_manager()

    class Meta:
        abstract = True
