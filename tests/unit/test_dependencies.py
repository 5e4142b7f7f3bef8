"""Installs are reproducible: every imported package is declared in pyproject.toml, and the lock
files (`make lock`) pin every declared one, with hashes, the runtime pins the same in both."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
EXTRAS = {
    extra: [Requirement(line) for line in lines]
    for extra, lines in PROJECT.get("optional-dependencies", {}).items()
}
OWN_PACKAGES = {"api", "domain", "schema", "tests", "bench", "examples"}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?: ;[^\\]*)? \\$")


def pins(lock: str) -> dict[str, str]:
    """Name → pinned version, and a check that each pin carries a hash."""
    assert (ROOT / lock).exists(), f"{lock} is missing: run `make lock`"
    lines = (ROOT / lock).read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        pinned = PIN.match(line)
        if pinned:
            assert lines[number + 1].strip().startswith("--hash=sha256:"), f"{lock}: {line}"
            found[canonicalize_name(pinned["name"])] = pinned["version"]
    return found


def names(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in requirements}


def imported_distributions(*folders: str) -> dict[str, set[str]]:
    """Each third-party top-level module imported under `folders` → the distributions that
    provide it in this environment."""
    providers = packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN_PACKAGES:
                        found[top] = {canonicalize_name(d) for d in providers.get(top, [])}
    return found


def undeclared(modules: dict[str, set[str]], declared: set[str]) -> list[str]:
    return sorted(module for module, providers in modules.items() if not providers & declared)


def test_every_package_the_application_imports_is_declared():
    optional = set().union(*(names(reqs) for extra, reqs in EXTRAS.items() if extra != "dev"))
    modules = imported_distributions("api", "domain", "schema")
    assert undeclared(modules, names(RUNTIME) | optional) == []


def test_every_package_the_tests_import_is_declared():
    everything = names(RUNTIME).union(*(names(reqs) for reqs in EXTRAS.values()))
    assert undeclared(imported_distributions("tests"), everything) == []


def assert_pinned(lock: str, requirements: list[Requirement]) -> dict[str, str]:
    locked = pins(lock)
    for requirement in requirements:
        version = locked.get(canonicalize_name(requirement.name))
        assert version, f"{lock} lacks {requirement.name}: run `make lock`"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {requirement.name}=={version}, outside "
            f"{requirement.specifier}: run `make lock`"
        )
    return locked


def test_the_runtime_lock_pins_every_runtime_dependency_within_its_range():
    assert_pinned("requirements.lock", RUNTIME)


def test_each_optional_integration_has_a_lock_of_its_own_with_the_dev_locks_pins():
    dev = pins("requirements-dev.lock")
    runtime = pins("requirements.lock")
    for extra, requirements in EXTRAS.items():
        if extra != "dev":
            locked = assert_pinned(f"requirements-{extra}.lock", RUNTIME + requirements)
            assert {name: dev.get(name) for name in locked} == locked
            assert {name: locked.get(name) for name in runtime} == runtime


def test_the_dev_lock_pins_every_extra_and_the_runtime_pins_unchanged():
    locked = assert_pinned("requirements-dev.lock", [r for reqs in EXTRAS.values() for r in reqs])
    runtime = pins("requirements.lock")
    assert {name: locked.get(name) for name in runtime} == runtime


def test_the_lock_files_say_how_to_regenerate_them():
    for lock in ROOT.glob("requirements*.lock"):
        assert "#    make lock\n" in lock.read_text(encoding="utf-8")


def test_a_changed_lock_file_reinstalls_at_the_next_make_run_or_make_test(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    stamps = {"run": tmp_path / ".venv/.run-stamp", "dev": tmp_path / ".venv/.dev-stamp"}
    for path in (tmp_path / ".venv/bin/python", *stamps.values()):
        path.touch()
        os.utime(path, (2_000_000, 2_000_000))  # installed after the locks were written
    locks = {"run": tmp_path / "requirements.lock", "dev": tmp_path / "requirements-dev.lock"}
    for lock in [*locks.values(), tmp_path / "pyproject.toml"]:
        os.utime(lock, (1_000_000, 1_000_000))

    def planned(stamp: str) -> str:
        return subprocess.run(
            ["make", "-n", f".venv/.{stamp}-stamp"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "pip install" not in planned("run") + planned("dev")
    os.utime(locks["run"], (3_000_000, 3_000_000))  # `make lock` wrote it since
    assert "--require-hashes -r requirements.lock" in planned("run")
    os.utime(locks["dev"], (3_000_000, 3_000_000))
    assert "--require-hashes -r requirements-dev.lock" in planned("dev")
