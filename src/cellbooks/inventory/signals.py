"""What other apps may react to, without the inventory knowing them (the QuickBooks integration
queues syncs on these). Sent inside the service's transaction: receivers that write rows join it."""

from django.dispatch import Signal

# kwargs: company, document (a PurchaseOrder or an Invoice), event: "received" | "opened" | "voided"
document_event = Signal()
