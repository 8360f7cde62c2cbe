"""Everything that answers HTTP with JSON: the Accounting API (``v3.py``), the OAuth endpoints
(``oauth.py``) and the control plane (``control.py``). Handlers parse requests and call the
state parts on the ``Emulator``; they hold no state of their own."""
