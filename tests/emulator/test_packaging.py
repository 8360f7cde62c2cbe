"""The emulator is usable on its own: a wheel of just ``qbo_emulator`` builds from
src/qbo_emulator/pyproject.toml, installs into a fresh virtual environment that has no Cellbooks,
and ``python -m qbo_emulator serve`` runs from it and answers the API.

No package is downloaded: the wheel is built with this environment's setuptools, and the fresh
environment borrows this one's third-party packages through a path entry (which, unlike this
environment's own site-packages, does not run the editable-install hook that would put
Cellbooks' ``src`` on the path)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx

import qbo_emulator

SOURCE = Path(qbo_emulator.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def test_a_wheel_of_just_the_emulator_installs_and_serves(tmp_path):
    # Build from a copy, so the build's own folders never land in the source tree.
    source = tmp_path / "source"
    shutil.copytree(
        SOURCE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    )
    dist = tmp_path / "dist"
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--quiet", str(source), "-w", str(dist),
    )  # fmt: skip
    [wheel] = dist.glob("qbo_emulator-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "qbo_emulator/__main__.py" in names and "qbo_emulator/entities/ledger.py" in names
    assert not any(name.startswith("cellbooks") for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert any("starlette" in line for line in requires)
    assert not any("django" in line.lower() for line in requires)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    run(
        sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
        "--no-index", "--quiet", str(wheel),
    )  # fmt: skip
    fresh_site = Path(
        run(
            str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    (fresh_site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = run(
        str(python),
        "-c",
        "import importlib.util, qbo_emulator; print(qbo_emulator.__file__); "
        "print(importlib.util.find_spec('cellbooks'))",
        cwd=tmp_path,
    ).stdout.split()
    assert where[0].startswith(str(fresh_site)) and where[1] == "None"

    port = free_port()
    server = subprocess.Popen(
        [str(python), "-m", "qbo_emulator", "serve", "--port", str(port), "--demo",
         "--no-rate-limits"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        companies = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                companies = httpx.get(f"{url}/_emulator/companies", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert companies is not None, server.stderr.read().decode() if server.poll() else "slow"
        by_name = {c["name"]: c["realmId"] for c in companies["companies"]}
        assert "Sandbox Company_US_1" in by_name
        realm = by_name["Sandbox Company_US_1"]
        client_id = "packaging-test"
        httpx.post(
            f"{url}/_emulator/apps",
            json={"client_id": client_id, "client_secret": "s", "redirect_uris": ["http://x/cb"]},
        ).raise_for_status()
        token = httpx.post(
            f"{url}/_emulator/tokens", json={"client_id": client_id, "realm_id": realm}
        ).json()["access_token"]
        info = httpx.get(
            f"{url}/v3/company/{realm}/companyinfo/{realm}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        assert info.status_code == 200
        assert info.json()["CompanyInfo"]["CompanyName"] == "Sandbox Company_US_1"
    finally:
        server.terminate()
        server.wait(timeout=20)
