"""``qbo-emulator``: the command line."""

from __future__ import annotations

import argparse
import sys

from .core import Emulator
from .server import serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qbo-emulator",
        description="A local, stateful QuickBooks Online (Accounting API v3 with reports, OAuth 2.0, webhooks) for development and tests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the emulator's HTTP server",
        description="Serve the QBO API at /v3/company/{realmId}/..., OAuth at /.well-known/..., "
        "the control plane at /_emulator/... and the UI at /.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8765, help="TCP port (default: 8765)")
    serve.add_argument(
        "--data",
        metavar="DIR",
        help="keep state as JSON files in DIR across restarts (default: in memory only)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="register the demo app and demo companies, one of them with sample data like "
        "Intuit's US sandbox company (idempotent)",
    )
    serve.add_argument(
        "--demo-app-url",
        metavar="URL",
        help="with --demo: the base URL of the app the demo app's redirect, webhook and disconnect "
        "URLs point at (default: http://127.0.0.1:8000, where `make run` serves Cellbooks)",
    )
    serve.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="do not enforce QBO's rate limits (on by default: 500/min and 10/s per realm and app, 40 batch/min)",
    )
    serve.add_argument(
        "--latency-ms", type=float, default=0.0, help="added to every /v3 request (default: 0)"
    )
    serve.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="speed-up for rate-limit windows, webhook retries and latency; 60 makes a minute last a second (default: 1)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        emulator = Emulator(data_dir=args.data, base_url=f"http://{args.host}:{args.port}")
        emulator.startup_settings = {
            "rate_limits_enabled": not args.no_rate_limits,
            "latency_ms": args.latency_ms,
            "time_scale": args.time_scale,
        }
        emulator.settings.update(emulator.startup_settings)
        if args.demo:
            emulator.load_demo(app_base=args.demo_app_url)
        serve(emulator, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
