"""Reports in QBO's JSON shape (``Header`` / ``Columns`` / ``Rows``), computed from the
company's books (``entities/ledger.py``): ProfitAndLoss, BalanceSheet, TrialBalance,
GeneralLedger, AgedReceivables and AgedPayables (their summary forms), CustomerBalance and
VendorBalance.

Parameters (as QBO's): ``start_date``/``end_date`` (YYYY-MM-DD) or ``date_macro`` (Today,
Yesterday, This Week, This Month, This Month-to-date, This Quarter, This Year, This Year-to-date,
Last Week, Last Month, Last Quarter, Last Year, All); ``accounting_method`` (Accrual only);
``report_date``, ``aging_period`` (days, 30) and ``num_periods`` (4) for the aged reports;
``customer`` / ``vendor`` (comma-separated Ids) to narrow them; ``summarize_column_by``
(Total or Month) for ProfitAndLoss. Money values are strings with two
decimals, as QBO writes them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from . import errors
from .clock import response_time
from .entities.ledger import ZERO, books, natural
from .jsonutil import to_decimal

REPORTS = (
    "ProfitAndLoss",
    "BalanceSheet",
    "TrialBalance",
    "GeneralLedger",
    "AgedReceivables",
    "AgedPayables",
    "CustomerBalance",
    "VendorBalance",
)
P_AND_L_TYPES = {
    "Income": ("Income",),
    "COGS": ("Cost of Goods Sold",),
    "Expenses": ("Expense",),
    "OtherIncome": ("Other Income",),
    "OtherExpenses": ("Other Expense",),
}


def find_report(name: str) -> str | None:
    lowered = {r.lower(): r for r in REPORTS}
    return lowered.get(str(name).lower())


def run_report(realm, name: str, params: dict) -> dict:
    report = find_report(name)
    if report is None:
        raise errors.resource_not_found(f"reports/{name}")
    method = params.get("accounting_method") or "Accrual"
    if method != "Accrual":
        # A deliberate difference (docs/emulator.md): only accrual books are kept.
        raise errors.unsupported_property(
            f"accounting_method {method} is not supported by the emulator (only Accrual)",
            "accounting_method",
        )
    builder = {
        "ProfitAndLoss": profit_and_loss,
        "BalanceSheet": balance_sheet,
        "TrialBalance": trial_balance,
        "GeneralLedger": general_ledger,
        "AgedReceivables": aged_receivables,
        "AgedPayables": aged_payables,
        "CustomerBalance": customer_balance,
        "VendorBalance": vendor_balance,
    }[report]
    return builder(realm, params)


# --- shared pieces ----------------------------------------------------------------------------


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise errors.unsupported_property(f"{field} has an invalid date: {value}", field) from None


def period(realm, params: dict, *, default: str) -> tuple[date, date, str | None]:
    """(start, end, date macro) from start_date/end_date or date_macro."""
    today = date.fromisoformat(realm.today())
    macro = params.get("date_macro")
    if params.get("start_date") or params.get("end_date"):
        end = parse_day(params["end_date"], "end_date") if params.get("end_date") else today
        start = (
            parse_day(params["start_date"], "start_date")
            if params.get("start_date")
            else date(end.year, 1, 1)
        )
        macro = None
    else:
        macro = macro or default
        start, end = date_macro(macro, today)
    if start > end:
        raise errors.unsupported_property("start_date is after end_date", "start_date")
    return start, end, macro


def date_macro(macro: str, today: date) -> tuple[date, date]:
    key = macro.strip().lower()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    previous_quarter_end = quarter_start - timedelta(days=1)
    macros = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this week": (week_start, week_start + timedelta(days=6)),
        "this week-to-date": (week_start, today),
        "last week": (week_start - timedelta(days=7), week_start - timedelta(days=1)),
        "this month": (month_start, _month_end(month_start)),
        "this month-to-date": (month_start, today),
        "last month": (last_month_end.replace(day=1), last_month_end),
        "this quarter": (quarter_start, _month_end(_add_months(quarter_start, 2))),
        "this quarter-to-date": (quarter_start, today),
        "last quarter": (_add_months(quarter_start, -3), previous_quarter_end),
        "this year": (date(today.year, 1, 1), date(today.year, 12, 31)),
        "this year-to-date": (date(today.year, 1, 1), today),
        "this calendar year": (date(today.year, 1, 1), date(today.year, 12, 31)),
        "this calendar year-to-date": (date(today.year, 1, 1), today),
        "last year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "all": (date(1900, 1, 1), today),
    }
    if key not in macros:
        raise errors.invalid_enum("date_macro", macro)
    return macros[key]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _add_months(day, 1) - timedelta(days=1)


def header(realm, name: str, params: dict, *, start=None, end=None, macro=None, **extra) -> dict:
    head = {
        "Time": response_time(realm.now(), realm.tz),
        "ReportName": name,
    }
    if macro:
        head["DateMacro"] = macro.lower()
    head["ReportBasis"] = "Accrual"
    if start is not None:
        head["StartPeriod"] = start.isoformat()
    if end is not None:
        head["EndPeriod"] = end.isoformat()
    head.update(extra)
    head["Currency"] = realm.meta.get("home_currency", "USD")
    head["Option"] = [{"Name": "NoReportData", "Value": "false"}]
    return head


def columns(*titles: tuple[str, str, str]) -> dict:
    return {
        "Column": [
            {"ColTitle": title, "ColType": kind, "MetaData": [{"Name": "ColKey", "Value": key}]}
            for title, kind, key in titles
        ]
    }


def data_row(label: str, *values: str, row_id: str | None = None) -> dict:
    first = {"value": label}
    if row_id is not None:
        first["id"] = row_id
    return {"ColData": [first, *({"value": v} for v in values)], "type": "Data"}


def section(title: str | None, rows: list[dict], summary: list[str], group: str) -> dict:
    out: dict = {}
    if title is not None:
        out["Header"] = {"ColData": [{"value": title}] + [{"value": ""}] * (len(summary) - 1)}
    if rows:
        out["Rows"] = {"Row": rows}
    out["Summary"] = {"ColData": [{"value": v} for v in summary]}
    out["type"] = "Section"
    out["group"] = group
    return out


def accounts_of(realm, account_types: tuple[str, ...]) -> list[dict]:
    return sorted(
        (a for a in realm.table("Account").values() if a.get("AccountType") in account_types),
        key=lambda a: a.get("FullyQualifiedName", a.get("Name", "")).casefold(),
    )


def account_section(
    realm, title: str, group: str, account_types: tuple[str, ...], totals: dict
) -> tuple[dict | None, Decimal]:
    rows, total = [], ZERO
    for account in accounts_of(realm, account_types):
        value = natural(account, totals.get(account["Id"], ZERO))
        if not value:
            continue
        rows.append(data_row(account["FullyQualifiedName"], amount(value), row_id=account["Id"]))
        total += value
    if not rows:
        return None, ZERO
    return section(title, rows, [f"Total {title}", amount(total)], group), total


# --- ProfitAndLoss ----------------------------------------------------------------------------


MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def months(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months (clipped to the period) a period spans."""
    out, first = [], start
    while first <= end:
        last = min(_month_end(first), end)
        out.append((first, last))
        first = last + timedelta(days=1)
    return out


