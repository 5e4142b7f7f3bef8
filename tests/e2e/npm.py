"""Node packages the e2e tests use, installed from their package-lock.json on first use.

`npm ci` runs once per directory and lock: a stamp in node_modules records the lock's hash,
so a later run (or a changed lock) knows whether to install again. A file lock keeps two test
processes from installing into one directory at once. Without node and npm the tests skip,
except in CI, which must run them."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.services import IN_CI

STAMP = ".stockpool-lock-sha256"


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (Node.js 20 or later)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run these tests", pytrace=False)
        pytest.skip(message)
    return found


def installed(directory: Path) -> Path:
    """`directory`'s node_modules, installed exactly as its package-lock.json says."""
    npm = require("npm")
    require("node")
    modules = directory / "node_modules"
    lock = hashlib.sha256((directory / "package-lock.json").read_bytes()).hexdigest()
    where = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"stockpool-npm-{where}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (modules / STAMP).is_file() and (modules / STAMP).read_text() == lock:
            return modules
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {directory} failed:\n{done.stdout}\n{done.stderr}")
        (modules / STAMP).write_text(lock)
    return modules


async def run_node_script(directory: Path, script: str, **environment: str) -> list[dict[str, Any]]:
    """Runs `node script` in `directory` with `environment` added; the JSON lines it printed
    (it must exit 0)."""
    process = await asyncio.create_subprocess_exec(
        require("node"),
        script,
        cwd=directory,
        env={**os.environ, **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert process.returncode == 0, (lines, err.decode())
    return lines
