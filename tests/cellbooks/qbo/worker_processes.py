"""Real worker processes (`manage.py run_huey`) on a database of their own, on whatever the run is
on: a SQLite file with Huey on SQLite in `make test`; a fresh PostgreSQL database with the queue on
Redis in `make test-postgres` (the same servers as the run, a database and a queue name per test).

``Backend`` gives the processes' environment and reads their database with plain SQL (qmark
placeholders on both), so the test checks what the workers wrote, not what this process cached.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

from django.db import connection
from qbo_helpers import CLIENT_ID

ROOT = Path(__file__).resolve().parents[3]


class Backend:
    def __init__(self, tmp_path: Path, extra_env: dict):
        self.name = f"cbtest_{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path
        self.postgres = connection.vendor == "postgresql"
        env = {
            **os.environ,
            **extra_env,
            "DJANGO_SETTINGS_MODULE": "cellbooks.settings",
            "CELLBOOKS_DATA_DIR": str(tmp_path),
            "HUEY_NAME": self.name,
        }
        for name in ("CELLBOOKS_ENCRYPTION_KEY", "HUEY_IMMEDIATE"):
            env.pop(name, None)
        if self.postgres:
            params = connection.settings_dict
            self._server = {
                "host": params["HOST"] or "127.0.0.1",
                "port": params["PORT"] or 5432,
                "user": params["USER"],
                "password": params["PASSWORD"] or "",
            }
            self._admin(f'CREATE DATABASE "{self.name}"')
            auth = self._server["user"] + (
                f":{self._server['password']}" if self._server["password"] else ""
            )
            env["DATABASE_URL"] = (
                f"postgres://{auth}@{self._server['host']}:{self._server['port']}/{self.name}"
            )
            if not os.environ.get("REDIS_URL"):
                raise RuntimeError("the PostgreSQL run keeps the queue on Redis: set REDIS_URL")
        else:
            self.file = tmp_path / f"{self.name}.sqlite3"
            env["DATABASE_URL"] = f"sqlite:///{self.file}"
            env.pop("REDIS_URL", None)
        self.env = env
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )

    @property
    def description(self) -> str:
        return "PostgreSQL + Redis" if self.postgres else "SQLite + Huey on SQLite"

    def _admin(self, sql: str) -> None:
        import psycopg

        with closing(psycopg.connect(dbname="postgres", autocommit=True, **self._server)) as conn:
            conn.execute(sql)

    def rows(self, sql: str, *args) -> list[tuple]:
        if self.postgres:
            import psycopg

            with closing(psycopg.connect(dbname=self.name, **self._server)) as conn:
                return [tuple(row) for row in conn.execute(sql.replace("?", "%s"), args)]
        with closing(sqlite3.connect(self.file, timeout=30)) as conn:
            return conn.execute(sql, args).fetchall()

    def counts(self) -> dict:
        return dict(
            self.rows("SELECT status, COUNT(*) FROM quickbooks_syncrequest GROUP BY status")
        )

    def start_worker(self, log, **env) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_huey"],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run_script(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def bulk_sync_queued(self, qbo, *, purchase_orders: int, invoices: int) -> dict:
        """A connected company with this many received POs and open invoices (some partly paid),
        all queued as one bulk sync (chaos_setup.py, in the backend's own process); returns their
        ids by kind."""
        token = qbo.http.post(
            "/_emulator/tokens", json={"client_id": CLIENT_ID, "realm_id": qbo.realm}
        )
        made = self.run_script(
            str(Path(__file__).resolve().parent / "chaos_setup.py"),
            json.dumps(token.json()),
            qbo.realm,
            str(purchase_orders),
            str(invoices),
        )
        return json.loads(made.strip().splitlines()[-1])

    def manage(self, *args: str, check: bool = True, **env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            check=check,
            capture_output=True,
            text=True,
        )

    def wipe(self) -> None:
        """Lose the database and the data directory's key file, as a dead disk or server would."""
        if self.postgres:
            self._admin(f'DROP DATABASE "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.file}{suffix}").unlink(missing_ok=True)
        (Path(self.env["CELLBOOKS_DATA_DIR"]) / "encryption.key").unlink(missing_ok=True)

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            import redis

            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            keys = list(client.scan_iter(f"*{self.name}*"))
            if keys:
                client.delete(*keys)
            client.close()
