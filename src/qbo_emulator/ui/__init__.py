"""The emulator's human UI: plain server-rendered HTML mounted at "/".

Companies; per company, read-only lists and detail pages, and the reports; Receive payment on an invoice; edit,
void and delete a payment; the Apps page with Disconnect; the webhook delivery log. The OAuth
consent page (ui/consent.py) is served by routes/oauth.py at the authorize endpoint.
"""

from __future__ import annotations

from starlette.routing import Route

from . import apps, companies, documents, payments, reports


def routes(emulator) -> list[Route]:
    # Specific paths first: documents' "/companies/{realm_id}/{kind}" would match them too.
    return [
        *companies.routes(emulator),
        *apps.routes(emulator),
        *payments.routes(emulator),
        *reports.routes(emulator),
        *documents.routes(emulator),
    ]
