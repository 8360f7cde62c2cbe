"""The authorize endpoint's consent page: sign in as the demo user, pick a company, Connect or
Cancel. Served by the authorize endpoint (routes/oauth.py); kept here with the rest of the HTML."""

from __future__ import annotations

from .. import demo
from .common import realm_of
from .html import h, messages, page

# The authorize parameters carried through the form so the POST can re-validate them.
CARRIED = ("client_id", "redirect_uri", "response_type", "scope", "state")


def consent_page(app: dict, params, companies: list[dict], error: str | None = None) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{h(params.get(name, ""))}">' for name in CARRIED
    )
    scopes = "".join(f"<li><code>{h(s)}</code></li>" for s in (params.get("scope") or "").split())
    chosen = params.get("realm_id") or ""
    if companies:
        options = "".join(
            f'<option value="{h(realm_of(c))}"{" selected" if realm_of(c) == chosen else ""}>'
            f"{h(c.get('name'))} ({h(realm_of(c))})</option>"
            for c in companies
        )
        company_field = (
            '<label for="realm_id">Company</label>'
            f'<select id="realm_id" name="realm_id" required>{options}</select>'
        )
    else:
        company_field = ""
    email = params.get("email") or demo.DEMO_USER_EMAIL
    password = params.get("password") or demo.DEMO_USER_PASSWORD
    body = f"""
<div class="card" id="consent">
<h1>Connect {h(app.get("name") or app["client_id"])} to QuickBooks</h1>
{messages(error=error)}
<p>This app asks for access to:</p><ul>{scopes}</ul>
<form method="post" action="">
{hidden}
<label for="email">Email</label>
<input id="email" name="email" type="email" value="{h(email)}" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" value="{h(password)}"
 autocomplete="current-password">
{company_field}
<div>
<button type="submit" id="connect" name="action" value="connect">Connect</button>
<button type="submit" id="cancel" name="action" value="cancel" class="secondary"
 formnovalidate>Cancel</button>
</div>
</form>
</div>"""
    return page("Connect an app", body)


def error_page(message: str) -> str:
    body = f'<div class="card"><h1>Something went wrong</h1>{messages(error=message)}</div>'
    return page("Authorization error", body)
