"""Django runs with cellbooks.settings_test (pyproject's pytest section): a temporary data directory
and inline background tasks, so tests never touch ./var."""
