"""The ASGI application: the route tables of every part, in order, inside the layer that logs
requests and injects connection-level faults.

Routes: the Accounting API (``routes/v3.py``), the control plane (``routes/control.py``), the
OAuth server (``routes/oauth.py``), then the human UI (``ui/``; it mounts "/", so it comes last).
"""

from __future__ import annotations

from starlette.applications import Starlette

from . import ui
from .middleware import serve_with_faults
from .routes import control, oauth, v3


class EmulatorApp(Starlette):
    """Starlette plus the two things that must sit outside it: the request log and the
    connection-level faults, which need uvicorn's own ``receive``/``send``."""

    emulator = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.emulator is None:
            return await super().__call__(scope, receive, send)
        await serve_with_faults(self.emulator, super().__call__, scope, receive, send)


def create_app(emulator) -> Starlette:
    routes = [
        *v3.routes(emulator),
        *control.routes(emulator),
        *oauth.routes(emulator),
        *ui.routes(emulator),
    ]
    app = EmulatorApp(routes=routes)
    app.emulator = emulator
    app.state.emulator = emulator
    return app
