"""Realms (QBO companies) and their entities: moto's "backend per account".

Public API (used by the HTTP routes, the UI and the OAuth consent page — keep it stable):
``companies``, ``create_company``, ``company``, ``create_entity``, ``update_entity``,
``delete_entity``, ``void_entity``, ``get_entity``, ``list_entities``, ``query``, ``cdc``,
``report``, ``create_tax_code``, ``set_exchange_rate``/``get_exchange_rate``, ``upload``/``file``,
``save``/``load``/``reset``. Every method raises ``errors.QBOError`` with QBO's real code.

Concurrency: every read and write holds ``emulator.lock`` (one RLock; the GIL serialises the
work anyway). Records are copy-on-write — a write stores a new dict and never mutates a stored
one — so a caller may serialise what it got back after the lock is released.

Every committed create/update/delete/void is reported, after the lock is released, through
``on_change(realm_id, entity_name, entity_id, operation, updated_at)`` where ``updated_at`` is a
timezone-aware datetime; it calls ``emulator.webhooks.notify`` with the same arguments.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import errors, sample
from .cdc import run_cdc
from .clock import meta_time, response_time
from .entities import (
    REGISTRY,
    attachable,
    banking,
    currency,
    entity_type,
    find_entity_type,
    seed,
    tax,
)
from .entities.base import EntityType
from .jsonutil import clone, dumps, loads
from .query import run_query
from .reports import run_report

COUNTRY_TIMEZONES = {
    "US": "America/Los_Angeles",  # sandbox companies live in Pacific time
    "CA": "America/Toronto",
    "GB": "Europe/London",
    "UK": "Europe/London",
    "AU": "Australia/Sydney",
    "IN": "Asia/Kolkata",
    "FR": "Europe/Paris",
}
PLANS = ("simple_start", "essentials", "plus", "advanced")
STATE_FILE = "store.json"
# Remembered requestid answers per company; the oldest are forgotten beyond this.
REPLAY_LIMIT = 10_000
# Deleted-record stubs are kept a little longer than CDC's 30-day window.
TOMBSTONE_DAYS = 31
logger = logging.getLogger("qbo_emulator")


class Realm:
    """One company: its tables, id counter, document sequences, tombstones and replay cache.
    The entity rules see it through the ``entities.base.Realm`` protocol."""

    def __init__(self, store: Store, realm_id: str, meta: dict):
        self.store = store
        self.realm_id = realm_id
        self.meta = meta
        self.tz = ZoneInfo(
            meta.get("timezone") or COUNTRY_TIMEZONES.get(meta.get("country", "US"), "UTC")
        )
        self.tables: dict[str, dict[str, dict]] = {name: {} for name in REGISTRY}
        self.next_id = 1
        self.sequences: dict[str, int] = {}
        # Deleted transactions, for CDC: {"entity", "Id", "LastUpdatedTime", "ts"}.
        self.tombstones: list[dict] = []
        # requestid -> {"fingerprint", "status", "body"} (docs/intuit-api.md §1.4).
        self.replays: dict[str, dict] = {}
        # Derived lookups (name uniqueness, payment applications); rebuilt on demand.
        self.indexes: dict = {}
        # Changes made while handling the current write, reported after the lock is released.
        self.pending: list[tuple] | None = None
        # Attachable Id -> {"content": base64 of the file, "token": for its download URL}.
        self.files: dict[str, dict] = {}

    # --- helpers the entity modules use ------------------------------------------------------

    @property
    def emulator(self):
        return self.store.emulator

    def now(self) -> datetime:
        return self.emulator.clock.now()

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    def entity_name(self, name: str) -> str | None:
        """The canonical entity name for ``name`` in any case ("invoice" -> "Invoice")."""
        et = find_entity_type(name)
        return et.name if et is not None else None

    def today(self) -> str:
        return self.now().astimezone(self.tz).date().isoformat()

    def table(self, entity: str) -> dict[str, dict]:
        return self.tables[entity]

    def find(self, entity: str, entity_id: Any) -> dict | None:
        return self.tables[entity].get(str(entity_id))

    def allocate_id(self) -> str:
        value = self.next_id
        self.next_id += 1
        return str(value)

    def next_doc_number(self, sequence: str, start: int = 1001) -> str:
        value = self.sequences.get(sequence, start)
        self.sequences[sequence] = value + 1
        return str(value)

    @property
    def preferences(self) -> dict:
        return self.tables["Preferences"].get("1", {})

    def other_pref(self, name: str) -> str | None:
        for pair in self.preferences.get("OtherPrefs", {}).get("NameValue", []):
            if pair.get("Name") == name:
                return pair.get("Value")
        return None

    def resolve_ref(self, key: str, target: str, ref: dict, *, pseudo: set[str]) -> None:
        value = ref["value"]
        if value in pseudo:
            return
        found = self.find(target, value)
        if found is None:
            raise errors.invalid_reference(key)
        if found.get("Active") is False:
            raise errors.object_not_found(element=key)
        name = entity_type(target).display_name(found)
        if name is not None:
            ref["name"] = name

    def touch(
        self, entity: str, record: dict, operation: str = "Update", *, bump: bool = True
    ) -> dict:
        """Store a changed copy of a record another write affected (e.g. an invoice's balance
        after a payment): a new SyncToken and LastUpdatedTime, and a change report."""
        if bump:
            record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
            # A new MetaData dict: ``record`` is often a shallow copy sharing the stored one's.
            record["MetaData"] = {
                **record.get("MetaData", {}),
                "LastUpdatedTime": meta_time(self.now(), self.tz),
            }
        self.tables[entity][record["Id"]] = record
        if bump and self.pending is not None:
            self.pending.append((self.realm_id, entity, record["Id"], operation, self.now()))
        return record

    # --- persistence -------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "realmId": self.realm_id,
            "meta": self.meta,
            "tables": self.tables,
            "next_id": self.next_id,
            "sequences": self.sequences,
            "tombstones": self.tombstones,
            "replays": self.replays,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, store: Store, data: dict) -> Realm:
        realm = cls(store, data["realmId"], data["meta"])
        for name, rows in data.get("tables", {}).items():
            if name in realm.tables:
                realm.tables[name] = rows
        realm.next_id = data.get("next_id", 1)
        realm.sequences = data.get("sequences", {})
        realm.tombstones = data.get("tombstones", [])
        realm.replays = data.get("replays", {})
        realm.files = data.get("files", {})
        return realm


class _Flusher:
    """Debounced background save: writes are cheap, the JSON dump happens at most every
    ``delay`` seconds on its own thread, plus once more on shutdown (``Emulator.save``)."""

    def __init__(self, emulator, delay: float = 0.3):
        self.emulator = emulator
        self.delay = delay
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def request(self) -> None:
        if not self.emulator.data_dir:
            return
        with self._guard:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="qbo-emulator-flush", daemon=True
                )
                self._thread.start()
            # Set under the guard, so an idle thread cannot exit between our check and this.
            self._wake.set()

    def _run(self) -> None:
        while True:
            if not self._wake.wait(timeout=30):
                with self._guard:
                    if not self._wake.is_set():
                        self._thread = None  # idle: a later write starts a new thread
                        return
            self._wake.clear()
            time.sleep(self.delay)  # let a burst of writes share one save
            try:
                self.emulator.save()
            except Exception:  # noqa: BLE001 - logged; the next write retries the save
                logger.exception("saving the emulator state failed")


class Store:
    def __init__(self, emulator):
        self.emulator = emulator
        self.realms: dict[str, Realm] = {}
        self._next_realm = 9341452000000001
        self._flusher = _Flusher(emulator)

    # --- companies ---------------------------------------------------------------------------

    def companies(self) -> list[dict]:
        with self.emulator.lock:
            return [{"realmId": r.realm_id, **clone(r.meta)} for r in self.realms.values()]

    def company(self, realm_id: str) -> dict:
        return {"realmId": realm_id, **clone(self.realm(realm_id).meta)}

    def has_realm(self, realm_id: str) -> bool:
        return realm_id in self.realms

    def create_company(
        self,
        *,
        name: str,
        plan: str = "plus",
        country: str = "US",
        home_currency: str = "USD",
        multicurrency: bool = False,
        custom_txn_numbers: bool = True,
        purchase_orders_enabled: bool | None = None,
        realm_id: str | None = None,
        sample_data: bool = False,
    ) -> str:
        """A new company: the chart of accounts, terms, payment methods, tax codes,
        CompanyInfo and Preferences of a fresh QBO company; with ``sample_data`` also the
        customers, vendors, items, tax rates and transactions of a sandbox-like one
        (``sample.py``)."""
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        if purchase_orders_enabled is None:
            purchase_orders_enabled = plan in ("plus", "advanced")
        with self.emulator.lock:
            if realm_id is None:
                while str(self._next_realm) in self.realms:
                    self._next_realm += 1
                realm_id = str(self._next_realm)
                self._next_realm += 1
            meta = {
                "name": name,
                "plan": plan,
                "country": country,
                "home_currency": home_currency,
                "multicurrency": bool(multicurrency),
                "custom_txn_numbers": bool(custom_txn_numbers),
                "purchase_orders_enabled": bool(purchase_orders_enabled),
                "created": self.emulator.clock.now().isoformat(),
            }
            realm = Realm(self, realm_id, meta)
            self.realms[realm_id] = realm
            seed.seed_company(realm)
            if sample_data:
                meta["sample_data"] = True
                sample.build(self, realm_id)
        self.mark_dirty()
        return realm_id

    def realm(self, realm_id: str) -> Realm:
        realm = self.realms.get(str(realm_id))
        if realm is None:
            # [U] What QBO answers for an unknown realm behind a valid token; see docs.
            raise errors.QBOError(
                403,
                3100,
                "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                f"Unknown company (realmId {realm_id})",
                fault_type="AuthorizationFault",
            )
        return realm

    # --- writes ------------------------------------------------------------------------------

    @contextmanager
    def _writing(self, realm_id: str):
        """Hold the lock while a write runs; report its changes after releasing it."""
        with self.emulator.lock:
            realm = self.realm(realm_id)
            if realm.pending is not None:
                # Nested inside another write of this company: that one reports.
                yield realm
                return
            realm.pending = []
            try:
                yield realm
                changes = realm.pending
            finally:
                realm.pending = None
                realm.indexes["books_stale"] = True  # entities/ledger.py refreshes on next use
        self.mark_dirty()
        for change in changes:
            self.on_change(*change)

    def on_change(self, realm_id, entity_name, entity_id, operation, updated_at) -> None:
        self.emulator.webhooks.notify(realm_id, entity_name, entity_id, operation, updated_at)

    def mark_dirty(self) -> None:
        self._flusher.request()

    def create_entity(
        self, realm_id: str, entity: str, payload: dict, *, include: tuple[str, ...] = ()
    ) -> dict:
        et = entity_type(entity)
        with self._writing(realm_id) as realm:
            if not et.creatable:
                raise errors.unsupported_operation(
                    f"Operation Create is not supported for {et.name}."
                )
            record = et.clean(payload)
            record = et.prepare(realm, record, None)
            et.check_doc_number(realm, record, include)
            now = realm.now()
            stamp = meta_time(now, realm.tz)
            record = {
                "Id": realm.allocate_id(),
                "SyncToken": "0",
                "domain": "QBO",
                "sparse": False,
                **record,
                "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
            }
            record = et.order(record)
            realm.tables[et.name][record["Id"]] = record
            realm.pending.append((realm.realm_id, et.name, record["Id"], "Create", now))
            et.reindex(realm, record, None)
            et.after_commit(realm, record, None)
            return et.present(realm, clone(realm.tables[et.name][record["Id"]]))

    def update_entity(
        self,
        realm_id: str,
        entity: str,
        payload: dict,
        sparse: bool = True,
        *,
        include: tuple[str, ...] = (),
        check_sync_token: bool = True,
    ) -> dict:
        et = entity_type(entity)
        with self._writing(realm_id) as realm:
            if not et.updatable:
                raise errors.unsupported_operation(
                    f"Operation Update is not supported for {et.name}."
                )
            old = self._current(realm, et, payload, check_sync_token=check_sync_token)
            data = et.clean(payload)
            record = et.merge(old, data, sparse=sparse)
            record = et.prepare(realm, record, old)
            et.check_doc_number(realm, record, include)
            now = realm.now()
            record["SyncToken"] = str(int(old["SyncToken"]) + 1)
            record["sparse"] = False
            record["MetaData"] = {
                "CreateTime": old["MetaData"]["CreateTime"],
                "LastUpdatedTime": meta_time(now, realm.tz),
            }
            record = et.order(record)
            realm.tables[et.name][record["Id"]] = record
            realm.pending.append((realm.realm_id, et.name, record["Id"], "Update", now))
            et.reindex(realm, record, old)
            et.after_commit(realm, record, old)
            return et.present(realm, clone(realm.tables[et.name][record["Id"]]))

    def delete_entity(
        self, realm_id: str, entity: str, entity_id: str, *, sync_token: Any = None
    ) -> dict:
        """Hard-delete a transaction. ``sync_token=None`` skips the stale check (UI use)."""
        et = entity_type(entity)
        with self._writing(realm_id) as realm:
            if not et.deletable:
                raise errors.unsupported_operation(
                    f"Operation Delete is not supported for {et.name}."
                )
            old = self._current(
                realm,
                et,
                {"Id": entity_id, "SyncToken": sync_token},
                check_sync_token=sync_token is not None,
            )
            banking.refuse_if_deposited(realm, et.name, old["Id"])
            now = realm.now()
            horizon = now.timestamp() - TOMBSTONE_DAYS * 86400
            realm.tombstones = [t for t in realm.tombstones if t["ts"] >= horizon]
            del realm.tables[et.name][old["Id"]]
            realm.tombstones.append(
                {
                    "entity": et.name,
                    "Id": old["Id"],
                    "LastUpdatedTime": meta_time(now, realm.tz),
                    "ts": now.timestamp(),
                }
            )
            realm.pending.append((realm.realm_id, et.name, old["Id"], "Delete", now))
            et.reindex(realm, None, old)
            et.after_commit(realm, None, old)
            # [U] The delete answer (docs/intuit-api.md §11): a stub with status "Deleted".
            return {"status": "Deleted", "domain": "QBO", "Id": old["Id"]}

    def void_entity(
        self, realm_id: str, entity: str, entity_id: str, *, sync_token: Any = None
    ) -> dict:
        et = entity_type(entity)
        with self._writing(realm_id) as realm:
            if not et.voidable:
                raise errors.unsupported_operation(
                    f"Operation Void is not supported for {et.name}."
                )
            old = self._current(
                realm,
                et,
                {"Id": entity_id, "SyncToken": sync_token},
                check_sync_token=sync_token is not None,
            )
            banking.refuse_if_deposited(realm, et.name, old["Id"])
            record = et.on_void(realm, clone(old))
            now = realm.now()
            record["SyncToken"] = str(int(old["SyncToken"]) + 1)
            record["MetaData"] = {
                "CreateTime": old["MetaData"]["CreateTime"],
                "LastUpdatedTime": meta_time(now, realm.tz),
            }
            record = et.order(record)
            realm.tables[et.name][record["Id"]] = record
            realm.pending.append((realm.realm_id, et.name, record["Id"], "Void", now))
            et.after_commit(realm, record, old)
            return et.present(realm, clone(record))

    def mark_sent(self, realm_id: str, entity: str, entity_id: str, address: str) -> dict:
        """POST /{entity}/{id}/send: EmailStatus EmailSent, DeliveryInfo, BillEmail = sendTo."""
        et = entity_type(entity)
        with self._writing(realm_id) as realm:
            old = self._current(realm, et, {"Id": entity_id}, check_sync_token=False)
            record = clone(old)
            record["EmailStatus"] = "EmailSent"
            record["BillEmail"] = {"Address": address}
            record["DeliveryInfo"] = {
                "DeliveryType": "Email",
                "DeliveryTime": meta_time(realm.now(), realm.tz),
            }
            realm.touch(et.name, record)
            return clone(record)

    # --- the endpoints that are not one entity's POST ----------------------------------------

    def create_tax_code(self, realm_id: str, body: dict) -> dict:
        """POST /taxservice/taxcode: a tax code over new or existing rates (``entities/tax``)."""
        with self._writing(realm_id) as realm:
            result = tax.create_tax_code(
                realm, body, realm.allocate_id, meta_time(realm.now(), realm.tz)
            )
            realm.pending.append(
                (realm.realm_id, "TaxCode", result["TaxCodeId"], "Create", realm.now())
            )
            return result

    def set_exchange_rate(self, realm_id: str, payload: dict) -> dict:
        """POST /exchangerate: set the rate of a currency on a date (created or replaced)."""
        with self._writing(realm_id) as realm:
            key, body = currency.clean_rate(realm, payload)
            old = realm.find("ExchangeRate", key)
            if old is not None and payload.get("SyncToken") not in (None, ""):
                if str(payload["SyncToken"]).strip() != old["SyncToken"]:
                    raise errors.stale_object()
            record = {
                "Id": key,
                "SyncToken": str(int(old["SyncToken"]) + 1) if old else "0",
                "domain": "QBO",
                "sparse": False,
                **body,
                "MetaData": {"LastUpdatedTime": meta_time(realm.now(), realm.tz)},
            }
            realm.tables["ExchangeRate"][key] = record
            return entity_type("ExchangeRate").present(realm, clone(record))

    def get_exchange_rate(self, realm_id: str, source: str, as_of: str | None) -> dict:
        with self.emulator.lock:
            realm = self.realm(realm_id)
            currency.require_multicurrency(realm)
            if not source:
                raise errors.required_param("sourcecurrencycode")
            record = currency.find_rate(realm, source, as_of)
            if record is None:
                raise errors.object_not_found(element="sourcecurrencycode")
            return entity_type("ExchangeRate").present(realm, clone(record))

    def upload(self, realm_id: str, files: list[dict]) -> list[dict]:
        """POST /upload: each ``{"metadata": dict | None, "filename", "content_type",
        "content": bytes}`` becomes an Attachable with its file kept for download."""
        et = entity_type("Attachable")
        results = []
        for item in files:
            metadata = dict(item.get("metadata") or {})
            metadata.setdefault("FileName", item.get("filename") or "attachment")
            metadata.setdefault(
                "ContentType", item.get("content_type") or "application/octet-stream"
            )
            content = item["content"]
            if len(content) > attachable.MAX_FILE_BYTES:
                raise errors.business_validation("The file is larger than 100 MB.", "file_content")
            with self._writing(realm_id) as realm:
                record = self.create_entity(realm_id, et.name, metadata)
                realm.files[record["Id"]] = {
                    "content": base64.b64encode(content).decode("ascii"),
                    "token": secrets.token_urlsafe(16),
                }
                stored = dict(realm.tables[et.name][record["Id"]])
                stored["Size"] = len(content)
                realm.tables[et.name][record["Id"]] = stored
                results.append(et.present(realm, clone(stored)))
        return results

    def file(
        self, realm_id: str, attachable_id: str, token: str | None = None
    ) -> tuple[dict, bytes]:
        """An uploaded file: (its Attachable, its bytes). With ``token``, it must match."""
        with self.emulator.lock:
            realm = self.realm(realm_id)
            entry = realm.files.get(str(attachable_id))
            record = realm.find("Attachable", attachable_id)
            if entry is None or record is None:
                raise errors.object_not_found(deleted_txn=True)
            if token is not None and not secrets.compare_digest(entry["token"], token):
                raise errors.object_not_found(deleted_txn=True)
            present = entity_type("Attachable").present(realm, clone(record))
            return present, base64.b64decode(entry["content"])

    def _current(
        self, realm: Realm, et: EntityType, payload: dict, *, check_sync_token: bool
    ) -> dict:
        entity_id = payload.get("Id")
        if entity_id is None or entity_id == "":
            raise errors.required_param("Id")
        if et.kind == "singleton":
            entity_id = "1"
        old = realm.find(et.name, entity_id)
        if old is None:
            raise errors.object_not_found(deleted_txn=et.kind == "txn", element="Id")
        if check_sync_token:
            token = payload.get("SyncToken")
            if token is None or token == "":
                raise errors.required_param("SyncToken")
            if str(token).strip() != old["SyncToken"]:
                raise errors.stale_object()
        return old

    # --- reads -------------------------------------------------------------------------------

    def get_entity(self, realm_id: str, entity: str, entity_id: str) -> dict:
        et = entity_type(entity)
        with self.emulator.lock:
            realm = self.realm(realm_id)
            if et.kind == "singleton":
                entity_id = "1"
            record = realm.find(et.name, entity_id)
            if record is None:
                raise errors.object_not_found(deleted_txn=et.kind == "txn")
            return et.present(realm, clone(record))

    def list_entities(self, realm_id: str, entity: str) -> list[dict]:
        et = entity_type(entity)
        with self.emulator.lock:
            realm = self.realm(realm_id)
            rows = sorted(realm.table(et.name).values(), key=lambda r: _id_key(r.get("Id")))
            return [et.present(realm, clone(r)) for r in rows]

    def rows(self, realm_id: str, entity: str) -> list[dict]:
        """The stored records themselves (no copies; never mutate them)."""
        with self.emulator.lock:
            return list(self.realm(realm_id).table(entity_type(entity).name).values())

    def time(self, realm_id: str) -> str:
        realm = self.realms.get(realm_id)
        tz = realm.tz if realm else ZoneInfo("America/Los_Angeles")
        return response_time(self.emulator.clock.now(), tz)

    def query(self, realm_id: str, statement: str) -> dict:
        with self.emulator.lock:
            return run_query(self.realm(realm_id), statement)

    def report(self, realm_id: str, name: str, params: dict) -> dict:
        with self.emulator.lock:
            return run_report(self.realm(realm_id), name, params)

    def cdc(self, realm_id: str, entities: str, changed_since: str) -> list[dict]:
        with self.emulator.lock:
            return run_cdc(self.realm(realm_id), entities, changed_since)

    # --- requestid replay --------------------------------------------------------------------

    def replay(self, realm_id: str, request_id: str) -> dict | None:
        with self.emulator.lock:
            realm = self.realms.get(realm_id)
            return realm.replays.get(request_id) if realm else None

    def remember(self, realm_id: str, request_id: str, entry: dict) -> None:
        with self.emulator.lock:
            realm = self.realms.get(realm_id)
            if realm is not None:
                realm.replays[request_id] = entry
                while len(realm.replays) > REPLAY_LIMIT:
                    del realm.replays[next(iter(realm.replays))]
        self.mark_dirty()

    # --- persistence -------------------------------------------------------------------------

    def save(self, data_dir) -> None:
        with self.emulator.lock:
            state = {
                "next_realm": self._next_realm,
                "realms": [r.to_json() for r in self.realms.values()],
            }
            text = dumps(state)
        atomic_write(Path(data_dir) / STATE_FILE, text)

    def load(self, data_dir) -> None:
        path = Path(data_dir) / STATE_FILE
        if not path.exists():
            return
        state = loads(path.read_text(encoding="utf-8"))
        with self.emulator.lock:
            self._next_realm = state.get("next_realm", self._next_realm)
            self.realms = {}
            for data in state.get("realms", []):
                realm = Realm.from_json(self, data)
                self.realms[realm.realm_id] = realm

    def reset(self) -> None:
        with self.emulator.lock:
            self.realms.clear()
            self._next_realm = 9341452000000001


def _id_key(value: Any) -> tuple:
    text = str(value or "")
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
