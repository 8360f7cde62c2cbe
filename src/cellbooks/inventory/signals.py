"""What other apps may react to, without the inventory knowing them (an accounting integration
queues its work on these; the events app turns them into webhooks). Every signal is sent inside the
service's transaction: a receiver that writes rows joins it, so the action and the work it causes
commit or roll back together.
"""

from django.dispatch import Signal

# kwargs: company, kind ("invoice" | "purchase_order" | "customer_return" | "vendor_return"),
#         document, event: "received" (PO) | "opened" (invoice) | "completed" (returns) | "voided"
document_event = Signal()

# kwargs: company, invoice, payment — after a payment is saved and the invoice's balance follows.
payment_recorded = Signal()

# kwargs: company, invoice, payment (its fields as they were; ``payment.pk`` is the deleted id)
payment_deleted = Signal()

# kwargs: company, invoice, device_ids — devices that became sold: the invoice was opened, or they
# were added to an invoice that is already open.
devices_sold = Signal()

# kwargs: company, invoice, previous — an issued invoice moved between open, partially paid and
# paid (a payment recorded or deleted, a price or a device changed); ``invoice.status`` is the new.
invoice_status_changed = Signal()
