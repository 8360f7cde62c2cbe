"""Charts (matplotlib, Agg) and the results table of docs/benchmarks.md from bench/results/*.json.

Only the block between the ``results:start`` / ``results:end`` markers of docs/benchmarks.md is
rewritten; the explanations around it are written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import common

DOC = common.ROOT / "docs" / "benchmarks.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def load(outdir: str, name: str) -> dict | None:
    path = common.RESULTS / outdir / f"{name}.json" if outdir else common.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _phase(bulk, name):
    return next((p for p in bulk.get("phases", []) if p["name"] == name), None)


def charts(outdir: str, results: dict) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = common.RESULTS / outdir if outdir else common.RESULTS
    written = []
    bulk = results.get("bulk")
    if bulk:
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
        s = bulk["summary"]
        bars = [
            ("naive\n(python-quickbooks)", s.get("unscaled", {}).get("naive_docs_per_min")),
            ("Cellbooks", s.get("unscaled", {}).get("cellbooks_docs_per_min")),
            ("Cellbooks, no limits\n(own capacity)", s.get("capacity_docs_per_min")),
        ]
        bars = [(k, v) for k, v in bars if v]
        left.bar(
            [k for k, _ in bars], [v for _, v in bars], color=["#999", "#2a7", "#8cd"][: len(bars)]
        )
        for x, (_, v) in enumerate(bars):
            left.text(x, v, f"{v:,.0f}", ha="center", va="bottom")
        left.axhline(
            bulk["ceiling"]["batch_docs_per_min"],
            color="r",
            ls="--",
            label="ceiling with batch (1,660)",
        )
        left.axhline(
            bulk["ceiling"]["single_docs_per_min"],
            color="orange",
            ls=":",
            label="ceiling, single requests (500)",
        )
        left.set_ylabel("documents / minute (time scale 1)")
        left.set_title("Bulk sync, unscaled (150 ms latency, QBO limits)")
        left.legend(fontsize=8)
        for name, style in (
            ("cellbooks-scaled", "-"),
            ("naive-scaled", "--"),
            ("cellbooks-unscaled", "-."),
        ):
            phase = _phase(bulk, name)
            if phase and phase.get("timeline"):
                xs, ys = zip(*phase["timeline"], strict=True)
                right.plot(xs, ys, style, label=f"{name} (scale {phase['time_scale']:g})")
        right.set_xlabel("seconds (wall clock)")
        right.set_ylabel("documents synced")
        right.set_title("Progress")
        right.legend(fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, folder / "bulk.png"))
    big = results.get("big_po")
    if big:
        fig, ax = plt.subplots(figsize=(7, 4))
        names = ["read", "group", "map", "sync", "page"]
        values = [big["seconds"][n] for n in names]
        ax.bar(names, values, color="#2a7")
        for x, v in enumerate(values):
            ax.text(x, v, f"{v:.2f} s", ha="center", va="bottom")
        ax.axhline(2, color="r", ls="--", label="target 2 s")
        ax.set_ylabel("seconds (median)")
        ax.set_title(f"One PO of {big['devices']:,} devices → {big['lines']} QBO lines")
        ax.legend()
        fig.tight_layout()
        written.append(_save(fig, folder / "big_po.png"))
    pay = results.get("payments")
    if pay:
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
        lat = sorted(pay["webhooks"]["latencies_ms"])
        if lat:
            left.plot(lat, [i / len(lat) for i in range(1, len(lat) + 1)], color="#2a7")
            left.axvline(2000, color="r", ls="--", label="target p99 2 s")
            left.set_xlabel("ms from 'Receive payment' to invoice paid")
            left.set_ylabel("fraction of payments")
            left.set_title(f"With webhooks ({len(lat)} payments)")
            left.legend()
        lat = sorted(pay["sweep"]["latencies_ms"])
        if lat:
            right.plot(lat, [i / len(lat) for i in range(1, len(lat) + 1)], color="#a72")
            right.axvline(
                pay["sweep"]["expected_bound_ms"], color="r", ls="--", label="interval + 2 × sweep"
            )
            right.set_xlabel("ms")
            right.set_title(f"Webhooks off, sweep every {pay['sweep']['sweep_every_seconds']:g} s")
            right.legend()
        fig.tight_layout()
        written.append(_save(fig, folder / "payments.png"))
    intake = results.get("intake")
    if intake:
        fig, ax = plt.subplots(figsize=(7, 4))
        labels, values, colours = [], [], []
        for key, label, colour in (
            ("intake", "SQLite", "#2a7"),
            ("intake-postgres", "PostgreSQL\n+ Redis", "#36a"),
        ):
            for r in (results.get(key) or {}).get("runs", []):
                labels.append(f"{label}\n{r['events_per_request']} event(s)/req")
                values.append(r["events_per_second"])
                colours.append(colour)
        ax.bar(labels, values, color=colours)
        for x, v in enumerate(values):
            ax.text(x, v, f"{v:,.0f}", ha="center", va="bottom")
        ax.axhline(500, color="r", ls="--", label="target 500 events/s (SQLite)")
        ax.axhline(1500, color="m", ls=":", label="target 1,500 (PostgreSQL + Redis)")
        ax.set_ylabel("events accepted / second")
        ax.set_title("Webhook intake (gunicorn 2×4)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, folder / "intake.png"))
    if results.get("sync_click"):
        fig, ax = plt.subplots(figsize=(6, 4))
        for key, label, colour in (
            ("sync_click", "SQLite", "#2a7"),
            ("sync_click-postgres", "PostgreSQL + Redis", "#36a"),
        ):
            click = results.get(key)
            if click:
                lat = sorted(click["all_ms"])
                ax.plot(
                    lat, [i / len(lat) for i in range(1, len(lat) + 1)], color=colour, label=label
                )
        ax.axvline(1000, color="r", ls="--", label="p50 target 1 s")
        ax.axvline(2000, color="m", ls=":", label="p95 target 2 s")
        ax.set_xlabel("ms from pressing Sync to the page showing Synced")
        ax.set_ylabel("fraction of clicks")
        ax.set_title("Click Sync → Synced (150 ms QBO latency)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, folder / "sync_click.png"))
    if results.get("pages"):
        fig, ax = plt.subplots(figsize=(7, 4))
        names = list(results["pages"]["pages"])
        width = 0.38
        for offset, (key, label, colour) in enumerate(
            (("pages", "SQLite", "#2a7"), ("pages-postgres", "PostgreSQL", "#36a"))
        ):
            pages = results.get(key)
            if not pages:
                continue
            xs = [i + (offset - 0.5) * width for i in range(len(names))]
            values = [pages["pages"][n]["median_ms"] for n in names]
            ax.bar(xs, values, width, color=colour, label=label)
            for x, v in zip(xs, values, strict=True):
                ax.text(x, v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(names)), [n.replace("_", " ") for n in names])
        ax.axhline(300, color="r", ls="--", label="target 300 ms")
        ax.set_ylabel("server time, ms (median)")
        ax.set_title("List pages: 100,000 devices, 20,000 invoices")
        ax.legend(fontsize=8)
        fig.tight_layout()
        written.append(_save(fig, folder / "pages.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fmt(value, unit="", digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}"


def table(results: dict) -> list[str]:
    rows = ["| # | figure | measured | target | met |", "| --- | --- | --- | --- | --- |"]
    bulk = results.get("bulk")
    if bulk:
        s = bulk["summary"]
        u = s.get("unscaled", {})
        sc = s["scaled"]
        rows.append(_bulk_row(bulk, "SQLite"))
        if pg := results.get("bulk-postgres"):
            rows.append(_bulk_row(pg, "PostgreSQL + Redis"))
        rows.append(
            f"| 1 | bulk sync, scaled (time scale {sc and s['time_scale']:g}): docs/min | "
            f"{_fmt(sc['cellbooks_docs_per_min'])} (÷ {s['time_scale']:g} = {_fmt(sc['cellbooks_docs_per_min_divided_by_scale'])}) "
            f"= {_fmt((sc['ratio_to_scaled_ceiling'] or 0) * 100, ' %')} of the scaled ceiling {_fmt(sc['ceiling_docs_per_min_scaled'])} | — | — |"
        )
        if s.get("capacity_docs_per_min"):
            rows.append(
                f"| 1 | Cellbooks' own capacity (no limits, no latency): docs/min | "
                f"{_fmt(s['capacity_docs_per_min'])} | — | — |"
            )
        rows.append(
            f"| 2 | naive (python-quickbooks), unscaled: docs/min | {_fmt(u.get('naive_docs_per_min'))}; "
            f"{u.get('naive_calls_per_doc')} API calls/doc | — | — |"
        )
        r = u.get("ratio_cellbooks_to_naive")
        rows.append(
            f"| 2 | Cellbooks / naive, unscaled (SQLite) | {_fmt(r, '×', 2)} | ≥ 6× | {_met(r, 6)} |"
        )
        r = sc.get("ratio_cellbooks_to_naive")
        rows.append(
            f"| 2 | Cellbooks / naive, side by side at time scale {s['time_scale']:g} | {_fmt(r, '×', 2)} | — | — |"
        )
    big = results.get("big_po")
    if big:
        sec, mb = big["seconds"], big["peak_mb"]
        rows.append(
            f"| 3 | big PO ({big['devices']:,} devices): read + group + map | {_fmt(sec['read_group_map'], ' s', 2)} "
            f"(read {sec['read']:.2f}, group {sec['group']:.2f}, map {sec['map']:.2f}) | < 2 s | {_met(2 - sec['read_group_map'], 0)} |"
        )
        rows.append(
            f"| 3 | big PO: sync (read, map, create the Bill at 150 ms) | {_fmt(sec['sync'], ' s', 2)} | < 2 s | {_met(2 - sec['sync'], 0)} |"
        )
        peak = max(mb.get("read_mb", 0), mb.get("resync_mb", 0))
        rows.append(
            f"| 3 | big PO: peak memory (tracemalloc; read {mb.get('read_mb')} MB, sync {mb.get('resync_mb')} MB) | "
            f"{_fmt(peak, ' MB', 1)} | < 300 MB | {_met(300 - peak, 0)} |"
        )
        rows.append(
            f"| 3 | big PO: lines / payload | {big['lines']} lines, {big['payload_bytes']:,} bytes "
            f"({big['payload_bytes_with_identifiers']:,} with IMEIs in descriptions) | — | — |"
        )
        rows.append(f"| 3 | big PO: its page, server time | {_fmt(sec['page'], ' s', 2)} | — | — |")
    pay = results.get("payments")
    if pay:
        w, sw = pay["webhooks"], pay["sweep"]
        rows.append(
            f"| 4 | payment → paid, webhooks ({w['count']} payments at {w['rate_per_second']:g}/s) | "
            f"p50 {_fmt(w['p50_ms'], ' ms')}, p95 {_fmt(w['p95_ms'], ' ms')}, p99 {_fmt(w['p99_ms'], ' ms')} "
            f"({w['not_paid_in_time']} not paid in time) | p99 < 2 s | {_met(2000 - (w['p99_ms'] or 1e9), 0)} |"
        )
        rows.append(
            f"| 4 | webhooks off, sweep every {sw['sweep_every_seconds']:g} s | p50 {_fmt(sw['p50_ms'], ' ms')}, "
            f"max {_fmt(sw['max_ms'], ' ms')} ≤ bound {_fmt(sw['expected_bound_ms'], ' ms')} "
            f"(a sweep takes {_fmt(sw['sweep_duration_ms']['median'], ' ms')}) | — | — |"
        )
    for key, label, goal in (
        ("intake", "SQLite", 500),
        ("intake-postgres", "PostgreSQL + Redis", 1500),
    ):
        intake = results.get(key)
        if not intake:
            continue
        for run in intake["runs"]:
            target = run["events_per_request"] == 1
            p99_ok = (run["p99_ms"] or 1e9) < 250
            rows.append(
                f"| 5 | webhook intake, {run['events_per_request']} event(s)/request, {label} | "
                f"{_fmt(run['events_per_second'])} events/s ({_fmt(run['requests_per_second'])} req/s, "
                f"p99 {_fmt(run['p99_ms'], ' ms')}) | {f'≥ {goal:,} events/s, p99 < 250 ms' if target else '—'} | "
                f"{(_met(run['events_per_second'], goal) if p99_ok else '**no**') if target else '—'} |"
            )
    for key, label in (("sync_click", "SQLite"), ("sync_click-postgres", "PostgreSQL + Redis")):
        click = results.get(key)
        if click:
            met = click["p50_ms"] < 1000 and click["p95_ms"] < 2000
            rows.append(
                f"| 7 | click Sync → the page shows Synced ({click['clicks']} clicks, "
                f"{click['latency_ms']:g} ms QBO latency), {label} | p50 {_fmt(click['p50_ms'], ' ms')}, "
                f"p95 {_fmt(click['p95_ms'], ' ms')} (the worker's part: p50 {_fmt(click['worker_p50_ms'], ' ms')}; "
                f"{click['polls_per_click']} polls of {click['bytes_per_poll']} bytes) | "
                f"p50 < 1 s, p95 < 2 s | {'yes' if met else '**no**'} |"
            )
    for key, label in (("pages", "SQLite"), ("pages-postgres", "PostgreSQL + Redis")):
        pages = results.get(key)
        if pages:
            c = pages["counts"]
            figures = ", ".join(
                f"{name.replace('_', ' ')} {_fmt(page['median_ms'], ' ms')}"
                for name, page in pages["pages"].items()
            )
            met = all(page["median_ms"] < pages["target_ms"] for page in pages["pages"].values())
            rows.append(
                f"| 8 | list pages at {c['devices']:,} devices, {c['invoices']:,} invoices "
                f"(server time, median), {label} | {figures} | < {pages['target_ms']} ms each | "
                f"{'yes' if met else '**no**'} |"
            )
    docs = results.get("documents")
    if docs:
        pdf = docs["pdf"]
        rows.append(
            f"| 6 | invoice PDF of {docs['invoice_devices']:,} devices ({docs['invoice_pages']} pages, "
            f"{docs['invoice_imeis_missing_from_text']} IMEIs missing from its text), server time | "
            f"{_fmt(pdf['invoice']['seconds'], ' s', 2)} | < 3 s | {_met(3 - pdf['invoice']['seconds'], 0)} |"
        )
        rows.append(
            f"| 6 | its packing list / the PO's PDF | {_fmt(pdf['packing_list']['seconds'], ' s', 2)} / "
            f"{_fmt(pdf['purchase_order']['seconds'], ' s', 2)} | — | — |"
        )
        for fmt, label in (("csv", "CSV"), ("xlsx", "Excel")):
            run = docs["exports"][fmt]
            rows.append(
                f"| 6 | export of {run['devices']:,} devices as {label}: peak memory of the serving process "
                f"(+ growth during the export); time, size | {_fmt(run['peak_rss_mb'], ' MB', 0)} "
                f"(+{_fmt(run['peak_growth_mb'], ' MB', 0)}); {_fmt(run['seconds'], ' s', 1)}, "
                f"{run['bytes'] / 2**20:,.1f} MB | < 200 MB | {_met(200 - run['peak_rss_mb'], 0)} |"
            )
    emu = results.get("emulator")
    if emu:
        phases = ", ".join(f"{p['phase']} {p['per_second']:,.0f}/s" for p in emu["phases"])
        rows.append(f"| — | the emulator's own throughput (no limits) | {phases} | — | — |")
    return rows


def _bulk_row(bulk, label) -> str:
    u = bulk["summary"].get("unscaled", {})
    ratio = u.get("ratio_to_batch_ceiling")
    after = u.get("after_first_minute_docs_per_min")
    steady = (
        f"; after the first minute {_fmt(after)} = {_fmt(after / 1660 * 100, ' %')}"
        if after
        else ""
    )
    documents = next(
        (p["documents"] for p in bulk["phases"] if p["name"] == "cellbooks-unscaled"), None
    )
    return (
        f"| 1 | bulk sync, unscaled (time scale 1), {label}: docs/min | "
        f"{_fmt(u.get('cellbooks_docs_per_min'))} = {(ratio or 0) * 100:.1f} % of the 1,660 "
        f"ceiling ({_fmt(documents)} documents in {_fmt(u.get('seconds'), ' s')}{steady}); "
        f"{u.get('cellbooks_calls_per_doc')} API calls/doc, {u.get('throttled_429')} × 429 | "
        f"≥ 90 %, no 429 | {_met(ratio, 0.9) if not u.get('throttled_429') else '**no**'} |"
    )


def _met(value, threshold) -> str:
    if value is None:
        return "—"
    return "yes" if value >= threshold else "**no**"


def build(*, outdir: str, command: str, timings: dict, total: float, write_doc: bool) -> None:
    names = ["bulk", "big_po", "payments", "intake", "sync_click", "pages", "emulator", "documents"]
    names += ["bulk-postgres", "intake-postgres", "sync_click-postgres", "pages-postgres"]
    results = {name: load(outdir, name) for name in names}
    written = charts(outdir, {k: v for k, v in results.items() if v})
    rows = table(results)
    print("\n".join(rows))
    for path in written:
        print(f"written {path.relative_to(common.ROOT)}")
    if not write_doc:
        return
    when = next((r["when"] for r in results.values() if r), "")
    machine = common.machine()
    block = [
        START,
        f"Produced by `{command}` (`make bench`) on {when[:10]}: {machine['cpus']} CPUs, "
        f"Python {machine['python']}; the run took {total / 60:.1f} minutes "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())}).",
        "",
        *rows,
        "",
        "Charts: " + ", ".join(f"[{p.name}](../bench/results/{p.name})" for p in written),
        END,
    ]
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + "\n".join(block) + tail)
    print(f"written {DOC.relative_to(common.ROOT)}")
