"""`make bench` / `python -m bench`: every benchmark, one after another, each in its own process
against ``qbo-emulator serve`` as a separate process (QBO's rate limits on). Results go to
bench/results/*.json and *.png, and the summary to docs/benchmarks.md.

    python -m bench [--latency-ms 150] [--time-scale 10] [--quick] [--only bulk big_po ...]

--quick runs smaller workloads (about 2–3 minutes) into bench/results/quick/ and leaves
docs/benchmarks.md alone; the default run takes about 12–15 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import time

from bench import common, report

ALL = ["emulator", "bulk", "big_po", "payments", "intake", "documents"]


def plan(args) -> dict[str, list[str]]:
    lat = ["--latency-ms", f"{args.latency_ms:g}"]
    scale = ["--time-scale", f"{args.time_scale:g}"]
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
        }
    return {
        "emulator": ["--seconds", "5"],
        "bulk": [*lat, *scale, "--unscaled", "--capacity", "--naive-sample", "10"],
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
    }


def run_one(name: str, extra: list[str], *, outdir: str, command: str) -> tuple[int, float]:
    started = time.perf_counter()
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
    parser.add_argument("--no-report", action="store_true", help="skip charts and the doc")
    args = parser.parse_args(argv)
    command = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    command = command.strip()
    outdir = "quick" if args.quick else ""
    steps = plan(args)
    chosen = args.only or ALL
    timings, failed = {}, []
    overall = time.perf_counter()
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        code, seconds = run_one(name, steps[name], outdir=outdir, command=command)
        timings[name] = round(seconds, 1)
        if code != 0:
            failed.append(name)
            print(f"!!! {name} failed (exit {code})", flush=True)
    total = round(time.perf_counter() - overall, 1)
    print(f"\nbenchmarks took {total} s: {timings}", flush=True)
    if not args.no_report:
        report.build(
            outdir=outdir,
            command=command,
            timings=timings,
            total=total,
            write_doc=not args.quick and not args.only,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
