"""Access tokens for the adapter: refreshed only when expired or after a 401, one refresher at a time.

Why this is careful: Intuit rotates refresh tokens. Two processes refreshing with the same refresh
token, or a rotated token that was never stored, is how other integrations end up disconnected
every few days. So:
  1. A refresh runs inside a database transaction that holds the connection row (``SELECT … FOR
     UPDATE`` on PostgreSQL; on SQLite the IMMEDIATE transaction takes the database write lock), so
     one process and one thread at a time refresh a connection. A process-local lock keeps the
     threads of one process from queueing on the database.
  2. Inside it, we re-read the row: if someone else already refreshed (the token generation moved
     and the access token is fresh), we use theirs and call Intuit not at all.
  3. The new tokens are committed before the access token is handed to anyone.
  4. ``invalid_grant`` marks the connection Needs reconnect (committed), and work pauses.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from . import oauth
from .config import QBOConfig, load_config
from .errors import AuthorizationLostError, NotConnectedError
from .models import Connection

log = logging.getLogger(__name__)
_process_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_process_locks_guard = threading.Lock()


def _process_lock(connection_id: int) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks[connection_id]


def _usable(connection: Connection) -> None:
    if connection.needs_reconnect:
        raise AuthorizationLostError(detail=connection.status_reason)
    if not connection.is_connected or not connection.refresh_token_encrypted:
        raise NotConnectedError()


def access_token(connection_id: int, *, config: QBOConfig | None = None) -> tuple[str, int]:
    """Return a usable access token and its generation, refreshing only if it has expired."""
    connection = Connection.objects.get(pk=connection_id)
    _usable(connection)
    if connection.access_token_is_fresh():
        return connection.access_token, connection.token_generation
    return refresh(connection_id, stale_generation=connection.token_generation, config=config)


def refresh(
    connection_id: int, *, stale_generation: int, config: QBOConfig | None = None
) -> tuple[str, int]:
    """Refresh the tokens unless another thread or process already replaced ``stale_generation``."""
    config = config or load_config()
    lost: AuthorizationLostError | None = None
    with _process_lock(connection_id), transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_id)
        _usable(connection)
        if connection.token_generation != stale_generation and connection.access_token_is_fresh():
            return connection.access_token, connection.token_generation
        try:
            token = oauth.refresh(config, refresh_token=connection.refresh_token)
        except AuthorizationLostError as exc:
            mark_needs_reconnect(
                connection, reason=f"QuickBooks no longer accepts Cellbooks' sign-in ({exc.code})."
            )
            lost = exc
        else:
            connection.set_tokens(token)
            connection.save(
                update_fields=[
                    "access_token_encrypted",
                    "refresh_token_encrypted",
                    "access_token_expires_at",
                    "refresh_token_expires_at",
                    "token_generation",
                    "last_refreshed_at",
                    "updated_at",
                ]
            )
            log.info(
                "Refreshed QuickBooks tokens for connection %s (realm %s)",
                connection.pk,
                connection.realm_id,
            )
    if lost is not None:
        raise lost
    return connection.access_token, connection.token_generation


def mark_needs_reconnect(connection: Connection, *, reason: str) -> None:
    """Tokens are gone at Intuit: forget them, keep everything else, and say so everywhere."""
    connection.status = Connection.Status.NEEDS_RECONNECT
    connection.status_reason = reason[:500]
    connection.needs_reconnect_since = connection.needs_reconnect_since or timezone.now()
    connection.forget_tokens()
    connection.save()
    log.warning(
        "QuickBooks connection %s (realm %s) needs reconnecting: %s",
        connection.pk,
        connection.realm_id,
        reason,
    )
