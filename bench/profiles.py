"""Summaries of py-spy's raw (collapsed-stack) output: where the samples of our own code went."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:]+):(?P<line>\d+)\)$")


def summarize(raw: Path, *, top: int = 15, prefix: str = "cellbooks/") -> dict:
    """Inclusive share of samples per function of ours (a function counted once per stack), and
    the self share of the leaf frames (any code), over the samples where a thread was busy."""
    inclusive: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    if not raw.exists():
        return {"samples": 0, "ours_inclusive": [], "leaves": []}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if any("wait" in f and ("threading.py" in f or "queue.py" in f) for f in frames[-3:]):
            continue  # an idle worker thread
        total += n
        seen = set()
        for frame in frames:
            match = FRAME.match(frame.strip())
            if not match:
                continue
            file = match["file"]
            if prefix in file:
                key = f"{match['func']} ({file.split(prefix, 1)[1]})"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += n
        leaf = FRAME.match(frames[-1].strip())
        if leaf:
            leaves[f"{leaf['func']} ({Path(leaf['file']).name})"] += n

    def share(counter):
        return (
            [(k, round(100 * v / total, 1)) for k, v in counter.most_common(top)] if total else []
        )

    return {"samples": total, "ours_inclusive": share(inclusive), "leaves": share(leaves)}
