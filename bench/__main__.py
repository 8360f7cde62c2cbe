"""`make bench` / `python -m bench`: every benchmark, one after another, each in its own process
against ``qbo-emulator serve`` as a separate process (QBO's rate limits on). Results go to
bench/results/*.json and *.png, and the summary to docs/benchmarks.md.

    python -m bench [--latency-ms 150] [--time-scale 10] [--quick] [--only bulk big_po ...]
                    [--backends sqlite postgres]

Each benchmark runs on SQLite; bulk, intake, sync_click and pages run again on PostgreSQL +
Redis (scripts/with-servers starts both on free ports; `make servers` installs them).

--quick runs smaller workloads (about 2–3 minutes) into bench/results/quick/ and leaves
docs/benchmarks.md alone; the default run takes about 12–15 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time

from bench import common, report

ALL = ["emulator", "bulk", "big_po", "payments", "intake", "documents", "sync_click", "pages"]
# Run again on PostgreSQL + Redis (scripts/with-servers starts both), side by side with SQLite.
# The others do not depend on the database in a way worth the minutes: the emulator's own speed,
# one big PO's read/group/map (Python), payment latency (QuickBooks' calls dominate).
ON_POSTGRES = ["bulk", "intake", "sync_click", "pages"]
BACKENDS = ["sqlite", "postgres"]


def plan(args, backend: str = "sqlite") -> dict[str, list[str]]:
    lat = ["--latency-ms", f"{args.latency_ms:g}"]
    scale = ["--time-scale", f"{args.time_scale:g}"]
    steps = _plan(args, lat, scale)
    if backend == "postgres":
        size = steps["bulk"][steps["bulk"].index("--unscaled-invoices") :][:4]
        steps["bulk"] = [*lat, "--unscaled-only", *size]
    return steps


def _plan(args, lat, scale) -> dict[str, list[str]]:
    if args.quick:
        return {
            "emulator": ["--seconds", "1"],
            "bulk": [
                *lat,
                *scale,
                "--invoices",
                "240",
                "--pos",
                "60",
                "--unscaled",
                "--unscaled-invoices",
                "240",
                "--unscaled-pos",
                "60",
                "--naive-sample",
                "10",
            ],
            "big_po": [*lat, "--devices", "10000", "--repeat", "1"],
            "payments": [
                *lat,
                "--payments",
                "40",
                "--rate",
                "2",
                "--sweep-payments",
                "8",
                "--sweep-span",
                "8",
                "--sweep-seconds",
                "3",
            ],
            "intake": ["--requests", "1000", "--seconds", "10"],
            "documents": [
                "--invoice-devices",
                "5000",
                "--export-devices",
                "10000",
                "--repeat",
                "1",
            ],
            "sync_click": [*lat, "--clicks", "10"],
            "pages": ["--invoices", "2000", "--purchase-orders", "200", "--in-stock", "2000",
                      "--repeat", "3"],
        }  # fmt: skip
    return {
        "emulator": ["--seconds", "5"],
        "bulk": [
            *lat,
            *scale,
            "--unscaled",
            # At time scale 1, more than a minute's worth (2 1/2 minutes at the ceiling): the
            # first minute's burst and the steady state after it are both measured.
            "--unscaled-invoices",
            "3000",
            "--unscaled-pos",
            "700",
            "--capacity",
            "--naive-sample",
            "10",
        ],
        "big_po": [*lat, "--repeat", "3"],
        "payments": [
            *lat,
            "--payments",
            "200",
            "--rate",
            "2",
            "--sweep-payments",
            "30",
            "--sweep-span",
            "30",
            "--sweep-seconds",
            "5",
        ],
        "intake": ["--requests", "6000", "--seconds", "30"],
        "documents": ["--repeat", "3"],
        "sync_click": [*lat, "--clicks", "40"],
        "pages": ["--repeat", "7"],
    }


def run_one(
    name: str, extra: list[str], *, outdir: str, command: str, backend: str = "sqlite"
) -> tuple[int, float]:
    started = time.perf_counter()
    if backend == "postgres":
        out = f"{outdir}/{name}-postgres" if outdir else f"{name}-postgres"
        code = subprocess.call(
            [
                str(common.ROOT / "scripts" / "with-servers"),
                "--",
                sys.executable,
                "-m",
                f"bench.{name}",
                *extra,
                "--out",
                out,
                "--command",
                command,
            ],
            cwd=common.ROOT,
            env={**os.environ, "BENCH_BACKEND": "postgres"},
        )
        return code, time.perf_counter() - started
    if name == "emulator":
        # bench_emulator.py (the emulator's own throughput) writes bench/results/emulator.json;
        # a quick run keeps the full run's file and files its own under quick/.
        target = common.RESULTS / "emulator.json"
        keep = target.read_bytes() if outdir and target.exists() else None
        code = subprocess.call([sys.executable, "bench/bench_emulator.py", *extra], cwd=common.ROOT)
        if outdir:
            (common.RESULTS / outdir).mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.copy(target, common.RESULTS / outdir / "emulator.json")
            if keep is not None:
                target.write_bytes(keep)
    else:
        out = f"{outdir}/{name}" if outdir else name
        code = subprocess.call(
            [sys.executable, "-m", f"bench.{name}", *extra, "--out", out, "--command", command],
            cwd=common.ROOT,
        )
    return code, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150, help="per /v3 request (150)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=10,
        help="emulator windows and latency shrink by this factor in the scaled bulk run (10)",
    )
    parser.add_argument("--quick", action="store_true", help="small workloads, ~2-3 minutes")
    parser.add_argument("--only", nargs="+", choices=ALL, help="run only these")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=BACKENDS,
        default=BACKENDS,
        help="SQLite, and PostgreSQL + Redis for " + ", ".join(ON_POSTGRES) + " (both)",
    )
    parser.add_argument("--no-report", action="store_true", help="skip charts and the doc")
    args = parser.parse_args(argv)
    command = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    command = command.strip()
    outdir = "quick" if args.quick else ""
    chosen = args.only or ALL
    runs = [(name, "sqlite") for name in chosen if "sqlite" in args.backends]
    runs += [
        (name, "postgres") for name in chosen if name in ON_POSTGRES and "postgres" in args.backends
    ]
    timings, failed = {}, []
    overall = time.perf_counter()
    for name, backend in runs:
        label = name if backend == "sqlite" else f"{name}-postgres"
        print(f"\n=== {label} ===", flush=True)
        code, seconds = run_one(
            name, plan(args, backend)[name], outdir=outdir, command=command, backend=backend
        )
        timings[label] = round(seconds, 1)
        if code != 0:
            failed.append(label)
            print(f"!!! {label} failed (exit {code})", flush=True)
    total = round(time.perf_counter() - overall, 1)
    print(f"\nbenchmarks took {total} s: {timings}", flush=True)
    if not args.no_report:
        report.build(
            outdir=outdir,
            command=command,
            timings=timings,
            total=total,
            write_doc=not args.quick and not args.only and len(args.backends) == 2,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
