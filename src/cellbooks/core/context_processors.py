"""What every page's template may use: the company's currency (for the ``money`` filter) and its
today (for "overdue")."""

from cellbooks.core.dates import company_today
from cellbooks.core.money import DEFAULT_CURRENCY


def money(request):
    company = getattr(request, "company", None)
    return {
        "currency": getattr(company, "currency", "") or DEFAULT_CURRENCY,
        "today": company_today(company),
    }
