"""The demo app and companies that `make run` / `make emulator` and Cellbooks' defaults share."""

DEMO_CLIENT_ID = "cellbooks-demo-client"
DEMO_CLIENT_SECRET = "cellbooks-demo-secret"
DEMO_VERIFIER_TOKEN = "cellbooks-demo-verifier-token"
DEMO_APP_BASE = "http://127.0.0.1:8000"
DEMO_REDIRECT_URI = f"{DEMO_APP_BASE}/integrations/quickbooks/callback/"
DEMO_WEBHOOK_URL = f"{DEMO_APP_BASE}/integrations/quickbooks/webhook/"
DEMO_DISCONNECT_URL = f"{DEMO_APP_BASE}/integrations/quickbooks/disconnected/"

# Sign-in on the consent page (the emulator's stand-in for an Intuit account).
DEMO_USER_EMAIL = "bookkeeper@example.com"
DEMO_USER_PASSWORD = "demo"

DEMO_COMPANIES = [
    # A Plus company with purchase orders switched on, and an Essentials one without them.
    {"name": "Demo Phones Wholesale LLC", "plan": "plus", "purchase_orders_enabled": True,
     "custom_txn_numbers": True},
    {"name": "Essentials Electronics Inc", "plan": "essentials", "purchase_orders_enabled": False,
     "custom_txn_numbers": True},
]
