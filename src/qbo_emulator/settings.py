"""The emulator's tunable behaviour (``GET``/``PUT /_emulator/settings``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class EmulatorSettings:
    latency_ms: float = 0.0  # added to every /v3 request
    rate_limits_enabled: bool = False
    requests_per_minute: int = 500  # per realm and app
    requests_per_second: int = 10  # per realm and app
    batch_per_minute: int = 40  # per realm and app
    # Shrinks limit windows, webhook retry schedules and latency: 10 means "ten times faster".
    time_scale: float = 1.0
    access_token_lifetime: int = 3600  # seconds
    refresh_token_lifetime: int = 100 * 24 * 3600
    # Like Intuit, a refresh answers the same refresh token value while it is younger than this;
    # an older one is rotated (a new value). ``strict_rotation`` rotates on every refresh.
    refresh_token_keep: int = 24 * 3600
    strict_rotation: bool = False
    # After a refresh rotates the refresh token, the previous one still works for this many
    # seconds (returning the same new pair); after that it answers invalid_grant.
    refresh_token_grace: int = 120
    webhooks_enabled: bool = True
    webhook_timeout: float = 3.0  # Intuit gives a receiver 3 s

    def update(self, values: dict) -> None:
        for key, value in values.items():
            if not hasattr(self, key):
                raise KeyError(key)
            current = getattr(self, key)
            setattr(self, key, type(current)(value) if current is not None else value)

    def as_dict(self) -> dict:
        return asdict(self)
