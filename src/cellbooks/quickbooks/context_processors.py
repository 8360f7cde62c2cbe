from .models import Connection


def quickbooks_status(request):
    """The company's QuickBooks connection, for the "needs reconnect" banner on every page."""
    company = getattr(request, "company", None)
    if company is None:
        return {}
    return {"qbo_connection": Connection.objects.filter(company=company).first()}
