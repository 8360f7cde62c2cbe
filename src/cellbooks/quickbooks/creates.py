"""Creating a QBO record for a Cellbooks record exactly once — for the records that ride along with
a document (payments typed in Cellbooks, the applications of credits). Documents themselves go
through the exporter, which also updates them; these are created once and later only deleted.

1. If a create was sent earlier without a known outcome, look for the record by the marker in its
   PrivateNote among the party's records created since; link it if found.
2. Otherwise mark "create sent" on the link (committed), create with a requestid that a retry
   replays, and link the answer at once. A refusal clears the mark: nothing was made.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from . import bindings, records
from .client import QBOClient, quote, requestid_for
from .errors import NotFoundError, PermanentError

ORPHAN_CLOCK_SKEW = timedelta(minutes=10)


def create_once(
    *,
    client: QBOClient,
    company,
    kind: str,
    local_id: int,
    qbo_entity: str,
    payload: dict,
    party: tuple[str, str],
    tag: str,
    **link_fields,
) -> tuple[dict, bool]:
    """The QBO record for (kind, local_id): (record, True if created now, False if found)."""
    pending = bindings.pending_create(company=company, kind=kind, local_id=local_id)
    if pending is not None:
        found = find_marked(client, qbo_entity, party=party, tag=tag, since=pending.create_sent_at)
        if found is not None:
            _link(client, company, kind, local_id, qbo_entity, found, link_fields)
            return found, False
    requestid = requestid_for(
        company_id=company.pk,
        kind=kind,
        local_id=local_id,
        version="create",
        extra=f"-c{bindings.creations(company=company, kind=kind, local_id=local_id)}",
    )
    bindings.note_create_sent(
        company=company,
        kind=kind,
        local_id=local_id,
        realm_id=client.realm_id,
        qbo_entity=qbo_entity,
        **link_fields,
    )
    try:
        created = client.create(qbo_entity, payload, requestid=requestid)
    except PermanentError:
        bindings.note_create_refused(company=company, kind=kind, local_id=local_id)
        raise
    _link(client, company, kind, local_id, qbo_entity, created, link_fields)
    return created, True


def find_marked(client: QBOClient, qbo_entity: str, *, party: tuple[str, str], tag: str, since):
    """A record of ``party`` (e.g. ("CustomerRef", "58")) created since ``since`` whose
    PrivateNote carries ``tag``."""
    field, value = party
    moment = records.qbo_time((since or timezone.now()) - ORPHAN_CLOCK_SKEW)
    where = f"{field} = {quote(value)} AND MetaData.CreateTime >= {quote(moment)}"
    for row in client.query_all(qbo_entity, where):
        if tag in (row.get("PrivateNote") or ""):
            return row
    return None


def _link(client, company, kind, local_id, qbo_entity, record, link_fields) -> None:
    bindings.bind(
        company=company,
        kind=kind,
        local_id=local_id,
        realm_id=client.realm_id,
        entity=record,
        qbo_entity=qbo_entity,
        created=True,
        **link_fields,
    )


def delete_linked(client: QBOClient, binding) -> bool:
    """Delete the QBO record a link points at (it may be gone already) and unlink it; False when
    it was gone."""
    try:
        current = client.read(binding.qbo_entity, binding.qbo_id)
    except NotFoundError:
        bindings.unlink(binding)
        return False
    requestid = requestid_for(
        company_id=binding.company_id,
        kind=binding.kind,
        local_id=binding.local_id,
        version="delete",
        extra=f"-{current['SyncToken']}",
    )
    client.delete(binding.qbo_entity, binding.qbo_id, current["SyncToken"], requestid=requestid)
    bindings.unlink(binding)
    return True
