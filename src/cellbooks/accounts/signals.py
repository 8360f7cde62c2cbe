"""What other apps may react to without accounts knowing them. Each is sent inside the service's
transaction, so what a receiver writes (the activity log, an integration's defaults) commits with it.
"""

from django.dispatch import Signal

# kwargs: company; document_prefixes — {"purchase_order": "PO-", "invoice": "INV-"} or {} for
# the defaults (the inventory numbers its documents with them).
company_created = Signal()

# kwargs: company, changed (the names of the fields that changed)
company_settings_saved = Signal()

# kwargs: invitation
invitation_sent = Signal()
invitation_revoked = Signal()
# kwargs: invitation, membership (the new member's)
invitation_accepted = Signal()

# kwargs: membership (with its new role), old_role
member_role_changed = Signal()
# kwargs: membership (as it was; already deleted)
member_removed = Signal()

# kwargs: key
api_key_created = Signal()
api_key_revoked = Signal()
