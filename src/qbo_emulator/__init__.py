"""qbo_emulator: a faithful, stateful local QuickBooks Online (Accounting API v3, OAuth 2.0,
webhooks) with a small human UI. Imports nothing from Cellbooks."""
