"""Which store write a ``POST /{entity}`` body asks for: create, update (full or sparse), delete
or void, decided from the ``operation`` and ``include`` query parameters and the body. Shared by
the entity route and batch items, so both follow the same rules."""

from __future__ import annotations

from . import errors
from .entities import find_entity_type


def write_entity(
    store, realm_id: str, entity_name: str, body: dict, *, operation: str, include: tuple[str, ...]
) -> dict:
    """Runs the write ``body`` asks for; returns the stored record (or the delete stub)."""
    et = find_entity_type(entity_name)
    if et is None:
        raise errors.resource_not_found(entity_name)
    operation = (operation or "").lower()
    body = et.unwrap(body)
    if et.name == "ExchangeRate":
        # Keyed by currency and date, not Id: a POST sets the rate.
        return store.set_exchange_rate(realm_id, body)
    if operation == "delete":
        return store.delete_entity(
            realm_id, et.name, body.get("Id"), sync_token=body.get("SyncToken", "")
        )
    if operation == "void" or "void" in include:
        return store.void_entity(
            realm_id, et.name, body.get("Id"), sync_token=body.get("SyncToken", "")
        )
    has_id = body.get("Id") not in (None, "")
    if operation == "update" or (operation == "" and has_id) or et.kind == "singleton":
        sparse = str(body.get("sparse", "false")).lower() == "true"
        return store.update_entity(realm_id, et.name, body, sparse=sparse, include=include)
    if operation not in ("", "create"):
        raise errors.unsupported_operation(f"Operation {operation} is not supported.")
    return store.create_entity(realm_id, et.name, body, include=include)
