"""Attachable: notes and files linked to transactions or list records. Files come in through
``POST /upload`` (multipart, parsed in ``uploads.py``) and their bytes are kept with the company;
``GET /download/{id}`` answers a temporary URL that serves them."""

from __future__ import annotations

from .. import errors
from .base import EntityType, Realm

CATEGORIES = ("Contact Photo", "Document", "Image", "Receipt", "Signature", "Sound", "Other")
MAX_FILE_BYTES = 100 * 1024 * 1024  # QBO's limit per attachment


class AttachableType(EntityType):
    name = "Attachable"
    kind = "txn"
    deletable = True
    computed = (
        "FileAccessUri",
        "TempDownloadUri",
        "Size",
        "ThumbnailFileAccessUri",
        "ThumbnailTempDownloadUri",
    )
    lengths = {
        "FileName": 1000,
        "Note": 2000,
        "Category": 100,
        "ContentType": 100,
        "PlaceName": 2000,
        "Tag": 2000,
        "Lat": 100,
        "Long": 100,
    }

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        if not record.get("FileName") and not record.get("Note"):
            raise errors.required_param("Note")
        super().validate(realm, record, old)
        if record.get("Category") and record["Category"] not in CATEGORIES:
            raise errors.invalid_enum("Category", record["Category"])
        for ref in record.get("AttachableRef", []):
            entity = ref.get("EntityRef") or {}
            kind, value = entity.get("type"), entity.get("value")
            if not kind or value in (None, ""):
                raise errors.required_param("AttachableRef.EntityRef")
            target = realm.entity_name(kind)
            if target is None or realm.find(target, value) is None:
                raise errors.invalid_reference("AttachableRef.EntityRef")
            entity["type"] = target
            entity["value"] = str(value)

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        if old is not None:
            for field in ("Size", "FileAccessUri", "ContentType"):
                if field in old:
                    record[field] = old[field]

    def after_commit(self, realm: Realm, record: dict | None, old: dict | None) -> None:
        if record is None and old is not None:
            realm.files.pop(old["Id"], None)

    presents = True

    def present(self, realm: Realm, record: dict) -> dict:
        """File attachments answer their download addresses."""
        if record.get("Id") in realm.files:
            base = realm.base_url
            record["FileAccessUri"] = f"/v3/company/{realm.realm_id}/download/{record['Id']}"
            record["TempDownloadUri"] = (
                f"{base}/_emulator/files/{realm.realm_id}/{record['Id']}"
                f"?token={realm.files[record['Id']]['token']}"
            )
        return record
