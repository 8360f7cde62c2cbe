"""No 5xx on any input: odd amounts (NaN, infinities, 1e400, words, lists) in the new entities,
the reports' parameters and the upload body all answer a QBO fault (400) and write nothing."""

from __future__ import annotations

import json

import pytest

# (None, [] and {} mean "not supplied" to QBO, like an omitted field.)
BAD_VALUES = ["NaN", "Infinity", "-Infinity", "1e400", "abc", True]


@pytest.fixture
def books(emulator_server, realm, api):
    store = emulator_server.emulator.store
    accounts = {a["Name"]: a["Id"] for a in store.list_entities(realm, "Account")}
    customer = store.create_entity(realm, "Customer", {"DisplayName": "Odd Input Co"})
    item = store.create_entity(
        realm,
        "Item",
        {
            "Name": "Odd Item",
            "Type": "Service",
            "IncomeAccountRef": {"value": accounts["Services"]},
        },
    )
    employee = store.create_entity(realm, "Employee", {"DisplayName": "Odd Worker"})
    return accounts, customer["Id"], item["Id"], employee["Id"]


def bodies(books):
    accounts, customer, item, employee = books
    sale = {
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}},
    }
    return {
        "transfer": lambda v: {
            "FromAccountRef": {"value": accounts["Checking"]},
            "ToAccountRef": {"value": accounts["Savings"]},
            "Amount": v,
        },
        "creditcardpayment": lambda v: {
            "CreditCardAccountRef": {"value": accounts["Credit Card"]},
            "BankAccountRef": {"value": accounts["Checking"]},
            "Amount": v,
        },
        "timeactivity": lambda v: {
            "NameOf": "Employee",
            "EmployeeRef": {"value": employee},
            "Hours": v,
            "HourlyRate": v,
        },
        "salesreceipt": lambda v: {"Line": [{**sale, "Amount": v}]},
        "refundreceipt": lambda v: {
            "DepositToAccountRef": {"value": accounts["Checking"]},
            "Line": [{**sale, "Amount": v}],
        },
        "deposit": lambda v: {
            "DepositToAccountRef": {"value": accounts["Checking"]},
            "Line": [
                {
                    "Amount": v,
                    "DetailType": "DepositLineDetail",
                    "DepositLineDetail": {"AccountRef": {"value": accounts["Services"]}},
                }
            ],
        },
        "payment": lambda v: {"CustomerRef": {"value": customer}, "TotalAmt": v},
        "purchase": lambda v: {
            "AccountRef": {"value": accounts["Checking"]},
            "PaymentType": "Check",
            "Line": [
                {
                    "Amount": v,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": {"value": accounts["Utilities"]}
                    },
                }
            ],
        },
        "taxservice/taxcode": lambda v: {
            "TaxCode": "Odd",
            "TaxRateDetails": [{"TaxRateName": "Odd", "RateValue": v, "TaxAgencyId": v}],
        },
        "recurringtransaction": lambda v: {
            "Invoice": {
                "CustomerRef": {"value": customer},
                "Line": [{**sale, "Amount": 1}],
                "RecurringInfo": {
                    "Name": v,
                    "RecurType": "Automated",
                    "ScheduleInfo": {"IntervalType": "Monthly", "NumInterval": v, "StartDate": v},
                },
            }
        },
        "attachable": lambda v: {
            "Note": v,
            "AttachableRef": [{"EntityRef": {"type": v, "value": v}}],
        },
        "estimate": lambda v: {
            "CustomerRef": {"value": customer},
            "Line": [{**sale, "Amount": 5}],
            "ExpirationDate": v,
            "TxnStatus": v,
        },
    }


def test_odd_values_are_faults_not_server_errors(api, books):
    for path, make in bodies(books).items():
        for value in BAD_VALUES:
            response = api.post(
                f"/{path}",
                content=json.dumps(make(value)),
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 400, (path, value, response.text)
            assert response.json()["Fault"]["Error"][0]["code"] in {
                "2010", "2020", "2050", "2170", "2500", "6000", "6240", "610",
            }, (path, value, response.text)  # fmt: skip


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("transfer", "Business Validation Error: Amount must be more than 0."),
        ("creditcardpayment", "Business Validation Error: Amount must be more than 0."),
        ("payment", "Business Validation Error: The payment amount can't be negative."),
        (
            "timeactivity",
            "Business Validation Error: HourlyRate must be an amount from 0 to 99999999.",
        ),
    ],
)
def test_negative_amounts_are_refused_where_qbo_refuses_them(api, books, path, detail):
    response = api.post(f"/{path}", json=bodies(books)[path]("-5"))
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["Detail"] == detail


def test_a_huge_amount_is_too_large(api, books):
    response = api.post("/transfer", json=bodies(books)["transfer"]("123456789012"))
    [error] = response.json()["Fault"]["Error"]
    assert (response.status_code, error["code"]) == (400, "6000")
    assert error["Detail"] == "Business Validation Error: Amount is too large."


@pytest.mark.parametrize(
    "params",
    [
        {"date_macro": "Next Century"},
        {"start_date": "2026-13-01"},
        {"start_date": "2026-02-01", "end_date": "2026-01-01"},
        {"aging_period": "x"},
        {"num_periods": "0"},
        {"report_date": "yesterday-ish"},
    ],
)
@pytest.mark.parametrize("report", ["ProfitAndLoss", "AgedReceivables", "GeneralLedger"])
def test_bad_report_parameters_are_faults(api, report, params):
    response = api.get(f"/reports/{report}", params=params)
    if response.status_code == 200:  # a parameter that report does not read
        assert response.json()["Header"]["ReportName"] == report
        return
    assert response.status_code == 400, response.text
    assert response.json()["Fault"]["Error"][0]["code"] in {"2010", "2170"}


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        (b"", "text/plain", "Property Name:Content-Type must be multipart/form-data for an upload"),
        (b"garbage", "multipart/form-data; boundary=zz", "Property Name:the upload has no parts"),
        (
            b'--zz\r\nContent-Disposition: form-data; name="file_metadata_0"\r\n\r\n{bad\r\n--zz--',
            "multipart/form-data; boundary=zz",
            "Property Name:file_metadata_0 is not valid JSON",
        ),
        (
            b'--zz\r\nContent-Disposition: form-data; name="file_metadata_0"\r\n\r\n{}\r\n--zz--',
            "multipart/form-data; boundary=zz",
            "Required parameter file_content is missing in the request",
        ),
    ],
)
def test_bad_uploads_are_faults_and_store_nothing(
    api, emulator_server, realm, body, content_type, detail
):
    response = api.post("/upload", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["Detail"] == detail
    assert emulator_server.emulator.store.list_entities(realm, "Attachable") == []
