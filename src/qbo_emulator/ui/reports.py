"""The Reports tab: Profit and Loss, Balance Sheet, Trial Balance, General Ledger and the aged
reports, rendered from the same JSON the API answers (``reports.py``), for a period a bookkeeper
picks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..errors import QBOError
from .common import NotFound, company_page
from .html import h, messages, page, q

TITLES = {
    "ProfitAndLoss": "Profit and Loss",
    "BalanceSheet": "Balance Sheet",
    "TrialBalance": "Trial Balance",
    "GeneralLedger": "General Ledger",
    "AgedReceivables": "Aged Receivables",
    "AgedPayables": "Aged Payables",
    "CustomerBalance": "Customer Balance",
    "VendorBalance": "Vendor Balance",
}
PERIOD_FIELDS = ("start_date", "end_date")
AGED = ("AgedReceivables", "AgedPayables", "CustomerBalance", "VendorBalance")
NUM = ' class="num"'


def render(report: dict) -> str:
    """A report's Columns and Rows as one table: section headers, data rows, and totals."""
    columns = [c.get("ColTitle", "") for c in report.get("Columns", {}).get("Column", [])]
    kinds = [c.get("ColType", "") for c in report.get("Columns", {}).get("Column", [])]
    body: list[str] = []

    def cells(col_data: list[dict], tag: str = "td") -> str:
        out = []
        for i, col in enumerate(col_data):
            numeric = i < len(kinds) and kinds[i] == "Money"
            numeric_class = NUM if numeric else ""
            out.append(f"<{tag}{numeric_class}>{h(col.get('value', ''))}</{tag}>")
        return "".join(out)

    def walk(rows: list[dict], depth: int) -> None:
        for row in rows:
            indent = f' style="padding-left:{depth * 1.2}rem"' if depth else ""
            if "Header" in row:
                body.append(
                    f'<tr class="section"{indent}>{cells(row["Header"]["ColData"], "th")}</tr>'
                )
            if "ColData" in row:
                body.append(f"<tr>{cells(row['ColData'])}</tr>")
            if "Rows" in row:
                walk(row["Rows"].get("Row", []), depth + 1)
            if "Summary" in row:
                body.append(f'<tr class="total">{cells(row["Summary"]["ColData"], "th")}</tr>')

    walk(report.get("Rows", {}).get("Row", []), 0)
    head = "".join(
        f"<th{NUM if kinds[i] == 'Money' else ''}>{h(t)}</th>" for i, t in enumerate(columns)
    )
    if not body:
        return '<p class="muted">No transactions in this period.</p>'
    return (
        f'<table id="report"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def routes(emulator) -> list[Route]:
    async def report_page(request: Request):
        realm_id = request.path_params["realm_id"]
        name = request.path_params.get("name", "ProfitAndLoss")
        if name not in TITLES:
            return HTMLResponse(page("Not found", messages(error=f"No report {name}.")), 404)
        params = {k: v for k, v in request.query_params.items() if v}
        if not params:
            params = {"report_date": ""} if name in AGED else {"date_macro": "This Year-to-date"}
            params = {k: v for k, v in params.items() if v}
        links = " · ".join(
            f'<a href="/companies/{q(realm_id)}/reports/{key}" id="report-{key}">{h(title)}</a>'
            if key != name
            else f"<strong>{h(title)}</strong>"
            for key, title in TITLES.items()
        )
        try:
            report = emulator.store.report(realm_id, name, params)
            error = None
        except QBOError as exc:
            report, error = None, f"{exc.detail} (code {exc.code})"
        except NotFound as exc:
            return HTMLResponse(page("Not found", messages(error=str(exc))), 404)
        header = (report or {}).get("Header", {})
        fields = ("report_date",) if name in AGED else PERIOD_FIELDS
        values = {
            "start_date": header.get("StartPeriod", ""),
            "end_date": header.get("EndPeriod", ""),
            "report_date": header.get("EndPeriod", ""),
        }
        form = (
            '<form method="get" class="inline">'
            + "".join(
                f'<label for="{f}">{h(f.replace("_", " ").capitalize())}</label> '
                f'<input type="date" id="{f}" name="{f}" value="{h(values[f])}"> '
                for f in fields
            )
            + '<button type="submit" id="run-report">Run report</button></form>'
        )
        period = (
            f"As of {header.get('EndPeriod', '')}"
            if name in AGED or name == "BalanceSheet"
            else f"{header.get('StartPeriod', '')} to {header.get('EndPeriod', '')}"
        )
        body = (
            f"<p>{links}</p><h1>{h(TITLES[name])}</h1>"
            f'<p class="muted">{h(period)} · {h(header.get("ReportBasis", ""))} basis · '
            f"{h(header.get('Currency', ''))}</p>{form}" + (render(report) if report else "")
        )
        try:
            html = company_page(emulator, realm_id, "reports", TITLES[name], body, error=error)
        except NotFound as exc:
            return HTMLResponse(page("Not found", messages(error=str(exc))), 404)
        return HTMLResponse(html)

    return [
        Route("/companies/{realm_id}/reports", report_page, methods=["GET"]),
        Route("/companies/{realm_id}/reports/{name}", report_page, methods=["GET"]),
    ]
