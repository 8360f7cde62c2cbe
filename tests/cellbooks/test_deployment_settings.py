"""Settings a deployment sets from the environment, and the files the embedded mode creates."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps("
    "{k: getattr(s, k, None) for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER']}))"
)


def run_with(tmp_path, *args, **env):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cellbooks.settings",
        "CELLBOOKS_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT / "src"),
        **env,
    }
    for name in (
        "CELLBOOKS_HTTPS",
        "SECURE_HSTS_SECONDS",
        "DATABASE_URL",
        "REDIS_URL",
        "HUEY_NAME",
        "HUEY_IMMEDIATE",
    ):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_behind_tls_one_switch_turns_on_secure_cookies_the_redirect_and_hsts(tmp_path):
    shown = json.loads(run_with(tmp_path, "-c", SHOW, CELLBOOKS_HTTPS="1"))
    assert shown == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    shorter = json.loads(
        run_with(tmp_path, "-c", SHOW, CELLBOOKS_HTTPS="1", SECURE_HSTS_SECONDS="600")
    )
    assert shorter["SECURE_HSTS_SECONDS"] == 600


def test_without_it_nothing_assumes_https(tmp_path):
    shown = json.loads(run_with(tmp_path, "-c", SHOW))
    assert shown["SECURE_SSL_REDIRECT"] is False and shown["SECURE_HSTS_SECONDS"] == 0
    assert shown["SESSION_COOKIE_SECURE"] is False and shown["SECURE_PROXY_SSL_HEADER"] is None


def test_the_embedded_data_files_are_readable_by_their_owner_only(tmp_path):
    run_with(tmp_path, "manage.py", "migrate", "-v", "0")
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = sorted(p.name for p in data.iterdir())
    assert {"cellbooks.sqlite3", "huey.sqlite3", "secret_key"} <= set(files)
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in data.iterdir()}
    assert set(modes.values()) == {"0o600"}, modes


SCALE_OUT = """
import django, json
django.setup()
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "driver": type(connection.Database).__name__ + ":" + connection.Database.__name__,
    "huey": type(HUEY).__name__,
    "redis": HUEY.storage.conn.connection_pool.connection_kwargs["port"],
    "name": HUEY.name,
    "connections_kept": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "checked_before_reuse": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
}))
"""


def test_database_url_and_redis_url_are_the_only_step_to_scale_out(tmp_path):
    """The drivers come with the standard install: no import error, no other setting; database
    connections are kept between requests (and checked before reuse)."""
    shown = json.loads(
        run_with(
            tmp_path,
            "-c",
            SCALE_OUT,
            DATABASE_URL="postgres://cellbooks:secret@db.internal:5432/cellbooks",
            REDIS_URL="redis://queue.internal:6380/0",
        )
    )
    assert shown == {
        "engine": "django.db.backends.postgresql",
        "driver": "module:psycopg",
        "huey": "PriorityRedisHuey",
        "redis": 6380,
        "name": "cellbooks",
        # Each request must not open a new PostgreSQL connection (a webhook's cost triples).
        "connections_kept": 60,
        "checked_before_reuse": True,
    }
