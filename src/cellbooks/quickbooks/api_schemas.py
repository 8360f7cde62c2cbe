"""Request and response shapes of QuickBooks' REST API operations (api_routes.py)."""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema

from cellbooks.api.types import Id, Text

from .models import Connection, IntegrationSettings, SyncAttempt, SyncRequest

DocumentKind = Literal["invoice", "purchase_order"]
JobId = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{16}$",
        description="The job's id, as `POST /quickbooks/syncs` answered it.",
        examples=["5f2b8c0d9e1a4b7c"],
    ),
]


class SyncIn(Schema):
    action: Literal["push", "void", "move"] = Field(
        "push",
        description="push = create or update; void = void the QBO invoice or delete the QBO "
        "bill/PO (after voiding in Cellbooks); move = re-create a synced PO as the other QBO type "
        "after 'Sync POs to' changed",
    )


class ConnectionOut(Schema):
    state: Literal[tuple(Connection.Status.values)] = Field(
        ..., description="not_connected, connected, or needs_reconnect (syncing is paused)."
    )
    company_name: str = Field(..., description="The QuickBooks company's name.")
    realm_id: str = Field(..., description="The QuickBooks company's id (its realm).")
    environment: str = Field(..., description="emulator, sandbox or production.")
    connected_at: datetime.datetime | None
    reason: str = Field(..., description="Why it needs reconnecting, or how it was disconnected.")
    last_webhook_at: datetime.datetime | None = Field(
        ..., description="When QuickBooks last told Cellbooks of a change."
    )
    last_sweep_at: datetime.datetime | None = Field(
        ..., description="When Cellbooks last asked QuickBooks for every change (payments…)."
    )
    last_sweep_result: str

    @staticmethod
    def resolve_state(obj: Connection) -> str:
        return obj.status

    @staticmethod
    def resolve_company_name(obj: Connection) -> str:
        return obj.qbo_company_name

    @staticmethod
    def resolve_reason(obj: Connection) -> str:
        return obj.status_reason


class SettingsOut(Schema):
    item_name: str = Field(..., description="The one QuickBooks item every line uses.")
    item_qbo_id: str
    income_account_id: str
    income_account_name: str
    expense_account_id: str
    expense_account_name: str
    sync_pos_to: Literal[tuple(IntegrationSettings.SyncPOsTo.values)]
    auto_sync: bool = Field(..., description="Sync when a PO is received or an invoice opened.")
    include_identifiers_in_description: bool
    saved_at: datetime.datetime | None
    complete: bool = Field(..., description="Saved with an item and both accounts: syncs can run.")

    @staticmethod
    def resolve_complete(obj: IntegrationSettings) -> bool:
        return obj.is_complete


class SettingsIn(Schema):
    """Only the fields sent change; the result is checked as a whole against QuickBooks."""

    item_name: Text(100) = Field(
        None,
        description="At most 100 characters, without ':' (QuickBooks' rule).",
        examples=["Cellbooks Inventory"],
        json_schema_extra={"minLength": 1},
    )
    income_account_id: Text(32) = Field(
        None, description="An active Income account (see /quickbooks/settings/choices)."
    )
    expense_account_id: Text(32) = Field(
        None,
        description="An active Expense, Cost of Goods Sold or Other Current Asset account.",
    )
    sync_pos_to: Literal[tuple(IntegrationSettings.SyncPOsTo.values)] = Field(
        None, description="bill, or purchase_order (QuickBooks Plus or Advanced)."
    )
    auto_sync: bool = None
    include_identifiers_in_description: bool = None
    adopt_existing_item: bool = Field(
        None,
        description="True: use the QuickBooks item of that name that Cellbooks did not create.",
    )


class AccountOut(Schema):
    id: str
    name: str
    type: str
    subtype: str


class ChoicesOut(Schema):
    income_accounts: list[AccountOut]
    expense_accounts: list[AccountOut]
    purchase_orders_allowed: bool
    purchase_orders_reason: str = Field(..., description="Why not, when they are not allowed.")
    plan: str
    custom_txn_numbers: bool = Field(
        ..., description="Whether QuickBooks takes Cellbooks' document numbers."
    )


class SyncJobIn(Schema):
    kind: DocumentKind
    scope: Literal["selected", "unsynced"] = Field(
        "selected",
        description="selected: the documents in `ids`; unsynced: every received purchase order "
        "or issued invoice not in QuickBooks yet.",
    )
    ids: list[Id] = Field(
        default_factory=list, max_length=10_000, description="With scope=selected.", examples=[[1]]
    )


class SyncJobOut(Schema):
    id: str = Field(..., description="The job's id, for its progress.")
    kind: DocumentKind
    requested_at: datetime.datetime
    total: int
    done: int
    failed: int
    paused: int = Field(..., description="Waiting for QuickBooks to be reconnected.")
    finished: bool = Field(..., description="No document is waiting any more.")
    percent: int = Field(..., ge=0, le=100)


class DocumentOut(Schema):
    kind: str = Field(..., examples=["invoice"], description="invoice or purchase_order")
    id: int
    number: str | None = Field(..., description="Null once the document was deleted.")


class RequestedByOut(Schema):
    user: str | None = Field(..., description="The person who asked, on a page.")
    api_key: str | None = Field(..., description="The API key that asked, by its name.")


class SyncRequestOut(Schema):
    id: int = Field(..., description="The sync request (what /quickbooks/failures lists).")
    document: DocumentOut
    action: Literal[tuple(SyncRequest.Action.values)]
    status: Literal[tuple(SyncRequest.Status.values)] = Field(
        ..., description="pending, running, done, failed, or paused until reconnected."
    )
    attempts: int
    requested_at: datetime.datetime
    finished_at: datetime.datetime | None
    requested_by: RequestedByOut
    job_id: str | None
    last_error: dict[str, Any] | None = Field(
        None, description="QuickBooks' code, message and detail, and a hint, after a failure."
    )


class JobDocumentOut(SyncRequestOut):
    outcome: Literal[tuple(SyncAttempt.Outcome.values)] | None = Field(
        ..., description="What the last attempt did: created, updated, adopted, unchanged…"
    )
    qbo_entity: str | None = Field(..., description="Invoice, Bill or PurchaseOrder.")
    qbo_id: str | None
    qbo_doc_number: str | None


class FailureFilters(Schema):
    kind: DocumentKind | None = None


class AttemptFilters(Schema):
    kind: DocumentKind | None = None
    document: Id | None = Field(None, description="Only this document's attempts (with `kind`).")


class AttemptOut(Schema):
    id: int
    request_id: int | None
    document: DocumentOut
    action: str
    outcome: Literal[tuple(SyncAttempt.Outcome.values)]
    started_at: datetime.datetime
    duration_ms: int
    requestid: str = Field(..., description="The request id QuickBooks saw.")
    api_calls: int
    qbo_entity: str
    qbo_id: str
    qbo_code: str
    message: str
    detail: str
    hint: str

    @staticmethod
    def resolve_document(obj: SyncAttempt) -> dict:
        return {"kind": obj.kind, "id": obj.local_id, "number": getattr(obj, "number", None)}