def profit_and_loss(realm, params: dict) -> dict:
    """With ``summarize_column_by=Month``, one column per month and a Total column."""
    start, end, macro = period(realm, params, default="This Year-to-date")
    by = params.get("summarize_column_by") or "Total"
    if by not in ("Total", "Month"):
        raise errors.invalid_enum("summarize_column_by", by)
    spans = months(start, end) if by == "Month" else []
    the_books = books(realm)
    period_totals = [
        the_books.balances(start=a.isoformat(), end=b.isoformat()) for a, b in spans
    ] + [the_books.balances(start=start.isoformat(), end=end.isoformat())]
    width = len(period_totals)
    zero = [ZERO] * width
    titles = {
        "Income": "Income",
        "COGS": "Cost of Goods Sold",
        "Expenses": "Expenses",
        "OtherIncome": "Other Income",
        "OtherExpenses": "Other Expenses",
    }
    parts: dict[str, list[Decimal]] = {}
    rows = []

    def add(group: str) -> None:
        lines, total = [], list(zero)
        for account in accounts_of(realm, P_AND_L_TYPES[group]):
            values = [natural(account, t.get(account["Id"], ZERO)) for t in period_totals]
            if not any(values):
                continue
            lines.append(
                data_row(account["FullyQualifiedName"], *map(amount, values), row_id=account["Id"])
            )
            total = [a + b for a, b in zip(total, values, strict=True)]
        parts[group] = total
        label = titles[group]
        rows.append(section(label, lines, [f"Total {label}", *map(amount, total)], group))

    def summary(label: str, values: list[Decimal], group: str) -> None:
        rows.append(
            {
                "Summary": {"ColData": [{"value": label}, *({"value": amount(v)} for v in values)]},
                "type": "Section",
                "group": group,
            }
        )

    def minus(a: list[Decimal], b: list[Decimal]) -> list[Decimal]:
        return [x - y for x, y in zip(a, b, strict=True)]

    add("Income")
    add("COGS")
    gross = minus(parts["Income"], parts["COGS"])
    summary("Gross Profit", gross, "GrossProfit")
    add("Expenses")
    operating = minus(gross, parts["Expenses"])
    summary("Net Operating Income", operating, "NetOperatingIncome")
    add("OtherIncome")
    add("OtherExpenses")
    other = minus(parts["OtherIncome"], parts["OtherExpenses"])
    summary("Net Other Income", other, "NetOtherIncome")
    summary("Net Income", [a + b for a, b in zip(operating, other, strict=True)], "NetIncome")
    month_columns = [
        (f"{MONTH_NAMES[a.month - 1]} {a.year}", "Money", f"{a:%Y-%m}") for a, _ in spans
    ]
    return {
        "Header": header(
            realm,
            "ProfitAndLoss",
            params,
            start=start,
            end=end,
            macro=macro,
            SummarizeColumnsBy=by,
        ),
        "Columns": columns(("", "Account", "account"), *month_columns, ("Total", "Money", "total")),
        "Rows": {"Row": rows},
    }


