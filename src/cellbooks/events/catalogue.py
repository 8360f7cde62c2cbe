"""The events Cellbooks itself publishes, from the inventory's signals (receivers.py). Integrations
register their own (QuickBooks: invoice.synced, purchase_order.synced, return.synced,
vendor_return.synced, sync.failed); a later feature registers and publishes its own the same way,
through ``cellbooks.core.events``."""

from cellbooks.core.events import catalogue

INVENTORY_EVENTS = {
    "purchase_order.received": "A purchase order was received: its devices are in stock.",
    "purchase_order.voided": "A purchase order was voided: its devices went back to the vendor.",
    "invoice.opened": "An invoice was issued to its customer: its devices are sold.",
    "invoice.partially_paid": "A payment left part of an invoice's balance due.",
    "invoice.paid": "An invoice is paid in full (by a payment typed in Cellbooks or received in "
    "an integration such as QuickBooks).",
    "invoice.voided": "An invoice was voided: its devices are back in stock.",
    "payment.recorded": "A payment was recorded on an invoice.",
    "payment.deleted": "A payment was deleted from an invoice.",
    "device.sold": "A device was sold: its invoice was issued, or it was added to an issued one. "
    "One event per device.",
    "return.completed": "A customer return was completed: its devices are back (restocked or "
    "written off) and its credit given.",
    "return.voided": "A customer return was voided: a completed one is undone.",
    "vendor_return.completed": "Devices went back to their vendor for a credit.",
    "vendor_return.voided": "A vendor return was voided: a completed one is undone.",
}
# A document's kind (the inventory's signals) → the name its events start with.
EVENT_PREFIX = {
    "purchase_order": "purchase_order",
    "invoice": "invoice",
    "customer_return": "return",
    "vendor_return": "vendor_return",
}
# Sent only by "Send a test event", to one subscription; nobody subscribes to it.
PING = "ping"


def register() -> None:
    for name, description in INVENTORY_EVENTS.items():
        catalogue.register(name, description)
