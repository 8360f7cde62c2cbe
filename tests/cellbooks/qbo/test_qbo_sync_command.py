"""python manage.py qbo_sync: the same sync from the command line, with a report."""

import io

import pytest
from django.core.management import CommandError, call_command
from qbo_helpers import qbo_documents


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("qbo_sync", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_all_syncs_every_document_not_yet_synced(ready, qbo, company, received_po, open_invoice):
    output = run("--all", "--company", company.slug)

    assert "Synced 2, failed 0" in output
    assert len(qbo_documents(qbo, "Bill")) == 1 and len(qbo_documents(qbo, "Invoice")) == 1
    assert "Nothing to sync" in run("--all", "--company", company.slug)


def test_one_invoice_by_number(ready, qbo, company, open_invoice):
    output = run("--invoice", open_invoice.number, "--company", company.slug)

    assert "Synced 1" in output
    assert qbo_documents(qbo, "Invoice")[0]["DocNumber"] == open_invoice.number


def test_failures_are_listed_and_the_command_fails(connected, qbo, company, open_invoice):
    with pytest.raises(CommandError, match="1 document"):
        run("--invoice", open_invoice.number, "--company", company.slug)


def test_an_unknown_number_is_a_clear_error(ready, company):
    with pytest.raises(CommandError, match="No purchase order numbered 'PO-9999'"):
        run("--po", "PO-9999", "--company", company.slug)
