"""Token care: one refresh for many concurrent callers (threads and processes), secrets never in
clear or in logs."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from django.urls import reverse
from qbo_helpers import CLIENT_ID, qbo_environment, token_requests

from cellbooks.quickbooks import tokens
from cellbooks.quickbooks.models import Connection

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def test_concurrent_refreshes_from_threads_and_processes_make_exactly_one_token_request(
    qbo, tmp_path
):
    env = {
        **os.environ,
        **qbo_environment(qbo),
        # The real settings, as a deployment runs them: one data directory (one key file) and one
        # database file shared by every process.
        "DJANGO_SETTINGS_MODULE": "cellbooks.settings",
        "CELLBOOKS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
    }
    env.pop("CELLBOOKS_ENCRYPTION_KEY", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    issued = qbo.http.post(
        "/_emulator/tokens", json={"client_id": CLIENT_ID, "realm_id": qbo.realm}
    ).json()
    setup = subprocess.run(
        [sys.executable, str(HERE / "refresh_race.py"), "setup", json.dumps(issued), qbo.realm],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    connection_id = setup.stdout.strip().splitlines()[-1]
    before = len(token_requests(qbo))

    start_at = str(time.time() + 2.0)
    racers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "refresh_race.py"), "race", connection_id, "4", start_at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [racer.communicate(timeout=120) for racer in racers]

    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [r["errors"] for r in results] == [[], [], []], [err for _, err in outputs]
    handed_out = {token for r in results for token in r["tokens"]}
    assert sum(len(r["tokens"]) for r in results) == 12
    assert len(handed_out) == 1  # everyone got the one refreshed token
    assert len(token_requests(qbo)) == before + 1
    assert all(e["status"] == 200 for e in token_requests(qbo))


def test_no_token_appears_in_logs_or_in_the_database_in_clear(
    connected, qbo, company, caplog, django_db_blocker
):
    caplog.set_level(logging.DEBUG)
    connection = Connection.objects.get(company=company)
    Connection.objects.filter(pk=connection.pk).update(access_token_expires_at=None)
    tokens.access_token(connection.pk)  # a refresh, which logs that it happened
    connection.refresh_from_db()
    secrets = [connection.access_token, connection.refresh_token]

    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM quickbooks_connection")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert "Refreshed QuickBooks tokens" in caplog.text
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in stored


def test_work_pauses_rather_than_fails_while_reconnect_is_needed(connected, qbo, company):
    from cellbooks.quickbooks.errors import AuthorizationLostError

    connection = Connection.objects.get(company=company)
    tokens.mark_needs_reconnect(connection, reason="test")
    try:
        tokens.access_token(connection.pk)
    except AuthorizationLostError as exc:
        assert "Reconnect" in exc.hint
    else:
        raise AssertionError("a connection that needs reconnecting must not hand out tokens")
    page = connected.get(reverse("integrations")).content.decode()
    assert "Needs reconnect" in page
