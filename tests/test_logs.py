"""`catalogue serve --log-format json`: every line on standard error is one JSON object."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import free_port

from catalogue.demo.generated import generate_catalog
from catalogue.logs import JsonFormatter


def test_json_formatter_keeps_the_error() -> None:
    try:
        raise ValueError("bad page")
    except ValueError:
        record = logging.getLogger("catalogue.test").makeRecord(
            "catalogue.test", logging.ERROR, __file__, 1, "harvest of %s crashed", ("be",), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "harvest of be crashed" and entry["level"] == "error"
    assert entry["logger"] == "catalogue.test" and "ValueError: bad page" in entry["error"]
    assert entry["time"].endswith("+00:00")


def test_serve_logs_json_lines(tmp_path: Path) -> None:
    (tmp_path / "be.ttl").write_bytes(generate_catalog(3, base="https://be.example/"))
    port = free_port()
    config = tmp_path / "catalogue.toml"
    config.write_text(  # never harvested yet: the schedule harvests it at once, and logs that
        '[catalogue]\ntitle = "T"\ndata_dir = "./data"\n\n[[sources]]\nname = "be"\nurl = "be.ttl"\ninterval = "1h"\n'
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "catalogue", "serve", "--port", str(port), "--log-format", "json"],
        env={**os.environ, "CATALOGUE_CONFIG": str(config)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/search", timeout=1).json()["total"] == 3:
                    break
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=60)
    entries = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert any(
        e["logger"] == "catalogue.schedule" and "scheduled harvest of be: ok" in e["message"] for e in entries
    )
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
