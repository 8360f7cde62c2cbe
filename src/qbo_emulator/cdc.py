"""Change data capture (docs/intuit-api.md §5): every entity of the listed types changed since
``changedSince`` (within the last 30 days), with deleted ones as ``status: "Deleted"`` stubs,
at most 1000 objects in all."""

from __future__ import annotations

from datetime import timedelta

from . import errors
from .entities import find_entity_type
from .jsonutil import clone
from .query import _as_datetime

MAX_OBJECTS = 1000
WINDOW_DAYS = 30


def run_cdc(realm, entities: str, changed_since: str) -> list[dict]:
    names = [n.strip() for n in str(entities or "").split(",") if n.strip()]
    if not names:
        raise errors.required_param("entities")
    if not changed_since:
        raise errors.required_param("changedSince")
    since = _as_datetime(changed_since.replace(" ", "+"))
    if since is None:
        raise errors.QBOError(
            400,
            2010,
            "Request has invalid or unsupported property",
            f"Property Name:changedSince has an invalid date: {changed_since}",
            "changedSince",
        )
    if since.tzinfo is None:
        since = since.replace(tzinfo=realm.tz)
    now = realm.now()
    if since < now - timedelta(days=WINDOW_DAYS):
        # [U] The code for a changedSince older than 30 days is unknown (docs/intuit-api.md §11).
        raise errors.QBOError(
            400,
            2010,
            "Request has invalid or unsupported property",
            "Property Name:changedSince must be within the last 30 days",
            "changedSince",
        )
    since_ts = since.timestamp()
    groups = []
    budget = MAX_OBJECTS
    for name in names:
        et = find_entity_type(name)
        if et is None or not et.in_cdc:
            raise errors.QBOError(
                400,
                2010,
                "Request has invalid or unsupported property",
                f"Property Name:entities - {name} is not supported by change data capture",
                "entities",
            )
        changed = []
        for record in realm.table(et.name).values():
            updated = _as_datetime(record.get("MetaData", {}).get("LastUpdatedTime", ""))
            if updated is not None and updated.timestamp() > since_ts:
                if et.presents:
                    record = et.present(realm, clone(record))
                changed.append((updated.timestamp(), record))
        for stub in realm.tombstones:
            if stub["entity"] == et.name and stub["ts"] > since_ts:
                changed.append(
                    (
                        stub["ts"],
                        {
                            "domain": "QBO",
                            "status": "Deleted",
                            "Id": stub["Id"],
                            "MetaData": {"LastUpdatedTime": stub["LastUpdatedTime"]},
                        },
                    )
                )
        changed.sort(key=lambda pair: pair[0])
        rows = [record for _, record in changed[:budget]]
        budget -= len(rows)
        if rows:
            groups.append({et.wire_name: rows, "startPosition": 1, "maxResults": len(rows)})
    return [{"QueryResponse": groups or [{}]}]
