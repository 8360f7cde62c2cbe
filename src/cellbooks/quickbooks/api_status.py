"""The ``quickbooks`` field that purchase orders and invoices carry in the REST API, contributed
through the integration seam (``integration.py``)."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from cellbooks.api.types import Money

from . import status


class QuickBooksStatus(Schema):
    """Where a document stands in QuickBooks."""

    state: Literal[status.STATES] = Field(
        ...,
        description="changed = edited in Cellbooks since the last sync; deleted/voided = done in "
        "QuickBooks.",
    )
    qbo_entity: str | None = Field(None, description="Invoice, Bill or PurchaseOrder")
    qbo_id: str | None = None
    qbo_doc_number: str | None = None
    synced_at: datetime.datetime | None = None
    qbo_total: Money | None = None
    qbo_balance: Money | None = Field(
        None, description="The invoice's balance in QuickBooks, as last seen"
    )
    url: str | None = Field(None, description="Where a person opens the document in QuickBooks")
    last_error: dict[str, Any] | None = Field(
        None, description="code, message, detail and hint of the last failure"
    )


def status_resolver(kind: str, *, detect_changes: bool):
    def resolve(document) -> dict:
        return status.summary(
            company=document.company, kind=kind, document=document, detect_changes=detect_changes
        )

    return resolve
