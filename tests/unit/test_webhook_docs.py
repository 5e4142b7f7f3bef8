"""The signature checks docs/webhooks.md gives receivers, in Python and in Node, run against
requests signed as stockpool signs them (domain/webhooks.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from domain.webhooks import new_secret, signatures

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
BODY = b'{"type":"availability.changed","data":{"sku":"TEE","published":3,"version":7}}'


def snippet(language: str) -> str:
    [code] = re.findall(rf"```{language}\n(.*?)```", PAGE, re.S)
    return code


def signed(secrets: list[str], body: bytes = BODY, timestamp: int | None = None) -> dict[str, str]:
    moment = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": "msg_2f6b1c",
        "webhook-timestamp": str(moment),
        "webhook-signature": signatures(secrets, "msg_2f6b1c", moment, body),
    }


SECRET, OTHER = new_secret(), new_secret()
Case = tuple[str, Callable[[], tuple[dict[str, str], bytes]], bool]
"""A name, how to sign the request (when the test runs: the check allows 5 minutes of clock
skew, and a test may run long after collection), and whether the check must accept it."""
CASES: list[Case] = [
    ("signed with the secret", lambda: (signed([SECRET]), BODY), True),
    (
        "during a rotation, the previous secret's signature second",
        lambda: (signed([OTHER, SECRET]), BODY),
        True,
    ),
    (
        "a body changed after signing",
        lambda: (signed([SECRET]), BODY.replace(b"3", b"9")),
        False,
    ),
    ("signed with another secret", lambda: (signed([OTHER]), BODY), False),
    (
        "signed ten minutes ago",
        lambda: (signed([SECRET], timestamp=int(time.time()) - 600), BODY),
        False,
    ),
]


@pytest.mark.parametrize(("case", "sign", "valid"), CASES, ids=[c[0] for c in CASES])
def test_the_python_check_of_the_docs_accepts_exactly_what_stockpool_signed(
    case: str, sign: Callable[[], tuple[dict[str, str], bytes]], valid: bool
) -> None:
    headers, body = sign()
    scope: dict[str, Any] = {}
    exec(compile(snippet("python"), "docs/webhooks.md", "exec"), scope)
    assert scope["verify"](SECRET, headers, body) is valid


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_node_check_of_the_docs_accepts_exactly_what_stockpool_signed(tmp_path: Path) -> None:
    module = tmp_path / "verify.js"
    module.write_text(snippet("js"), encoding="utf-8")
    runner = tmp_path / "run.js"
    runner.write_text(
        'const { verify } = require("./verify.js");\n'
        'const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));\n'
        "console.log(JSON.stringify(cases.map((c) => "
        'verify(c.secret, c.headers, Buffer.from(c.body, "utf8")))));\n',
        encoding="utf-8",
    )
    requests = [sign() for _, sign, _ in CASES]
    cases = [{"secret": SECRET, "headers": h, "body": b.decode()} for h, b in requests]
    done = subprocess.run(
        ["node", str(runner)], input=json.dumps(cases), capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [valid for *_, valid in CASES]
