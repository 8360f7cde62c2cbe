"""A real HTTP endpoint for webhook tests: records every POST (headers and raw body) and answers
with the statuses a test queues (200 once the queue is empty)."""

import json
import queue
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class EventInbox:
    def __init__(self, tls: ssl.SSLContext | None = None):
        """``tls``: serve HTTPS with this server context."""
        self.received: queue.Queue = queue.Queue()
        self.answers: queue.Queue = queue.Queue()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.received.put(({k.lower(): v for k, v in self.headers.items()}, body))
                try:
                    status = inbox.answers.get_nowait()
                except queue.Empty:
                    status = 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"not now")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}/hooks/cellbooks"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def answer(self, *statuses: int) -> None:
        for status in statuses:
            self.answers.put(status)

    def next(self, timeout: float = 10.0) -> tuple[dict, bytes]:
        return self.received.get(timeout=timeout)

    def all(self) -> list[tuple[dict, bytes]]:
        """What has arrived so far (deliveries are synchronous in tests: no waiting needed)."""
        items = []
        while True:
            try:
                items.append(self.received.get_nowait())
            except queue.Empty:
                return items

    @staticmethod
    def event(delivery: tuple[dict, bytes]) -> dict:
        return json.loads(delivery[1])

    def close(self):
        self.server.shutdown()
        self.server.server_close()
