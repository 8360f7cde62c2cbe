"""Where Cellbooks finds QuickBooks: Intuit's sandbox or production, or the local emulator.

Everything comes from the environment; with nothing set, Cellbooks talks to the emulator that
`make run` starts, with the emulator's demo app.
"""

import os
from dataclasses import dataclass

from qbo_emulator import demo

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
    env = os.environ
    environment = env.get("QBO_ENVIRONMENT", "emulator").strip().lower()
    public_url = env.get("CELLBOOKS_PUBLIC_URL", demo.DEMO_APP_BASE).rstrip("/")
    if environment == "emulator":
        emulator_url = env.get("QBO_EMULATOR_URL", "http://127.0.0.1:8765").rstrip("/")
        endpoints = {
            "discovery_url": f"{emulator_url}/.well-known/openid_sandbox_configuration/",
            "api_base": emulator_url,
            "app_base": f"{emulator_url}/app",
        }
        defaults = {
            "client_id": demo.DEMO_CLIENT_ID,
            "client_secret": demo.DEMO_CLIENT_SECRET,
            "verifier": demo.DEMO_VERIFIER_TOKEN,
        }
    elif environment in INTUIT:
        endpoints = INTUIT[environment]
        defaults = {"client_id": "", "client_secret": "", "verifier": ""}
    else:
        raise ValueError(
            f"QBO_ENVIRONMENT must be sandbox, production or emulator, not {environment!r}"
        )
    return QBOConfig(
        environment=environment,
        client_id=env.get("QBO_CLIENT_ID", defaults["client_id"]),
        client_secret=env.get("QBO_CLIENT_SECRET", defaults["client_secret"]),
        redirect_uri=env.get("QBO_REDIRECT_URI", f"{public_url}/integrations/quickbooks/callback/"),
        webhook_verifier_token=env.get("QBO_WEBHOOK_VERIFIER_TOKEN", defaults["verifier"]),
        public_url=public_url,
        timeout=float(env.get("QBO_TIMEOUT", "20")),
        **endpoints,
    )
