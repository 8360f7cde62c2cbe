"""Every read and write of ``Binding`` rows: which Cellbooks record is which QBO record.

A binding is *linked* while it names a QBO record (``qbo_id`` set). Unlinking keeps the row (and
its ``creations`` counter) and forgets the QBO side, so "is this document in QuickBooks?" is
always ``linked(...) is not None``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Binding
from .records import money

Kind = Binding.Kind
RemoteState = Binding.RemoteState


def _rows(*, company, kind: str | None = None):
    rows = Binding.objects.filter(company=company).exclude(qbo_id="")
    return rows.filter(kind=kind) if kind else rows


# ---- reading ------------------------------------------------------------------------------------
def linked(*, company, kind: str, local_id: int) -> Binding | None:
    """The QBO record this Cellbooks record is linked to, or None."""
    return _rows(company=company, kind=kind).filter(local_id=local_id).first()


def linked_many(*, company, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Binding]:
    """The links of the given ``(kind, local_id)`` records that are linked (one query)."""
    keys = set(keys)
    rows = _rows(company=company).filter(
        kind__in={kind for kind, _ in keys}, local_id__in={local_id for _, local_id in keys}
    )
    return {(b.kind, b.local_id): b for b in rows if (b.kind, b.local_id) in keys}


def rows_of(*, company, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Binding]:
    """Every row, linked or not, of the given ``(kind, local_id)`` records (one query): what a
    worker needs to know about a chunk of documents before sending them."""
    keys = set(keys)
    rows = Binding.objects.filter(
        company=company,
        kind__in={kind for kind, _ in keys},
        local_id__in={local_id for _, local_id in keys},
    )
    return {(b.kind, b.local_id): b for b in rows if (b.kind, b.local_id) in keys}


def awaits_answer(row: Binding | None) -> bool:
    """Whether this row is that of a document whose create was sent without a known outcome
    (see ``pending_create``)."""
    return row is not None and not row.qbo_id and row.create_sent_at is not None


def in_quickbooks(*, company, kind: str, local_ids: Iterable[int]) -> set[int]:
    """The given documents that are linked to a QBO record neither deleted nor voided there."""
    return set(
        _rows(company=company, kind=kind)
        .filter(local_id__in=list(local_ids), remote_state=RemoteState.ACTIVE)
        .values_list("local_id", flat=True)
    )


def linked_local_ids(*, company, kind: str):
    """A subquery of every linked record's local id of this kind."""
    return _rows(company=company, kind=kind).values("local_id")


def by_qbo_ids(*, company, realm_id: str, kind: str, qbo_ids: Iterable[str]) -> dict[str, Binding]:
    return {
        binding.qbo_id: binding
        for binding in Binding.objects.filter(
            company=company, realm_id=realm_id, kind=kind, qbo_id__in=list(qbo_ids)
        )
    }


def for_qbo_record(*, company, realm_id: str, qbo_entity: str, qbo_id: str) -> Binding | None:
    return Binding.objects.filter(
        company=company, realm_id=realm_id, qbo_entity=qbo_entity, qbo_id=qbo_id
    ).first()


def creations(*, company, kind: str, local_id: int) -> int:
    """How many QBO records were ever made for this document (0 before its first create)."""
    return (
        Binding.objects.filter(company=company, kind=kind, local_id=local_id)
        .values_list("creations", flat=True)
        .first()
        or 0
    )


def pending_create(*, company, kind: str, local_id: int) -> Binding | None:
    """The unlinked row of a document whose create was sent without a known outcome: it may
    exist in QBO, so look for it (by its marker) before creating anything."""
    return Binding.objects.filter(
        company=company, kind=kind, local_id=local_id, qbo_id="", create_sent_at__isnull=False
    ).first()


def linked_children(*, company, kind: str, parent_local_id: int) -> list[Binding]:
    """Linked records that belong to a Cellbooks record (an invoice's payments)."""
    return list(_rows(company=company, kind=kind).filter(parent_local_id=parent_local_id))


def parents_with_children(*, company, kind: str, parent_local_ids: Iterable[int]) -> set[int]:
    """Which of these Cellbooks records have linked records of ``kind`` (one query)."""
    return set(
        _rows(company=company, kind=kind)
        .filter(parent_local_id__in=list(parent_local_ids))
        .values_list("parent_local_id", flat=True)
    )


def count(*, company) -> int:
    """How many Cellbooks records point at records in the linked QBO company."""
    return _rows(company=company).count()


# ---- writing ------------------------------------------------------------------------------------
def bind(
    *,
    company,
    kind: str,
    local_id: int,
    realm_id: str,
    entity: dict,
    qbo_entity: str,
    created: bool = False,
    fetch: bool = True,
    **fields,
) -> Binding | None:
    """Link a record to the QBO ``entity`` just created, adopted or updated, and commit it now, in
    its own transaction, whatever happens next. ``created``: a new QBO record was made for it (or
    an orphan adopted), which the ``creations`` counter remembers for good. Returns the row as
    stored (``fetch=False``: nothing, one query less)."""
    values = {
        "realm_id": realm_id,
        "qbo_entity": qbo_entity,
        "qbo_id": str(entity["Id"]),
        "sync_token": str(entity.get("SyncToken", "")),
        "qbo_doc_number": entity.get("DocNumber", "") or "",
        "synced_at": timezone.now(),
        "remote_state": RemoteState.ACTIVE,
        "create_sent_at": None,
        **fields,
    }
    if "TotalAmt" in entity and "qbo_total" not in fields:
        values["qbo_total"] = money(entity["TotalAmt"])
    row = Binding.objects.filter(company=company, kind=kind, local_id=local_id)
    try:
        with transaction.atomic():
            if created:
                values["creations"] = F("creations") + 1
            if not row.update(**values):
                if created:
                    values["creations"] = 1
                Binding.objects.create(company=company, kind=kind, local_id=local_id, **values)
    except IntegrityError:
        pass  # Another worker bound it a moment ago: theirs and ours are the same QBO record.
    return row.get() if fetch else None


