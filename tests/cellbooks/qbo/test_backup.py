"""Backup and restore, as an operator runs them (`manage.py backup` / `restore`, the real settings,
a database of its own — SQLite, or PostgreSQL in `make test-postgres`): back up, lose the database
and the key file, restore; the same documents and QuickBooks links come back and the tokens still
decrypt. A restore with the wrong key says so."""

import json
import stat
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from qbo_helpers import CLIENT_ID, qbo_environment
from worker_processes import Backend

HERE = Path(__file__).resolve().parent

SNAPSHOT = {
    "purchase_orders": "SELECT id, number, status, vendor_id FROM inventory_purchaseorder ORDER BY id",
    "invoices": "SELECT id, number, status, total, amount_paid FROM inventory_invoice ORDER BY id",
    "devices": "SELECT id, identifier, status, cost FROM inventory_device ORDER BY id",
    "payments": "SELECT id, invoice_id, amount, source FROM inventory_payment ORDER BY id",
    "bindings": "SELECT kind, local_id, qbo_entity, qbo_id, qbo_total FROM quickbooks_binding"
    " ORDER BY kind, local_id",
    "tokens": "SELECT access_token_encrypted, refresh_token_encrypted FROM quickbooks_connection",
}

TOKENS = """
import django, json
django.setup()
from cellbooks.quickbooks.models import Connection
c = Connection.objects.get()
print(json.dumps({"access": c.access_token, "refresh": c.refresh_token}))
"""


@pytest.fixture
def backend(qbo, tmp_path):
    made = Backend(tmp_path, {**qbo_environment(qbo), "LOG_LEVEL": "WARNING"})
    yield made
    made.drop()


def snapshot(backend) -> dict:
    return {
        name: [tuple(map(str, row)) for row in backend.rows(sql)] for name, sql in SNAPSHOT.items()
    }


def test_a_backup_restores_documents_links_and_tokens_that_decrypt(qbo, backend, tmp_path):
    issued = qbo.http.post(
        "/_emulator/tokens", json={"client_id": CLIENT_ID, "realm_id": qbo.realm}
    ).json()
    backend.run_script(str(HERE / "chaos_setup.py"), json.dumps(issued), qbo.realm, "4", "4")
    backend.manage("qbo_sync", "--all")
    before = snapshot(backend)
    kinds = Counter(row[0] for row in before["bindings"])
    # 4 POs, 4 invoices, their 3 vendors and 4 customers, 2 payments typed in Cellbooks
    assert kinds == {"purchase_order": 4, "invoice": 4, "vendor": 3, "customer": 4, "payment": 2}
    assert len(before["devices"]) > 8 and len(before["tokens"]) == 1

    archive = tmp_path / "backups" / "nightly.tar.gz"
    made = backend.manage("backup", str(archive))
    assert "encryption key: included" in made.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())
    dump = "database.dump" if backend.postgres else "database.sqlite3"
    assert {"manifest.json", dump, "encryption.key"} <= names
    assert manifest["database"] == ("postgresql" if backend.postgres else "sqlite")
    assert manifest["migrations"]["quickbooks"] and manifest["encryption_key"] == "included"

    # Lose everything; a restore with some other key restores, but says the tokens are lost.
    backend.wipe()
    wrong = backend.manage(
        "restore",
        str(archive),
        check=False,
        CELLBOOKS_ENCRYPTION_KEY=Fernet.generate_key().decode(),
    )
    assert wrong.returncode == 1
    assert "cannot be decrypted with this install's encryption key" in wrong.stderr
    assert "Chaos Monkeys Wholesale" in wrong.stderr

    # Lose everything again; the real restore brings back the same rows and a key that works.
    backend.wipe()
    restored = backend.manage("restore", str(archive))
    assert "the encryption key file" in restored.stdout
    assert snapshot(backend) == before
    tokens = json.loads(backend.run_script("-c", TOKENS).strip().splitlines()[-1])
    assert tokens == {"access": issued["access_token"], "refresh": issued["refresh_token"]}

    # The restored connection works: a sync of something new reaches QuickBooks with those tokens.
    again = backend.manage("qbo_sync", "--all")
    assert "Nothing to sync" in again.stdout

    # Restoring over data needs --replace.
    refused = backend.manage("restore", str(archive), check=False)
    assert refused.returncode == 1 and "already holds data" in refused.stderr
    assert backend.manage("restore", "--replace", str(archive)).returncode == 0
    assert snapshot(backend) == before


def test_a_file_that_is_not_a_backup_is_refused_in_words(db, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="is not a Cellbooks backup"):
        call_command("restore", str(junk))
    with pytest.raises(CommandError, match="There is no backup at"):
        call_command("restore", str(tmp_path / "nope.tar.gz"))
