"""Waiting in tests: poll a condition until a deadline, never a fixed sleep."""

import time


def wait_for(condition, *, what, timeout: float = 15.0, interval: float = 0.02):
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds, saying what was awaited
    (a deadline, never a fixed sleep: a busy machine only makes it return later). ``what`` is a
    sentence, or a function giving one when the wait fails (e.g. with the state reached)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {said}")
        time.sleep(interval)
