"""What other apps may react to without accounts knowing them."""

from django.dispatch import Signal

# kwargs: company — sent inside create_company's transaction, so defaults commit with it.
company_created = Signal()
