"""Django runs with cellbooks.settings_test (pyproject's pytest section): a temporary data directory
and inline background tasks, so tests never touch ./var."""

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` exercise what only PostgreSQL has (``SKIP LOCKED``): on SQLite
    they are skipped with a reason that names the run that has them; in `make test-postgres`
    (CELLBOOKS_REQUIRE_POSTGRES=1) that run must be on PostgreSQL, or every test fails."""
    import os

    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("CELLBOOKS_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("CELLBOOKS_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    skip = pytest.mark.skip(reason="PostgreSQL only: `make test-postgres` runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In `make test-postgres` (CELLBOOKS_REQUIRE_POSTGRES=1) nothing may skip: a test that skips
    there fails, saying why it skipped."""
    import os

    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CELLBOOKS_REQUIRE_POSTGRES") == "1":
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in the PostgreSQL run, where every test must run: {reason}"
