"""`stockpool listings import|export`: a merchant's spreadsheet in and out, through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.pages_server import demo_database as made_by_demo


def stockpool(database: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "STOCKPOOL_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_by_demo(tmp_path_factory.mktemp("cli") / "stockpool.db")


def test_a_csv_file_is_imported_and_exported_back(demo_database, tmp_path):
    source = tmp_path / "web.csv"
    source.write_text(
        "sku,external_sku,safety_units,cap,safety_percent\n"
        "TEE-BLK-M,W-TEE-BLK-M,2,5,\n"
        "TEE-BLK-L,W-TEE-BLK-L,,,12.5\n"
    )
    imported = stockpool(
        demo_database, "listings", "import", "--channel", "web", "--file", str(source)
    )
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 listings" in imported.stdout
    exported = stockpool(demo_database, "listings", "export", "--channel", "web")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0] == (
        "sku,external_sku,status,safety_units,safety_percent,cap,allow_backorder,backorder_limit"
    )
    assert "TEE-BLK-L,W-TEE-BLK-L,active,,12.5,,false,0" in lines
    assert "TEE-BLK-M,W-TEE-BLK-M,active,2,,5,false,0" in lines
    assert "TEE-BLK-S,TEE-BLK-S,active,,,,false,0" in lines  # the demo's, untouched


def test_a_file_with_a_bad_row_is_refused_whole_with_its_line_number(demo_database):
    before = stockpool(demo_database, "listings", "export", "--channel", "amazon").stdout
    refused = stockpool(
        demo_database,
        "listings",
        "import",
        "--channel",
        "amazon",
        stdin="sku,external_sku,cap\nHOOD-GRY-M,A-1,3\nHOOD-GRY-L,A-2,-4\n",
    )
    assert refused.returncode == 1
    assert "csv:3:cap" in refused.stderr
    assert "nothing imported" in refused.stderr
    after = stockpool(demo_database, "listings", "export", "--channel", "amazon").stdout
    assert after == before