def net_income(realm, start: date, end: date) -> Decimal:
    totals = books(realm).balances(start=start.isoformat(), end=end.isoformat())
    income = expense = ZERO
    for account in realm.table("Account").values():
        value = totals.get(account["Id"], ZERO)
        if account.get("Classification") == "Revenue":
            income -= value
        elif account.get("Classification") == "Expense":
            expense += value
    return income - expense


# --- BalanceSheet -----------------------------------------------------------------------------


def balance_sheet(realm, params: dict) -> dict:
    start, end, macro = period(realm, params, default="This Year-to-date")
    totals = books(realm).balances(end=end.isoformat())
    year_start = date(end.year, 1, 1)
    this_year = net_income(realm, year_start, end)
    earlier = net_income(realm, date(1900, 1, 1), year_start - timedelta(days=1))

    def block(title, group, types):
        return account_section(realm, title, group, types, totals)

    def group_of(title, group, blocks, label=None):
        present = [b for b, _ in blocks if b is not None]
        total = sum((t for _, t in blocks), ZERO)
        return section(title, present, [label or f"Total {title}", amount(total)], group), total

    current_assets, current_total = group_of(
        "Current Assets",
        "CurrentAssets",
        [
            block("Bank Accounts", "BankAccounts", ("Bank",)),
            block("Accounts Receivable", "AR", ("Accounts Receivable",)),
            block("Other Current Assets", "OtherCurrentAssets", ("Other Current Asset",)),
        ],
    )
    fixed, fixed_total = block("Fixed Assets", "FixedAssets", ("Fixed Asset",))
    other_assets, other_total = block("Other Assets", "OtherAssets", ("Other Asset",))
    assets = section(
        "ASSETS",
        [b for b in (current_assets, fixed, other_assets) if b is not None],
        ["TOTAL ASSETS", amount(current_total + fixed_total + other_total)],
        "TotalAssets",
    )
    current_liabilities, current_liab_total = group_of(
        "Current Liabilities",
        "CurrentLiabilities",
        [
            block("Accounts Payable", "AP", ("Accounts Payable",)),
            block("Credit Cards", "CreditCards", ("Credit Card",)),
            block(
                "Other Current Liabilities", "OtherCurrentLiabilities", ("Other Current Liability",)
            ),
        ],
    )
    long_term, long_total = block(
        "Long-Term Liabilities", "LongTermLiabilities", ("Long Term Liability",)
    )
    liabilities = section(
        "Liabilities",
        [b for b in (current_liabilities, long_term) if b is not None],
        ["Total Liabilities", amount(current_liab_total + long_total)],
        "Liabilities",
    )
    equity_rows, equity_total = [], ZERO
    retained = next(
        (
            a
            for a in accounts_of(realm, ("Equity",))
            if a.get("AccountSubType") == "RetainedEarnings"
        ),
        None,
    )
    for account in accounts_of(realm, ("Equity",)):
        value = natural(account, totals.get(account["Id"], ZERO))
        if account is retained:
            value += earlier
        if value:
            equity_rows.append(
                data_row(account["FullyQualifiedName"], amount(value), row_id=account["Id"])
            )
            equity_total += value
    if retained is None and earlier:
        equity_rows.append(data_row("Retained Earnings", amount(earlier)))
        equity_total += earlier
    equity_rows.append(data_row("Net Income", amount(this_year)))
    equity_total += this_year
    equity = section("Equity", equity_rows, ["Total Equity", amount(equity_total)], "Equity")
    both = section(
        "LIABILITIES AND EQUITY",
        [liabilities, equity],
        ["TOTAL LIABILITIES AND EQUITY", amount(current_liab_total + long_total + equity_total)],
        "TotalLiabilitiesAndEquity",
    )
    return {
        "Header": header(
            realm,
            "BalanceSheet",
            params,
            start=start,
            end=end,
            macro=macro,
            SummarizeColumnsBy="Total",
        ),
        "Columns": columns(("", "Account", "account"), ("Total", "Money", "total")),
        "Rows": {"Row": [assets, both]},
    }


