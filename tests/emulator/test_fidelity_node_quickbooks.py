"""node-quickbooks (the npm package, pinned in tests/emulator/node/package-lock.json and installed
by ``make node``), used unchanged but for its base URL, runs a representative flow against the
emulator with the machine's Node.js: name lists, a credit memo used by a payment and its void, a
refund receipt, an estimate, a deposit, a vendor credit used by a bill payment, a transfer, tax
from a TaxService code, an upload, Preferences, reports, batch, CDC and a delete."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).parent / "node"


def test_node_quickbooks_runs_its_flow_against_the_emulator(emulator_server, realm, token):
    node = shutil.which("node")
    assert node, "Node.js is needed for this test (Debian: apt-get install nodejs npm)"
    assert (NODE_DIR / "node_modules" / "node-quickbooks").is_dir(), (
        "node-quickbooks is not installed: run `make node`"
    )
    run = subprocess.run(
        [node, str(NODE_DIR / "fidelity.js"), emulator_server.url, realm, token],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)

    customer = seen["customer"]
    assert (customer["read"], customer["syncToken"], customer["companyName"]) == (
        "Node Customer",
        "1",
        "Node Co",
    )
    assert customer["found"] == customer["id"] and customer["count"] == 1
    payment = seen["credit"]["paymentId"]
    assert seen["credit"] == {
        "invoiceBalance": 0,
        "invoiceLinks": [f"Payment:{payment}"],
        "memoRemaining": 0,
        "memoLinks": [f"Payment:{payment}"],
        "paymentId": payment,
        "unapplied": 0,
    }
    assert seen["afterVoid"] == {"invoiceBalance": 300, "memoRemaining": 120}
    assert seen["sales"] == {"refund": [45, 0], "estimate": [999, "Pending"], "deposit": 80}
    assert seen["purchases"] == {
        "billBalance": 0,
        "vendorCreditBalance": 0,
        "vendorBalance": 0,
        "billPaymentTotal": 300,
    }
    # Checking: -45 refunded + 80 deposited - 300 paid to the vendor - 25 transferred.
    assert seen["balances"] == {"Checking": -290, "Savings": 25}
    assert seen["tax"] == {"code": "Node Code", "total": 220, "tax": 20}
    assert seen["attachable"]["name"] == "imeis.csv" and seen["attachable"]["size"] == 21
    assert seen["preferences"] == {
        "estimateSubject": "Node quote",
        "invoiceSubject": "Invoice from Plus Phones LLC",
    }
    # 300 invoiced - 120 credited - 45 refunded + 80 receipt + 200 taxed invoice - 300 of
    # bills net of the vendor credit.
    assert seen["reports"] == {"netIncome": "115.00", "balanceSheetTotals": ["135.00", "135.00"]}
    assert seen["batch"] == ["b1:Node Batch", f"b2:{customer['id']}"]
    assert seen["cdc"] == ["CreditMemo", "Invoice"]
    assert seen["deleted"] == "610"
