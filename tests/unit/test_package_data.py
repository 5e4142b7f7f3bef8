"""A non-editable install (`pip install .`, a wheel) carries the pages the app serves: every
file under frontend_stub/ is package data, where api/pages.py looks for it.

Building a wheel here would need setuptools>=77 from the network (build isolation); this reads
the same configuration setuptools does: packages found by `include`, files by `package-data`
globs (recursive, relative to the package's folder)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from api.pages import FRONTEND

ROOT = Path(__file__).resolve().parents[2]


def _setuptools() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config: dict = tomllib.load(file)["tool"]["setuptools"]
    return config


def test_the_pages_folder_is_a_package_beside_api():
    include = _setuptools()["packages"]["find"]["include"]
    assert FRONTEND == ROOT / "frontend_stub"
    assert any(fnmatch.fnmatch("frontend_stub", pattern) for pattern in include)


def test_every_file_of_the_pages_is_package_data():
    patterns = _setuptools()["package-data"]["frontend_stub"]
    carried = {path for pattern in patterns for path in FRONTEND.glob(pattern) if path.is_file()}
    files = {
        path
        for path in FRONTEND.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.name != ".DS_Store"
    }
    assert files, "frontend_stub/ is empty"
    assert sorted(map(str, files - carried)) == []