# --- TrialBalance -----------------------------------------------------------------------------


def trial_balance(realm, params: dict) -> dict:
    start, end, macro = period(realm, params, default="This Year-to-date")
    year_start = date(end.year, 1, 1)
    cumulative = books(realm).balances(end=end.isoformat())
    this_year = books(realm).balances(start=year_start.isoformat(), end=end.isoformat())
    earlier = net_income(realm, date(1900, 1, 1), year_start - timedelta(days=1))
    rows, debits, credits = [], ZERO, ZERO
    accounts = sorted(
        realm.table("Account").values(),
        key=lambda a: a.get("FullyQualifiedName", a.get("Name", "")).casefold(),
    )
    for account in accounts:
        balance_sheet_account = account.get("Classification") in ("Asset", "Liability", "Equity")
        value = (cumulative if balance_sheet_account else this_year).get(account["Id"], ZERO)
        if account.get("AccountSubType") == "RetainedEarnings":
            value -= earlier  # earlier years' net income closes into retained earnings (a credit)
        if not value:
            continue
        debit = value if value > 0 else ZERO
        credit = -value if value < 0 else ZERO
        debits += debit
        credits += credit
        rows.append(
            data_row(
                account["FullyQualifiedName"],
                amount(debit) if debit else "",
                amount(credit) if credit else "",
                row_id=account["Id"],
            )
        )
    return {
        "Header": header(
            realm,
            "TrialBalance",
            params,
            start=start,
            end=end,
            macro=macro,
            SummarizeColumnsBy="Total",
        ),
        "Columns": columns(
            ("", "Account", "account"), ("Debit", "Money", "Debit"), ("Credit", "Money", "Credit")
        ),
        "Rows": {
            "Row": [
                *rows,
                {
                    "Summary": {
                        "ColData": [
                            {"value": "TOTAL"},
                            {"value": amount(debits)},
                            {"value": amount(credits)},
                        ]
                    },
                    "type": "Section",
                    "group": "GrandTotal",
                },
            ]
        },
    }


# --- GeneralLedger ----------------------------------------------------------------------------

