"""The Emulator object: the one piece of state the HTTP routes, the control plane, the OAuth
server, the webhook dispatcher and the UI share. It composes the state parts; it serves nothing
(``app.create_app`` composes the routes around it).

Ownership (so each part stays in its own modules):
  - ``store``      (store.py, entities/, query.py, cdc.py, writes.py, batch.py): realms and their
    entities.
  - ``auth``       (auth/state.py, auth/signer.py): apps, authorization codes, access/refresh
    tokens, connections.
  - ``webhooks``   (webhooks.py): signs and delivers change notifications, keeps a delivery log.
  - ``faults``, ``limits`` (faults.py, limits.py); ``request_log`` (written by middleware.py).
  - ``clock``, ``settings`` (clock.py, settings.py).

Cross-part calls are exactly these (keep them stable):
  - ``emulator.auth.authenticate(bearer_token: str, realm_id: str) -> Grant`` raises
    ``auth.state.AuthError`` for a missing/expired/revoked token or a token for another realm.
  - ``emulator.store.on_change(realm_id, entity_name, entity_id, operation, updated_at)`` is how the
    store reports every committed create/update/delete/void/merge; it calls
    ``emulator.webhooks.notify(...)`` with the same arguments.
  - The UI and OAuth consent page read and write entities through the store's public methods only
    (``create_entity``, ``update_entity``, ``delete_entity``, ``void_entity``, ``get_entity``,
    ``list_entities``, ``companies``, ``create_company``), so every rule and webhook applies.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import demo
from .auth.state import AuthServer
from .clock import Clock
from .faults import FaultInjector
from .limits import RateLimiter
from .settings import EmulatorSettings
from .store import Store
from .webhooks import WebhookDispatcher

# Clock and EmulatorSettings lived here before they had modules of their own.
__all__ = ["Clock", "Emulator", "EmulatorSettings"]


class Emulator:
    def __init__(
        self, *, data_dir: str | Path | None = None, base_url: str = "http://127.0.0.1:8765"
    ):
        self.base_url = base_url.rstrip("/")
        self.data_dir = Path(data_dir) if data_dir else None
        self.lock = threading.RLock()
        self.clock = Clock()
        self.settings = EmulatorSettings()
        # Settings ``reset`` restores; the CLI records its command-line choices here.
        self.startup_settings: dict = {}
        self.store = Store(self)
        self.auth = AuthServer(self)
        self.webhooks = WebhookDispatcher(self)
        self.faults = FaultInjector(self)
        self.limits = RateLimiter(self)
        self.request_log: list[dict] = []
        if self.data_dir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.load()

    # Persistence: each part saves and loads its own JSON file under data_dir.
    def save(self) -> None:
        if not self.data_dir:
            return
        with self.lock:
            self.store.save(self.data_dir)
            self.auth.save(self.data_dir)
            self.webhooks.save(self.data_dir)

    def schedule_save(self) -> None:
        """A save soon: the store's debounced flusher writes every part's JSON shortly after (and
        ``save`` runs once more at shutdown), so a token request never waits for a full dump."""
        self.store.mark_dirty()

    def load(self) -> None:
        with self.lock:
            self.store.load(self.data_dir)
            self.auth.load(self.data_dir)
            self.webhooks.load(self.data_dir)

    def reset(self) -> None:
        with self.lock:
            self.store.reset()
            self.auth.reset()
            self.webhooks.reset()
            self.faults.reset()
            self.limits.reset()
            self.request_log.clear()
            self.clock = Clock()
            # Back to the settings the server started with (e.g. the CLI's rate limits on).
            self.settings = EmulatorSettings()
            self.settings.update(self.startup_settings)
        self.save()

    def load_demo(self, app_base: str | None = None) -> None:
        """Register the demo app (its URLs pointing at ``app_base``) and companies (idempotent)."""
        with self.lock:
            # Registering again updates the URLs, so a restart on another port keeps working.
            self.auth.register_app(
                client_id=demo.DEMO_CLIENT_ID,
                client_secret=demo.DEMO_CLIENT_SECRET,
                verifier_token=demo.DEMO_VERIFIER_TOKEN,
                webhook_format="cloudevents",
                name="Cellbooks",
                **demo.demo_app_urls(app_base),
            )
            existing = {c["name"] for c in self.store.companies()}
            for spec in demo.DEMO_COMPANIES:
                if spec["name"] not in existing:
                    self.store.create_company(**spec)
        self.save()