def note_create_sent(
    *, company, kind: str, local_id: int, realm_id: str, qbo_entity: str, **fields
) -> None:
    """Just before a create goes out, committed on its own: from now until the answer is known,
    the document may exist in QBO without a link (a lost answer, a dead worker)."""
    now = timezone.now()
    for _ in range(2):  # a second try if another worker created the row in between
        try:
            with transaction.atomic():
                updated = Binding.objects.filter(
                    company=company, kind=kind, local_id=local_id, qbo_id=""
                ).update(create_sent_at=now, realm_id=realm_id, qbo_entity=qbo_entity, **fields)
                if not updated:
                    Binding.objects.create(
                        company=company,
                        kind=kind,
                        local_id=local_id,
                        realm_id=realm_id,
                        qbo_entity=qbo_entity,
                        create_sent_at=now,
                        **fields,
                    )
            return
        except IntegrityError:
            continue


def note_creates_sent(*, company, realm_id: str, entities: dict[tuple[str, int], str]) -> None:
    """``note_create_sent`` for many records at once (a batch call), in one transaction:
    ``entities`` maps each ``(kind, local_id)`` to the QBO entity it is being created as."""
    now = timezone.now()
    for attempt in range(2):  # a second try if another worker created a row in between
        try:
            with transaction.atomic():
                _note_creates_sent(company, realm_id, entities, now)
            return
        except IntegrityError:
            if attempt:
                raise


def _note_creates_sent(company, realm_id: str, entities: dict, now) -> None:
    rows = rows_of(company=company, keys=entities)
    for qbo_entity in set(entities.values()):
        Binding.objects.filter(
            pk__in=[
                row.pk
                for key, row in rows.items()
                if entities[key] == qbo_entity and not row.qbo_id
            ]
        ).update(create_sent_at=now, realm_id=realm_id, qbo_entity=qbo_entity)
    Binding.objects.bulk_create(
        [
            Binding(
                company=company,
                kind=kind,
                local_id=local_id,
                realm_id=realm_id,
                qbo_entity=qbo_entity,
                create_sent_at=now,
            )
            for (kind, local_id), qbo_entity in entities.items()
            if (kind, local_id) not in rows
        ]
    )


def note_create_refused(*, company, kind: str, local_id: int) -> None:
    """QBO refused the create for good: nothing was made, there is nothing to look for."""
    Binding.objects.filter(company=company, kind=kind, local_id=local_id, qbo_id="").update(
        create_sent_at=None
    )


def note_fingerprint(binding: Binding, local_hash: str) -> None:
    """The document changed in a way QBO never sees: remember it is still in step."""
    if binding.local_hash != local_hash:
        Binding.objects.filter(pk=binding.pk).update(local_hash=local_hash)


def mark_remote_state(binding: Binding, state: str, **fields) -> None:
    """QBO says the record was deleted or voided there (or is active again)."""
    Binding.objects.filter(pk=binding.pk).update(remote_state=state, **fields)
    binding.remote_state = state


def mark_deleted_in_qbo(*, company, realm_id: str, qbo_entity: str, qbo_id: str) -> int:
    return Binding.objects.filter(
        company=company, realm_id=realm_id, qbo_entity=qbo_entity, qbo_id=qbo_id
    ).update(remote_state=RemoteState.DELETED, qbo_balance=None)


def remember_invoice_state(
    binding: Binding, *, voided: bool, balance, total, sync_token: str
) -> None:
    """What the QBO invoice looks like now (the reconciler read it)."""
    Binding.objects.filter(pk=binding.pk).update(
        remote_state=RemoteState.VOIDED if voided else RemoteState.ACTIVE,
        qbo_balance=money(balance),
        qbo_total=money(total),
        sync_token=sync_token or binding.sync_token,
    )


def unlink(binding: Binding) -> None:
    """Forget the QBO record (deleted there, or replaced by another type); keep the row and its
    ``creations`` so the next create uses a fresh requestid."""
    Binding.objects.filter(pk=binding.pk).update(
        qbo_id="",
        sync_token="",
        qbo_doc_number="",
        last_pushed_hash="",
        local_hash="",
        qbo_total=None,
        qbo_balance=None,
        remote_state=RemoteState.ACTIVE,
    )
    binding.qbo_id = ""


def unlink_deleted(*, company, kind: str, local_id: int) -> bool:
    """Unlink a document whose QBO record was deleted there; False if it was not."""
    binding = (
        _rows(company=company, kind=kind)
        .filter(local_id=local_id, remote_state=RemoteState.DELETED)
        .first()
    )
    if binding is None:
        return False
    unlink(binding)
    return True


def forget_realm(*, company) -> None:
    """Links into the previous QBO company mean nothing in a new one (the realm guard's switch)."""
    Binding.objects.filter(company=company).delete()
