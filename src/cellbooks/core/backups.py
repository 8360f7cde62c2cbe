"""Backups of a whole install, and restoring one: the database, uploaded files, and the encryption
key that the database's secrets need (``manage.py backup`` / ``manage.py restore``).

One ``.tar.gz`` holds:

- ``manifest.json``: when, which database, the migrations applied, what else is inside;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while Cellbooks runs) or
  ``database.dump`` (``pg_dump --format=custom``, consistent by PostgreSQL's snapshot);
- ``media/``: files people uploaded (company logos);
- ``encryption.key``: the key file that encrypts QuickBooks tokens at rest, when the keys come from
  that file. Without it a restored database's tokens cannot be decrypted and every company must
  reconnect QuickBooks — so the archive is as secret as the key: it is written readable by its
  owner only, and must be stored like a password. When the keys come from the environment
  (``CELLBOOKS_ENCRYPTION_KEY``), they are not written into the archive: keep them with it.

A restore goes into an empty database (or replaces one with ``--replace``) of the same kind.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
KEY_NAME = "encryption.key"


class BackupError(Exception):
    """Why a backup or a restore could not be done, in words for the person running it."""


@dataclass
class Restored:
    manifest: dict
    key_restored: bool
    key_set_aside: Path | None
    media_files: int


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _pg_env() -> tuple[list[str], dict]:
    params = connection.settings_dict
    args = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        args += ["--host", params["HOST"]]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", params["USER"]]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]  # the environment, never the command line
    return args, env


def _run(command: list[str], env: dict) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client programs "
            "(Debian: postgresql-client), the same major version as the server or newer."
        )
    result = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def _key_file() -> Path | None:
    """The key file in use (None when the keys come from the environment)."""
    if settings.CELLBOOKS_ENCRYPTION_KEYS:
        return None
    return Path(settings.CELLBOOKS_ENCRYPTION_KEY_FILE)


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def backup(destination: Path, *, include_key: bool = True) -> dict:
    """Write a backup archive to ``destination`` (mode 0600); return its manifest."""
    vendor = _vendor()
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    key_file = _key_file()
    key_included = bool(include_key and key_file and key_file.exists())
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="cellbooks-backup-") as scratch:
        dump = Path(scratch) / DUMPS[vendor]
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            args, env = _pg_env()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  "--file", str(dump), *args], env)  # fmt: skip
        media = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
        )
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": vendor,
            "migrations": _migrations(),
            "media_files": len(media),
            "encryption_key": "included" if key_included else (
                "from the environment: not in this backup" if key_file is None else "left out"
            ),
        }  # fmt: skip
        partial = destination.with_name(destination.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
                archive.add(dump, arcname=DUMPS[vendor])
                for path in media:
                    archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
                if key_included:
                    _add_bytes(archive, KEY_NAME, key_file.read_bytes())
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _has_data() -> bool:
    tables = set(connection.introspection.table_names())
    if "accounts_company" not in tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM accounts_company LIMIT 1")
        return cursor.fetchone() is not None


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The archive holds an unexpected entry: {member.name!r}.")
        members.append(member)
    return members


def restore(source: Path, *, replace: bool = False) -> Restored:
    """Restore a backup archive into this install's database (empty unless ``replace``), its
    media directory and, when the archive has one and the keys come from a file, the key file."""
    vendor = _vendor()
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    with tempfile.TemporaryDirectory(prefix="cellbooks-restore-") as scratch:
        scratch = Path(scratch)
        try:
            with tarfile.open(source, mode="r:gz") as archive:
                archive.extractall(scratch, members=_safe_members(archive), filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{source} is not a Cellbooks backup ({exc}).") from None
        try:
            manifest = json.loads((scratch / "manifest.json").read_text())
        except (OSError, ValueError):
            raise BackupError(f"{source} has no readable manifest.json.") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{source} is a backup format this Cellbooks does not read.")
        if manifest.get("database") != vendor:
            raise BackupError(
                f"This backup is of a {manifest.get('database')} database and this install uses "
                f"{vendor}: restore it into a {manifest.get('database')} install."
            )
        dump = scratch / DUMPS[vendor]
        if not dump.is_file():
            raise BackupError(f"{source} has no {DUMPS[vendor]}.")
        if _has_data() and not replace:
            raise BackupError(
                "This install's database already holds data: restore into an empty database, "
                "or pass --replace to overwrite it."
            )
        if vendor == "sqlite":
            connection.ensure_connection()
            backed_up = sqlite3.connect(dump)
            try:
                backed_up.backup(connection.connection)
            finally:
                backed_up.close()
        else:
            args, env = _pg_env()
            connections.close_all()
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", "--exit-on-error", *args, str(dump)], env)  # fmt: skip
        connections.close_all()
        media_files = 0
        if (scratch / "media").is_dir():
            media_root = Path(settings.MEDIA_ROOT)
            for path in (scratch / "media").rglob("*"):
                if path.is_file():
                    target = media_root / path.relative_to(scratch / "media")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
                    media_files += 1
        key_restored, set_aside = False, None
        key_file = _key_file()
        if (scratch / KEY_NAME).is_file() and key_file is not None:
            backed_up_key = (scratch / KEY_NAME).read_bytes()
            if key_file.exists() and key_file.read_bytes() != backed_up_key:
                # Never destroy a key: the one this install had is kept beside the restored one.
                stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
                set_aside = key_file.with_name(f"{key_file.name}.before-restore-{stamp}")
                os.replace(key_file, set_aside)
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(backed_up_key)
            key_restored = True
            # Whatever derived a cipher from the old key forgets it (as when settings change).
            setting_changed.send(
                sender=settings._wrapped.__class__,
                setting="CELLBOOKS_ENCRYPTION_KEY_FILE",
                value=key_file,
                enter=False,
            )
    return Restored(manifest, key_restored, set_aside, media_files)
