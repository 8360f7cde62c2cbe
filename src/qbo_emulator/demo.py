"""The demo app and companies that `make run` / `make emulator` and Cellbooks' defaults share."""

DEMO_CLIENT_ID = "cellbooks-demo-client"
DEMO_CLIENT_SECRET = "cellbooks-demo-secret"
DEMO_VERIFIER_TOKEN = "cellbooks-demo-verifier-token"
DEMO_APP_BASE = "http://127.0.0.1:8000"


def demo_app_urls(app_base: str | None = None) -> dict:
    """The demo app's redirect, webhook and disconnect URLs for an app served at ``app_base``."""
    base = (app_base or DEMO_APP_BASE).rstrip("/")
    return {
        "redirect_uris": [f"{base}/integrations/quickbooks/callback/"],
        "webhook_url": f"{base}/integrations/quickbooks/webhook/",
        "disconnect_url": f"{base}/integrations/quickbooks/disconnected/",
    }


DEMO_REDIRECT_URI = demo_app_urls()["redirect_uris"][0]
DEMO_WEBHOOK_URL = demo_app_urls()["webhook_url"]
DEMO_DISCONNECT_URL = demo_app_urls()["disconnect_url"]

# Sign-in on the consent page (the emulator's stand-in for an Intuit account).
DEMO_USER_EMAIL = "bookkeeper@example.com"
DEMO_USER_PASSWORD = "demo"

DEMO_COMPANIES = [
    # A Plus company with purchase orders switched on, an Essentials one without them, and a
    # sandbox-like one full of sample data.
    {
        "name": "Demo Phones Wholesale LLC",
        "plan": "plus",
        "purchase_orders_enabled": True,
        "custom_txn_numbers": True,
    },
    {
        "name": "Essentials Electronics Inc",
        "plan": "essentials",
        "purchase_orders_enabled": False,
        "custom_txn_numbers": True,
    },
    # Like Intuit's US sandbox company: customers, vendors, items, tax codes, transactions.
    {
        "name": "Sandbox Company_US_1",
        "plan": "advanced",
        "purchase_orders_enabled": True,
        "custom_txn_numbers": False,
        "sample_data": True,
    },
]