TXN_LABELS = {
    "Invoice": "Invoice",
    "CreditMemo": "Credit Memo",
    "SalesReceipt": "Sales Receipt",
    "RefundReceipt": "Refund",
    "Payment": "Payment",
    "Bill": "Bill",
    "VendorCredit": "Vendor Credit",
    "BillPayment": "Bill Payment (Check)",
    "Purchase": "Expense",
    "Deposit": "Deposit",
    "Transfer": "Transfer",
    "CreditCardPayment": "Credit Card Payment",
    "JournalEntry": "Journal Entry",
}


def general_ledger(realm, params: dict) -> dict:
    start, end, macro = period(realm, params, default="This Month-to-date")
    the_books = books(realm)
    opening = the_books.balances(end=(start - timedelta(days=1)).isoformat())
    wanted = {a.strip() for a in str(params.get("account") or "").split(",") if a.strip()}
    sections = []
    accounts = sorted(
        realm.table("Account").values(),
        key=lambda a: a.get("FullyQualifiedName", a.get("Name", "")).casefold(),
    )
    for account in accounts:
        if wanted and account["Id"] not in wanted:
            continue
        postings = sorted(
            (
                p
                for p in the_books.postings
                if p.account_id == account["Id"] and start.isoformat() <= p.date <= end.isoformat()
            ),
            key=lambda p: (p.date, int(p.txn_id) if p.txn_id.isdigit() else 0),
        )
        balance_sheet_account = account.get("Classification") in ("Asset", "Liability", "Equity")
        running = opening.get(account["Id"], ZERO) if balance_sheet_account else ZERO
        if not postings and not running:
            continue
        rows = [
            {
                "ColData": [
                    {"value": "Beginning Balance"},
                    *([{"value": ""}] * 5),
                    {"value": amount(running)},
                ],
                "type": "Data",
            }
        ]
        total = ZERO
        for p in postings:
            running += p.amount
            total += p.amount
            rows.append(
                {
                    "ColData": [
                        {"value": p.date},
                        {"value": TXN_LABELS.get(p.txn_type, p.txn_type), "id": p.txn_id},
                        {"value": p.doc_number},
                        {"value": p.name},
                        {"value": p.memo},
                        {"value": amount(p.amount)},
                        {"value": amount(running)},
                    ],
                    "type": "Data",
                }
            )
        block = section(
            None,
            rows,
            [
                f"Total for {account['FullyQualifiedName']}",
                "",
                "",
                "",
                "",
                amount(total),
                amount(running),
            ],
            "Account",
        )
        block["Header"] = {
            "ColData": [
                {"value": account["FullyQualifiedName"], "id": account["Id"]},
                *([{"value": ""}] * 6),
            ]
        }
        sections.append({"Header": block.pop("Header"), **block})
    return {
        "Header": header(realm, "GeneralLedger", params, start=start, end=end, macro=macro),
        "Columns": columns(
            ("Date", "Date", "tx_date"),
            ("Transaction Type", "String", "txn_type"),
            ("Num", "String", "doc_num"),
            ("Name", "String", "name"),
            ("Memo/Description", "String", "memo"),
            ("Amount", "Money", "subt_nat_amount"),
            ("Balance", "Money", "rbal_nat_amount"),
        ),
        "Rows": {"Row": sections},
    }


# --- aged reports -----------------------------------------------------------------------------


def aged_receivables(realm, params: dict) -> dict:
    return aged(
        realm,
        params,
        name="AgedReceivables",
        party="Customer",
        party_ref="CustomerRef",
        charges=("Invoice",),
        credits=(("CreditMemo", "Balance"), ("Payment", "UnappliedAmt")),
        filter_param="customer",
    )


def aged_payables(realm, params: dict) -> dict:
    return aged(
        realm,
        params,
        name="AgedPayables",
        party="Vendor",
        party_ref="VendorRef",
        charges=("Bill",),
        credits=(("VendorCredit", "Balance"),),
        filter_param="vendor",
    )


