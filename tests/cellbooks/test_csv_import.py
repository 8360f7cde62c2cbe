"""Bulk-adding devices to a purchase order from CSV: good files, every kind of bad row, atomicity."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cellbooks.inventory import csv_import, services
from cellbooks.inventory.csv_import import CsvImportError, RowError, sniff_delimiter
from cellbooks.inventory.models import Device, Product, PurchaseOrderLine

HEADER = "IMEI,Manufacturer,Model,Capacity,Colour,Network,Condition,Cost"


def run(po, text):
    return csv_import.import_purchase_order_csv(purchase_order=po, text=text)


def row_errors(po, text) -> list[RowError]:
    with pytest.raises(CsvImportError) as exc:
        run(po, text)
    return exc.value.errors


def test_it_imports_a_file_with_a_header(draft_po, imei):
    text = f"{HEADER}\n{imei(1)},Apple,iPhone 13,128GB,Blue,Unlocked,A,310.00\n{imei(2)},Apple,iPhone 13,128GB,Blue,Unlocked,b,295\n"
    result = run(draft_po, text)
    assert (result.created, result.products_created) == (2, 1)
    lines = list(draft_po.lines.select_related("device__condition"))
    assert [(ln.device.identifier, ln.unit_cost, ln.device.condition.code) for ln in lines] == [
        (imei(1), Decimal("310.00"), "A"),
        (imei(2), Decimal("295.00"), "B"),
    ]
    assert {ln.device.status for ln in lines} == {Device.Status.INCOMING}  # until received


def test_it_imports_a_file_without_a_header(draft_po, imei):
    result = run(draft_po, f"{imei(1)},Google,Pixel 7,128GB,Obsidian,Verizon,C,180.50\n")
    assert result.created == 1
    assert (
        Device.objects.get(identifier=imei(1)).product.display_name
        == "Google Pixel 7 128GB Obsidian Verizon"
    )


def test_it_imports_tabs_pasted_from_a_spreadsheet_with_a_bom_and_aliases(draft_po, imei):
    text = (
        "\ufeffSerial\tBrand\tModel\tStorage\tColor\tCarrier\tGrade\tUnit cost\tPrice\n"
        f"{imei(1)}\tApple\tiPad Air 5\t64GB\tGrey\tWiFi\tA\t$1,020.00\t1199\n"
        "DMPQ12AB34\tApple\tiPad Air 5\t64GB\tGrey\tWiFi\tA\t1020\t\n"
    )
    assert run(draft_po, text).created == 2
    ipad = Device.objects.get(identifier="DMPQ12AB34")
    assert (ipad.identifier_kind, ipad.product.kind, ipad.price) == ("serial", "tablet", None)
    assert Device.objects.get(identifier=imei(1)).price == Decimal("1199.00")


def test_it_imports_semicolons_and_matches_existing_products(company, draft_po, imei):
    existing = services.get_or_create_product(
        company=company, manufacturer="Samsung", model="Galaxy S22", capacity="256GB"
    )
    result = run(
        draft_po,
        f"imei;make;model;capacity;colour;network;condition;cost\n{imei(1)};SAMSUNG;galaxy s22;256gb;;;D;99\n",
    )
    assert (result.created, result.products_created) == (1, 0)
    assert Device.objects.get(identifier=imei(1)).product == existing


def test_columns_may_come_in_any_order_under_a_header(draft_po, imei):
    text = f"cost,condition,model,manufacturer,imei\n12.5,A,Pixel 6,Google,{imei(1)}\n"
    assert run(draft_po, text).created == 1
    assert Device.objects.get(identifier=imei(1)).cost == Decimal("12.50")


def test_it_sniffs_the_delimiter():
    assert sniff_delimiter("a\tb,c\n") == "\t"
    assert sniff_delimiter("a;b;c,d\n") == ";"
    assert sniff_delimiter("\n\na,b\n") == ","


def test_it_reports_every_bad_row_at_once_and_writes_nothing(
    company, vendor, draft_po, stock, imei
):
    draft = services.create_purchase_order(company=company, vendor=vendor)
    text = "\n".join(
        [
            HEADER,
            f"{imei(10)},Apple,iPhone 14,128GB,Black,Unlocked,A,500",  # 2: good
            "352099001761480,Apple,iPhone 14,128GB,Black,Unlocked,A,500",  # 3: bad check digit
            f"{imei(10)},Apple,iPhone 14,128GB,Black,Unlocked,A,500",  # 4: duplicate of row 2
            f"{stock[0].identifier},Apple,iPhone 13,128GB,Blue,Unlocked,A,300",  # 5: already in stock
            f"{imei(11)},,iPhone 14,128GB,Black,Unlocked,A,500",  # 6: no manufacturer
            f"{imei(12)},Apple,iPhone 14,128GB,Black,Unlocked,A,-1",  # 7: negative cost
            f"{imei(13)},Apple,iPhone 14,128GB,Black,Unlocked,A,12.345",  # 8: three decimals
            f"{imei(14)},Apple,iPhone 14,128GB,Black,Unlocked,A,ten",  # 9: not a number
            f"{imei(15)},Apple,iPhone 14,128GB,Black,Unlocked,Mint,500",  # 10: unknown condition
            f"{imei(16)},Apple,iPhone 14,128GB,Black,Unlocked,A,",  # 11: no cost
            "3520990017614,Apple,iPhone 14,128GB,Black,Unlocked,A,500",  # 12: serial (13 digits) - good
            "35209900176148,Apple,iPhone 14,128GB,Black,Unlocked,A,500",  # 13: 14 digits
        ]
    )
    errors = row_errors(draft, text)
    found = [(e.row, e.field) for e in errors]
    assert found == [
        (3, "identifier"),
        (4, "identifier"),
        (5, "identifier"),
        (6, "manufacturer"),
        (7, "cost"),
        (8, "cost"),
        (9, "cost"),
        (10, "condition"),
        (11, "cost"),
        (13, "identifier"),
    ]
    messages = {e.row: e.message for e in errors}
    assert messages[3] == "352099001761480 is not a valid IMEI: the check digit should be 1."
    assert messages[4] == f"{imei(10)} is in the file twice: also on row 2."
    assert messages[5] == f"{stock[0].identifier} is already in stock."
    assert messages[6] == "The manufacturer is required."
    assert messages[7] == "Cost cannot be negative (-$1.00)."
    assert (
        messages[8] == "Cost '12.345' has more than two decimal places: give an amount like 120.50."
    )
    assert messages[9] == "Cost 'ten' is not an amount: give an amount like 120.50."
    assert messages[10] == "There is no condition 'Mint': use one of A, B, C, D."
    assert messages[11] == "Cost is required."
    assert "an IMEI has 15 digits" in messages[13]
    assert (
        str(errors[0])
        == "Row 3 (352099001761480): 352099001761480 is not a valid IMEI: the check digit should be 1."
    )
    assert draft.lines.count() == 0
    assert not Device.objects.filter(identifier=imei(10)).exists()
    assert not Product.objects.filter(model="iPhone 14").exists()


def test_a_device_sold_before_exists_already(company, vendor, draft_invoice, stock):
    services.add_devices_to_invoice(invoice=draft_invoice, identifiers=[stock[0].identifier])
    draft = services.create_purchase_order(company=company, vendor=vendor)
    (error,) = row_errors(draft, f"{stock[0].identifier},Apple,iPhone 13,,,,A,1")
    assert error.message == f"{stock[0].identifier} already exists in this company (reserved)."


def test_the_error_is_a_validation_error_with_one_message_per_problem(draft_po):
    with pytest.raises(ValidationError) as exc:
        run(draft_po, "SERIAL1,Apple,iPhone,,,,A,x\n")
    assert exc.value.message_dict == {
        "text": ["Row 1 (SERIAL1): Cost 'x' is not an amount: give an amount like 120.50."]
    }


def test_a_row_with_the_wrong_number_of_columns_says_what_is_expected(draft_po, imei):
    (error,) = row_errors(draft_po, f"{imei(1)},Apple,iPhone 13\n")
    assert error.message == (
        "This row has 3 columns; expected 8: IMEI/serial, manufacturer, model, capacity, colour, network, condition, cost."
    )


def test_a_header_missing_a_required_column_is_refused(draft_po, imei):
    errors = row_errors(draft_po, f"IMEI,Model,Condition,Cost\n{imei(1)},iPhone 13,A,10\n")
    assert [e.message for e in errors] == ["The header has no column for manufacturer."]


def test_an_unknown_header_column_is_named(draft_po, imei):
    errors = row_errors(draft_po, f"{HEADER},Warranty\n{imei(1)},Apple,iPhone 13,,,,A,10,1y\n")
    assert errors[0].message.startswith("Unknown column(s) Warranty: use IMEI/serial, manufacturer")


def test_empty_text_is_refused(draft_po):
    assert [e.message for e in row_errors(draft_po, " \n\n")] == [
        "There are no devices in this text."
    ]


def test_blank_lines_are_skipped_and_row_numbers_stay_true(draft_po, imei):
    (error,) = row_errors(
        draft_po,
        f"{HEADER}\n\n{imei(1)},Apple,iPhone 13,,,,A,1\n\n{imei(2)},Apple,iPhone 13,,,,Z,1\n",
    )
    assert error.row == 5  # header, blank, row, blank, row


def test_only_a_draft_purchase_order_takes_an_import(draft_po, stock, imei):
    with pytest.raises(ValidationError) as exc:
        run(draft_po, f"{imei(9)},Apple,iPhone 13,,,,A,1")
    assert exc.value.message_dict == {
        "__all__": ["Purchase order PO-1001 is received: only a draft one can take new devices."]
    }


def test_it_imports_5000_rows_in_one_go(draft_po, imei):
    # How fast is measured in bench/ (rule: no timed assertions in tests).
    rows = [
        f"{imei(n)},Apple,iPhone {12 + n % 4},{(64, 128, 256)[n % 3]}GB,Blue,Unlocked,{'ABCD'[n % 4]},{100 + n % 200}.{n % 100:02d}"
        for n in range(1, 5001)
    ]
    result = run(draft_po, HEADER + "\n" + "\n".join(rows))
    assert (result.created, result.products_created) == (5000, 12)
    assert PurchaseOrderLine.objects.filter(purchase_order=draft_po).count() == 5000
