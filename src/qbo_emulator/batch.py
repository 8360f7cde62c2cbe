"""POST /batch (docs/intuit-api.md §4): up to 30 items, each answered under its ``bId`` with an
entity, a QueryResponse, a CDCResponse or a Fault; the HTTP status is 200 even when items fail.

Items run one after another in the order sent. [U] Intuit says not to rely on the order and
that items cannot see each other's results; here a later item does see an earlier one's write
(docs/emulator.md).
"""

from __future__ import annotations

from . import errors
from .entities import find_entity_type
from .writes import write_entity

MAX_ITEMS = 30


def run_batch(emulator, realm_id: str, body: dict) -> dict:
    items = body.get("BatchItemRequest")
    if not isinstance(items, list) or not items:
        raise errors.required_param("BatchItemRequest")
    if len(items) > MAX_ITEMS:
        # [U] The exact fault above 30 items is unknown (docs/intuit-api.md §4).
        raise errors.QBOError(
            400,
            2010,
            "Request has invalid or unsupported property",
            f"Property Name:BatchItemRequest has {len(items)} items; the maximum is {MAX_ITEMS}",
            "BatchItemRequest",
        )
    store = emulator.store
    responses = []
    for item in items:
        bid = item.get("bId")
        answer: dict = {"bId": bid} if bid is not None else {}
        try:
            answer.update(run_item(store, realm_id, item))
        except errors.QBOError as error:
            answer["Fault"] = error.fault()
        responses.append(answer)
    return {"BatchItemResponse": responses}


def run_item(store, realm_id: str, item: dict) -> dict:
    if "Query" in item:
        return {"QueryResponse": store.query(realm_id, str(item["Query"]))}
    if "CDCQuery" in item:
        cdc = item["CDCQuery"] or {}
        return {
            "CDCResponse": store.cdc(realm_id, cdc.get("Entities", ""), cdc.get("ChangedSince", ""))
        }
    entity_keys = [k for k in item if find_entity_type(k) is not None and isinstance(item[k], dict)]
    if len(entity_keys) != 1:
        raise errors.required_param("IntuitObject")
    et = find_entity_type(entity_keys[0])
    operation = str(item.get("operation") or "create").lower()
    options = str(item.get("optionsData") or "").lower()
    include = ("void",) if options == "void" else ()
    record = write_entity(
        store, realm_id, et.name, item[entity_keys[0]], operation=operation, include=include
    )
    return {et.wire_name: record}