def aged(realm, params, *, name, party, party_ref, charges, credits, filter_param) -> dict:
    today = date.fromisoformat(realm.today())
    report_date = (
        parse_day(params["report_date"], "report_date") if params.get("report_date") else today
    )
    try:
        period_days = int(params.get("aging_period") or 30)
        count = int(params.get("num_periods") or 4)
    except ValueError:
        raise errors.unsupported_property(
            "aging_period and num_periods must be numbers", "aging_period"
        ) from None
    if period_days < 1 or not 1 <= count <= 12:
        raise errors.unsupported_property(
            "aging_period or num_periods out of range", "aging_period"
        )
    wanted = {p.strip() for p in str(params.get(filter_param) or "").split(",") if p.strip()}
    titles = (
        ["Current"]
        + [f"{n * period_days + 1} - {(n + 1) * period_days}" for n in range(count - 1)]
        + [f"{(count - 1) * period_days + 1} and over"]
    )
    per_party: dict[str, list[Decimal]] = {}

    def bucket_for(due: str) -> int:
        late = (report_date - date.fromisoformat(due)).days
        if late <= 0:
            return 0
        return min((late - 1) // period_days + 1, count)

    def add(party_id: str, index: int, value: Decimal) -> None:
        if wanted and party_id not in wanted:
            return
        per_party.setdefault(party_id, [ZERO] * (count + 1))[index] += value

    for entity in charges:
        for record in realm.table(entity).values():
            balance = to_decimal(record.get("Balance")) or ZERO
            if not balance or record.get("TxnDate", "") > report_date.isoformat():
                continue
            party_id = (record.get(party_ref) or {}).get("value")
            add(party_id, bucket_for(record.get("DueDate") or record.get("TxnDate")), balance)
    for entity, field in credits:
        for record in realm.table(entity).values():
            balance = to_decimal(record.get(field)) or ZERO
            if not balance or record.get("TxnDate", "") > report_date.isoformat():
                continue
            add((record.get(party_ref) or {}).get("value"), 0, -balance)
    rows, grand = [], [ZERO] * (count + 2)
    parties = realm.table(party)
    for party_id, values in sorted(
        per_party.items(),
        key=lambda item: str((parties.get(item[0]) or {}).get("DisplayName", "")).casefold(),
    ):
        total = sum(values, ZERO)
        if not any(values):
            continue
        label = (parties.get(party_id) or {}).get("DisplayName", party_id)
        rows.append(data_row(label, *(amount(v) for v in values), amount(total), row_id=party_id))
        for i, v in enumerate([*values, total]):
            grand[i] += v
    rows.append(
        {
            "Summary": {"ColData": [{"value": "TOTAL"}, *({"value": amount(v)} for v in grand)]},
            "type": "Section",
            "group": "GrandTotal",
        }
    )
    return {
        "Header": header(realm, name, params, end=report_date, SummarizeColumnsBy="Total"),
        "Columns": columns(
            ("", "Customer" if party == "Customer" else "Vendor", "name"),
            *((t, "Money", f"period{i}") for i, t in enumerate(titles)),
            ("Total", "Money", "total"),
        ),
        "Rows": {"Row": rows},
    }


# --- CustomerBalance / VendorBalance ----------------------------------------------------------


def customer_balance(realm, params: dict) -> dict:
    return party_balance(realm, params, "CustomerBalance", "Customer", "customer")


def vendor_balance(realm, params: dict) -> dict:
    return party_balance(realm, params, "VendorBalance", "Vendor", "vendor")


def party_balance(realm, params: dict, name: str, party: str, filter_param: str) -> dict:
    """What each customer owes (each vendor is owed) as of ``report_date``: the aged report's
    Total column, without the ageing."""
    aged_report = (aged_receivables if party == "Customer" else aged_payables)(realm, params)
    rows = []
    for row in aged_report["Rows"]["Row"]:
        cols = (row.get("ColData") or (row.get("Summary") or {}).get("ColData")) or []
        if "ColData" in row:
            rows.append(data_row(cols[0]["value"], cols[-1]["value"], row_id=cols[0].get("id")))
        else:
            rows.append(
                {
                    "Summary": {"ColData": [{"value": "TOTAL"}, {"value": cols[-1]["value"]}]},
                    "type": "Section",
                    "group": "GrandTotal",
                }
            )
    head = dict(aged_report["Header"], ReportName=name)
    return {
        "Header": head,
        "Columns": columns(("", party, "name"), ("Total", "Money", "total")),
        "Rows": {"Row": rows},
    }
