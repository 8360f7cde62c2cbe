"""Where a person opens a QBO record in a browser: Intuit's app, or the emulator's pages."""

from .config import load_config

EMULATOR_PAGES = {
    "Invoice": "invoices",
    "Bill": "bills",
    "PurchaseOrder": "purchase-orders",
    "Payment": "payments",
    "Customer": "customers",
    "Vendor": "vendors",
}
INTUIT_PAGES = {
    "Invoice": "invoice",
    "Bill": "bill",
    "PurchaseOrder": "purchaseorder",
    "Payment": "recvpayment",
    "Customer": "customerdetail",
    "Vendor": "vendordetail",
}


def qbo_record_url(entity: str, qbo_id: str, realm_id: str) -> str:
    config = load_config()
    if config.is_emulator:
        return f"{config.api_base}/companies/{realm_id}/{EMULATOR_PAGES.get(entity, entity.lower() + 's')}/{qbo_id}"
    key = "nameId" if entity in ("Customer", "Vendor") else "txnId"
    return f"{config.app_base}/{INTUIT_PAGES.get(entity, entity.lower())}?{key}={qbo_id}"
