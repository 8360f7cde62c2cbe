"""``--data DIR``: state survives a restart (in-process and through the CLI)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx

from qbo_emulator.core import Emulator
from qbo_emulator.server import run_in_thread


def test_a_restarted_emulator_has_the_same_companies_and_records(tmp_path, emulator_tools):
    with run_in_thread(Emulator(data_dir=tmp_path)) as first:
        realm = emulator_tools.create_company(first, name="Persistent Phones")
        token = emulator_tools.issue_token(first, realm)
        api = httpx.Client(
            base_url=f"{first.url}/v3/company/{realm}", headers={"Authorization": f"Bearer {token}"}
        )
        customer = api.post("/customer", json={"DisplayName": "Remembered"}).json()["Customer"]
        api.post("/customer", params={"requestid": "kept"}, json={"DisplayName": "Replayed"})
        api.close()
    assert json.loads((tmp_path / "store.json").read_text())["realms"][0]["realmId"] == realm

    with run_in_thread(Emulator(data_dir=tmp_path)) as second:
        token = emulator_tools.issue_token(second, realm)
        api = httpx.Client(
            base_url=f"{second.url}/v3/company/{realm}",
            headers={"Authorization": f"Bearer {token}"},
        )
        again = api.get(f"/customer/{customer['Id']}").json()["Customer"]
        assert again == customer
        # Ids keep counting from where they were, and requestids are still remembered.
        newer = api.post("/customer", json={"DisplayName": "New"}).json()["Customer"]
        assert int(newer["Id"]) > int(customer["Id"])
        replay = api.post(
            "/customer", params={"requestid": "kept"}, json={"DisplayName": "Replayed"}
        )
        assert replay.status_code == 200
        count = api.get("/query", params={"query": "select count(*) from Customer"}).json()
        assert count["QueryResponse"]["totalCount"] == 3
        api.close()


def test_writes_are_flushed_in_the_background_without_a_stop(tmp_path):
    emulator = Emulator(data_dir=tmp_path)
    realm = emulator.store.create_company(name="Flushed")
    emulator.store.create_entity(realm, "Customer", {"DisplayName": "On Disk"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        path = tmp_path / "store.json"
        if path.exists() and "On Disk" in path.read_text():
            break
        time.sleep(0.05)
    else:
        raise AssertionError("store.json was not written")
    assert not list(tmp_path.glob(".*.tmp"))  # atomic: no temporary file left behind


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(data: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "qbo-emulator"),
            "serve",
            "--port",
            str(port),
            "--data",
            str(data),
            "--demo",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/settings", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("qbo-emulator did not start")


def test_the_cli_server_keeps_its_state_across_restarts(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(tmp_path, port)
    try:
        companies = httpx.get(f"{url}/_emulator/companies").json()["companies"]
        assert {c["name"] for c in companies} == {
            "Demo Phones Wholesale LLC",
            "Essentials Electronics Inc",
            "Sandbox Company_US_1",
        }
        settings = httpx.get(f"{url}/_emulator/settings").json()
        assert settings["rate_limits_enabled"] is True  # on by default in the server
        httpx.post(f"{url}/_emulator/reset").raise_for_status()
        assert httpx.get(f"{url}/_emulator/settings").json()["rate_limits_enabled"] is True
        created = httpx.post(f"{url}/_emulator/companies", json={"name": "Restart Co"}).json()
    finally:
        process.terminate()
        process.wait(timeout=10)
    process = _serve(tmp_path, port)
    try:
        companies = httpx.get(f"{url}/_emulator/companies").json()["companies"]
        names = [c["name"] for c in companies]
        # --demo is idempotent: the demo companies are not created twice.
        assert sorted(names) == [
            "Demo Phones Wholesale LLC",
            "Essentials Electronics Inc",
            "Restart Co",
            "Sandbox Company_US_1",
        ]
        assert created["realmId"] in {c["realmId"] for c in companies}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_help_lists_the_options():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "qbo-emulator"), "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--host",
        "--port",
        "--data",
        "--demo",
        "--no-rate-limits",
        "--latency-ms",
        "--time-scale",
    ):
        assert option in result.stdout


def test_uploads_sample_data_and_rates_survive_a_restart(tmp_path):
    first = Emulator(data_dir=tmp_path)
    realm = first.store.create_company(name="Kept Files", sample_data=True, multicurrency=True)
    [stored] = first.store.upload(
        realm,
        [
            {
                "metadata": {"Note": "packing list"},
                "filename": "list.txt",
                "content_type": "text/plain",
                "content": b"3 x iPhone 13\n",
            }
        ],
    )
    first.store.set_exchange_rate(
        realm, {"SourceCurrencyCode": "GBP", "Rate": "1.27", "AsOfDate": "2026-03-01"}
    )
    pnl = first.store.report(realm, "ProfitAndLoss", {"date_macro": "All"})
    first.save()

    second = Emulator(data_dir=tmp_path)
    record, content = second.store.file(realm, stored["Id"])
    assert (record["FileName"], record["Size"], content) == ("list.txt", 14, b"3 x iPhone 13\n")
    assert second.store.get_exchange_rate(realm, "GBP", "2026-03-31")["Rate"] == Decimal("1.27")
    # The books are rebuilt from the records: the same report.
    assert second.store.report(realm, "ProfitAndLoss", {"date_macro": "All"})["Rows"] == pnl["Rows"]
