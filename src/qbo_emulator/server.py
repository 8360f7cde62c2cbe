"""Run the emulator: in a background thread on a free port (tests, tools) or in the
foreground (``qbo-emulator serve``)."""

from __future__ import annotations

import threading
import time

import uvicorn

from .app import create_app
from .core import Emulator


class RunningEmulator:
    """A server started by ``run_in_thread``; a context manager that stops it on exit."""

    def __init__(
        self, emulator: Emulator, server: uvicorn.Server, thread: threading.Thread, url: str
    ):
        self.emulator = emulator
        self.url = url
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.emulator.save()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def uvicorn_config(emulator: Emulator, host: str, port: int, **extra) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(emulator),
        host=host,
        port=port,
        log_level=extra.pop("log_level", "warning"),
        access_log=False,
        lifespan="off",
        # Connection resets (faults.py) rely on the h11 protocol's request cycle.
        http="h11",
        timeout_keep_alive=30,
        **extra,
    )


def run_in_thread(
    emulator: Emulator | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningEmulator:
    emulator = emulator or Emulator()
    server = uvicorn.Server(uvicorn_config(emulator, host, port))
    thread = threading.Thread(target=server.run, name="qbo-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the QBO emulator did not start")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://{host}:{bound_port}"
    emulator.base_url = url
    return RunningEmulator(emulator, server, thread, url)


class _SavingServer(uvicorn.Server):
    """Flushes state as part of uvicorn's graceful shutdown: uvicorn re-raises SIGTERM/SIGINT
    after ``run`` returns, so a ``finally`` around ``run`` would never execute."""

    emulator: Emulator

    async def shutdown(self, sockets=None) -> None:
        await super().shutdown(sockets)
        self.emulator.save()


def serve(emulator: Emulator, host: str, port: int) -> None:
    """Serve in the foreground until interrupted; state is flushed on the way out."""
    emulator.base_url = f"http://{host}:{port}"
    server = _SavingServer(uvicorn_config(emulator, host, port, log_level="info"))
    server.emulator = emulator
    server.run()
