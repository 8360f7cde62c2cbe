"""What QuickBooks writes in the company's activity log (``cellbooks.accounts.audit``): syncs asked
for by a person or an API key, bulk syncs, connecting, the settings, disconnecting. Who did it is
the request's actor; work QuickBooks itself brings in is labelled "QuickBooks"."""

from cellbooks.accounts.audit import describe, record

from . import documents

describe(
    **{
        "quickbooks.sync_requested": "Synced to QuickBooks",
        "quickbooks.bulk_sync_requested": "Synced several documents to QuickBooks",
        "quickbooks.retry_requested": "Retried a QuickBooks sync",
        "quickbooks.connected": "Connected QuickBooks",
        "quickbooks.settings_saved": "Saved the QuickBooks settings",
        "quickbooks.disconnected": "Disconnected QuickBooks",
        "quickbooks.unlinked": "Unlinked a document from QuickBooks",
    }
)

ACTION_WORDS = {"push": "Sync", "void": "Void in QuickBooks", "move": "Move in QuickBooks"}


def _label(kind: str, document) -> str:
    return f"{documents.LABELS.get(kind, kind)} {document.number}"


def sync_requested(*, company, kind: str, document, action: str = "push") -> None:
    record(
        company=company,
        action="quickbooks.sync_requested",
        target_kind=kind,
        target_id=document.pk,
        target_label=_label(kind, document),
        summary=f"{ACTION_WORDS.get(action, action)} requested",
        details={"action": action},
    )


def bulk_sync_requested(*, company, kind: str, local_ids, batch_key: str) -> None:
    label = documents.LABELS.get(kind, kind).lower()
    record(
        company=company,
        action="quickbooks.bulk_sync_requested",
        target_kind="",
        target_label=f"{len(local_ids)} × {label}",
        summary=f"Bulk sync of {len(local_ids)} {label}(s) requested",
        details={"kind": kind, "ids": list(local_ids)[:1000], "batch": batch_key},
    )


def retry_requested(*, company, sync_request) -> None:
    record(
        company=company,
        action="quickbooks.retry_requested",
        target_kind=sync_request.kind,
        target_id=sync_request.local_id,
        target_label=documents.names(
            company=company, keys=[(sync_request.kind, sync_request.local_id)]
        )[(sync_request.kind, sync_request.local_id)].label,
        summary="A failed sync was queued again",
    )


def unlinked(*, company, kind: str, document) -> None:
    record(
        company=company,
        action="quickbooks.unlinked",
        target_kind=kind,
        target_id=document.pk,
        target_label=_label(kind, document),
        summary="Unlinked from the QuickBooks record deleted there",
    )


def connected(*, company, connection) -> None:
    name = connection.qbo_company_name or f"company {connection.realm_id}"
    record(
        company=company,
        action="quickbooks.connected",
        target_kind="quickbooks",
        target_label=name,
        summary=f"Connected to QuickBooks company {name}",
        details={"realm_id": connection.realm_id},
    )


def settings_saved(*, company, integration_settings) -> None:
    record(
        company=company,
        action="quickbooks.settings_saved",
        target_kind="quickbooks",
        target_label="QuickBooks settings",
        summary=(
            f"Item “{integration_settings.item_name}”, POs to "
            f"{integration_settings.get_sync_pos_to_display()}, automatic sync "
            f"{'on' if integration_settings.auto_sync else 'off'}"
        ),
        details={
            "item_name": integration_settings.item_name,
            "income_account": integration_settings.income_account_name,
            "expense_account": integration_settings.expense_account_name,
            "sync_pos_to": integration_settings.sync_pos_to,
            "auto_sync": integration_settings.auto_sync,
        },
    )


def disconnected(*, company) -> None:
    record(
        company=company,
        action="quickbooks.disconnected",
        target_kind="quickbooks",
        target_label="QuickBooks",
        summary="Disconnected from QuickBooks in Cellbooks",
    )
