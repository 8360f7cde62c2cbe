"""Where Cellbooks finds QuickBooks: Intuit's sandbox or production, or the local emulator.

The values come from ``settings.QBO`` (read from the environment in settings.py, nowhere else);
with nothing set, Cellbooks talks to the emulator that `make run` starts, with its demo app.
"""

from dataclasses import dataclass

from django.conf import settings

INTUIT = {
    "sandbox": {
        "discovery_url": "https://developer.api.intuit.com/.well-known/openid_sandbox_configuration",
        "api_base": "https://sandbox-quickbooks.api.intuit.com",
        "app_base": "https://app.sandbox.qbo.intuit.com/app",
    },
    "production": {
        "discovery_url": "https://developer.api.intuit.com/.well-known/openid_configuration",
        "api_base": "https://quickbooks.api.intuit.com",
        "app_base": "https://app.qbo.intuit.com/app",
    },
}
SCOPES = ["com.intuit.quickbooks.accounting", "openid", "profile", "email"]
MINOR_VERSION = "75"


@dataclass(frozen=True)
class QBOConfig:
    environment: str
    client_id: str
    client_secret: str
    redirect_uri: str
    webhook_verifier_token: str
    public_url: str
    discovery_url: str
    api_base: str
    app_base: str  # where a person opens a QBO document in a browser
    timeout: float = 20.0

    @property
    def is_emulator(self) -> bool:
        return self.environment == "emulator"


def load_config() -> QBOConfig:
    """The configuration in force (``settings.QBO``; tests change it with override_settings)."""
    qbo = settings.QBO
    environment = qbo["ENVIRONMENT"]
    if environment == "emulator":
        emulator_url = qbo["EMULATOR_URL"].rstrip("/")
        endpoints = {
            "discovery_url": f"{emulator_url}/.well-known/openid_sandbox_configuration/",
            "api_base": emulator_url,
            "app_base": f"{emulator_url}/app",
        }
    else:
        endpoints = INTUIT[environment]
    public_url = qbo["PUBLIC_URL"].rstrip("/")
    return QBOConfig(
        environment=environment,
        client_id=qbo["CLIENT_ID"],
        client_secret=qbo["CLIENT_SECRET"],
        redirect_uri=qbo["REDIRECT_URI"] or f"{public_url}/integrations/quickbooks/callback/",
        webhook_verifier_token=qbo["WEBHOOK_VERIFIER_TOKEN"],
        public_url=public_url,
        timeout=float(qbo["TIMEOUT"]),
        **endpoints,
    )
