"""Every environment variable stockpool reads is documented where operators look for it."""

from __future__ import annotations

from pathlib import Path

from api.settings import VARIABLES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented_in_deployment_or_limits():
    documented = "".join(
        (DOCS / page).read_text(encoding="utf-8")
        for page in ("deployment-and-scaling.md", "limits.md")
    )
    missing = [
        v.name
        for v in VARIABLES.values()
        if f"`{v.name}`" not in documented and f"`{v.name}=" not in documented
    ]
    assert missing == []
