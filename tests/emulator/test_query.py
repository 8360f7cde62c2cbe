"""The query language: grammar, operators, escapes, paging, errors (docs/intuit-api.md §3)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from qbo_emulator import errors
from qbo_emulator.query import execute, parse


def q(api, statement: str) -> dict:
    response = api.get("/query", params={"query": statement})
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)["QueryResponse"]


def parse_error(statement: str) -> errors.QBOError:
    with pytest.raises(errors.QBOError) as caught:
        parse(statement)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        400,
        "4000",
        "Error parsing query",
    )
    return caught.value


@pytest.fixture
def people(api):
    names = ["Alice Able", "bob baker", "O'Brien & Sons", "Back\\Slash Ltd", "Carol Cole"]
    ids = []
    for n, name in enumerate(names):
        response = api.post("/customer", json={"DisplayName": name, "CompanyName": f"Co {n}"})
        assert response.status_code == 200, response.text
        ids.append(response.json()["Customer"]["Id"])
    return dict(zip(names, ids, strict=True))


# --- parser -----------------------------------------------------------------------------------


def test_keywords_and_entity_names_match_in_any_case():
    query = parse(
        "select * FROM customer Where DisplayName = 'x' orderBy Id desc StartPosition 2 maxresults 5"
    )
    assert (query.entity, query.start, query.max_results, query.order) == (
        "Customer",
        2,
        5,
        [("Id", True)],
    )
    assert parse("SELECT * FROM Invoice ORDER BY TxnDate").order == [("TxnDate", False)]


def test_count_and_defaults():
    query = parse("SELECT COUNT(*) FROM Item")
    assert (query.count, query.start, query.max_results) == (True, 1, 100)


def test_max_results_is_capped_at_1000():
    assert parse("select * from Item maxresults 5000").max_results == 1000


def test_backslash_escapes_in_literals():
    [condition] = parse(r"select * from Customer where DisplayName = 'O\'Brien \\ Co'").conditions
    assert condition.value == "O'Brien \\ Co"


def test_in_lists_numbers_and_booleans():
    conditions = parse(
        "select * from Invoice where Id IN ('1', '2') AND Balance >= 10.5 AND Active = true"
    ).conditions
    assert [(c.field, c.op, c.value) for c in conditions] == [
        ("Id", "in", ["1", "2"]),
        ("Balance", ">=", Decimal("10.5")),
        ("Active", "=", True),
    ]


def test_or_is_not_supported():
    error = parse_error("SELECT * FROM Customer WHERE Active = true OR Id = '1'")
    assert (
        error.detail == 'QueryParserError: Encountered " <IDENTIFIER> "OR "" at line 1, column 44.'
    )


def test_a_missing_value_reports_the_end_of_input():
    assert parse_error("select * from Customer where Id =").detail == (
        'QueryParserError: Encountered "<EOF>" at line 1, column 34.'
    )


def test_an_unterminated_string_is_a_lexical_error():
    assert (
        "Lexical error at line 1"
        in parse_error("select * from Customer where DisplayName = 'abc").detail
    )


def test_a_typographic_apostrophe_is_a_lexical_error():
    assert "Lexical error" in parse_error("select * from Customer where DisplayName = ’x’").detail


def test_an_unknown_entity_is_a_parse_error():
    assert parse_error("select * from Gizmo").detail == (
        'QueryParserError: Invalid entity name "Gizmo" at line 1, column 15.'
    )


def test_projections_name_fields_or_add_to_star():
    assert parse("select Id, DisplayName from Customer").fields == ["Id", "DisplayName"]
    assert parse("SELECT *, Sku FROM Item").fields is None
    assert parse("select count(*) from Customer").count is True
    # A trailing comma, or an operator QBO does not have, is a parse error with its position.
    assert parse_error("select Id, from Customer").detail == (
        'QueryParserError: Encountered "from" "FROM "" at line 1, column 12.'
    )
    assert parse_error("select * from Customer where Active != true").detail == (
        'QueryParserError: Encountered "!=" "!= "" at line 1, column 37.'
    )
    assert parse_error("select * from Customer group by Active").detail == (
        'QueryParserError: Encountered " <IDENTIFIER> "group "" at line 1, column 24.'
    )


def test_order_by_id_sorts_numerically():
    rows = [{"Id": "9"}, {"Id": "10"}, {"Id": "100"}]
    result = execute(rows, parse("select * from Customer orderby Id desc"), has_active=False)
    assert [r["Id"] for r in result["Customer"]] == ["100", "10", "9"]


def test_mixed_case_literals_and_offsets():
    rows = [
        {
            "Id": "1",
            "MetaData": {"LastUpdatedTime": "2026-01-01T10:00:00-08:00"},
            "DisplayName": "Amy",
        }
    ]
    later = parse("select * from Customer where MetaData.LastUpdatedTime > '2026-01-01T17:59:59Z'")
    assert execute(rows, later, has_active=False)["Customer"] == rows
    assert execute(
        rows, parse("select * from Customer where DisplayName = 'aMY'"), has_active=False
    )


# --- over HTTP --------------------------------------------------------------------------------


def test_equality_is_case_insensitive_and_escapes_work(api, people):
    assert (
        q(api, "select * from Customer where DisplayName = 'BOB BAKER'")["Customer"][0]["Id"]
        == people["bob baker"]
    )
    obrien = q(api, r"select * from Customer where DisplayName = 'O\'Brien & Sons'")
    assert obrien["Customer"][0]["Id"] == people["O'Brien & Sons"]
    slash = q(api, r"select * from Customer where DisplayName = 'Back\\Slash Ltd'")
    assert slash["Customer"][0]["Id"] == people["Back\\Slash Ltd"]


def test_like_with_percent(api, people):
    rows = q(api, "select * from Customer where DisplayName like '%b%' orderby DisplayName")[
        "Customer"
    ]
    assert [r["DisplayName"] for r in rows] == [
        "Alice Able",
        "Back\\Slash Ltd",
        "bob baker",
        "O'Brien & Sons",
    ]


def test_in_and_paging(api, people):
    ids = [people["Alice Able"], people["Carol Cole"], people["bob baker"]]
    statement = f"select * from Customer where Id in ('{ids[0]}', '{ids[1]}', '{ids[2]}') orderby Id startposition 2 maxresults 1"
    page = q(api, statement)
    assert (page["startPosition"], page["maxResults"]) == (2, 1)
    assert [r["Id"] for r in page["Customer"]] == [sorted(ids, key=int)[1]]


def test_count_returns_total_count_only(api, people):
    assert q(api, "SELECT COUNT(*) FROM Customer") == {"totalCount": 5}


def test_an_empty_result_has_no_entity_key(api, people):
    assert q(api, "select * from Customer where DisplayName = 'Nobody'") == {}


def test_dotted_fields_and_datetime_comparisons(api, people):
    rows = q(
        api, "select * from Customer where MetaData.LastUpdatedTime > '2000-01-01T00:00:00-0700'"
    )["Customer"]
    assert len(rows) == 5
    assert q(api, "select * from Customer where MetaData.CreateTime < '2000-01-01'") == {}


def test_references_compare_by_value_and_numbers_numerically(api, people):
    income = q(api, "select * from Account where Name = 'Services'")["Account"][0]["Id"]
    item = api.post(
        "/item", json={"Name": "Case", "Type": "Service", "IncomeAccountRef": {"value": income}}
    ).json()["Item"]
    customer_id = people["Alice Able"]
    for amount in ("9.50", "100.00"):
        response = api.post(
            "/invoice",
            json={
                "CustomerRef": {"value": customer_id},
                "Line": [
                    {
                        "Amount": amount,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                    }
                ],
            },
        )
        assert response.status_code == 200, response.text
    rows = q(
        api,
        f"select * from Invoice where CustomerRef = '{customer_id}' and TotalAmt > '10' orderby TotalAmt desc",
    )
    assert [r["TotalAmt"] for r in rows["Invoice"]] == [Decimal("100.0")]


def test_a_projection_answers_only_the_fields_asked_for(api, people):
    rows = q(api, "SELECT Id, DisplayName FROM Customer WHERE DisplayName LIKE 'Alice%'")
    assert rows["Customer"] == [
        {
            "Id": people["Alice Able"],
            "DisplayName": "Alice Able",
            "domain": "QBO",
            "sparse": True,
        }
    ]
    # Dotted names select their top-level field.
    bob = people["bob baker"]
    [row] = q(api, f"select MetaData.CreateTime from Customer where Id = '{bob}'")["Customer"]
    assert set(row) == {"Id", "MetaData", "domain", "sparse"}
    assert set(row["MetaData"]) == {"CreateTime", "LastUpdatedTime"}


def test_post_with_application_text(api, people):
    response = api.post(
        "/query",
        content="select * from Customer where DisplayName = 'Carol Cole'",
        headers={"Content-Type": "application/text"},
    )
    assert response.json()["QueryResponse"]["Customer"][0]["Id"] == people["Carol Cole"]


def test_a_parse_error_over_http_is_a_400_fault(api):
    response = api.get("/query", params={"query": "select * from Customer where"})
    assert response.status_code == 400
    [error] = response.json()["Fault"]["Error"]
    assert (error["code"], error["Message"]) == ("4000", "Error parsing query")
    assert error["Detail"] == 'QueryParserError: Encountered "<EOF>" at line 1, column 29.'
    assert response.json()["Fault"]["type"] == "ValidationFault"
