"""The kinds of bad input the hostile suite feeds to every argument of the schema.

A kind is a value put at one place of an otherwise plain argument (a leaf of the target type
in every root field that has one), or one whole malformed request (tests/hostile/requests.py).
`refused` kinds must be refused where they land (a top-level error, or a userError of the
mutation), never run; the others may be accepted by some field (an empty list of SKUs, a
zero quantity where zero is allowed), and then only their change is allowed.

To add a kind: one line in the list of its target. Every root field with an argument of that
target type gets it, over HTTP (variables and literals) and WebSocket, on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING = object()
"""A value that leaves the argument or field out altogether."""


@dataclass(frozen=True)
class Kind:
    name: str
    target: str
    """What it is put in place of: String, Int, Float, Boolean, DateTime, enum, cursor, search,
    list or object."""
    value: Any
    refused: bool | str = True
    """True: refused wherever it lands; "mutations": refused by every mutation (text is
    stored with a length cap), while a query may look it up and find nothing."""


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode()


HUGE = 100_000


def _text(name: str, value: Any, refused: bool | str = False) -> Kind:
    return Kind(name, "String", value, refused)


TEXT = [
    _text("empty string", ""),
    _text("blank string", "   "),
    _text("tab only", "\t"),
    _text("line feed inside", "a\nb"),
    _text("CRLF inside", "a\r\nb"),
    _text("leading and trailing spaces", " X "),
    _text("NUL alone", "\x00", refused=True),
    _text("NUL inside", "a\x00b", refused=True),
    _text("NUL at the end", "X\x00", refused=True),
    _text("SOH U+0001", "\x01", refused=True),
    _text("backspace U+0008", "a\x08b", refused=True),
    _text("vertical tab U+000B", "a\x0bb", refused=True),
    _text("form feed U+000C", "a\x0cb", refused=True),
    _text("escape U+001B (terminal codes)", "\x1b[31mred\x1b[0m", refused=True),
    _text("unit separator U+001F", "a\x1fb", refused=True),
    _text("DEL U+007F", "a\x7fb", refused=True),
    _text("C1 U+0080", "a\x80b", refused=True),
    _text("next line U+0085", "a\x85b", refused=True),
    _text("C1 CSI U+009B", "a\x9bb", refused=True),
    _text("C1 U+009F", "a\x9fb", refused=True),
    _text("byte order mark", "\ufeffX"),
    _text("zero-width space", "X\u200b"),
    _text("right-to-left override", "\u202eX"),
    _text("line separator U+2028", "a\u2028b"),
    _text("noncharacter U+FFFF", "X\uffff"),
    _text("emoji (4 UTF-8 bytes)", "\U0001f600"),
    _text("1,000 combining accents", "e" + "\u0301" * 1000),
    _text("100k ASCII characters", "x" * HUGE, refused="mutations"),
    _text("100k two-byte characters", "é" * HUGE, refused="mutations"),
    _text("100k spaces", " " * HUGE, refused="mutations"),
    _text("65 characters (one past a code)", "C" * 65),
    _text("201 characters (one past a name)", "N" * 201),
    _text("501 characters (one past a text)", "T" * 501),
    _text("SQL injection (quote)", "' OR '1'='1' --"),
    _text("SQL injection (statement)", "X'; DROP TABLE skus; --"),
    _text("LIKE wildcards", "%_%"),
    _text("backslashes", "\\\\%\\_"),
    _text("quotes and backticks", "'\"`"),
    _text("path traversal", "../../../etc/passwd"),
    _text("HTML and script", "<script>alert(1)</script>"),
    _text("format strings", "%s%n{0}${x}{{x}}"),
    _text("Arabic-Indic digits", "\u0661\u0662\u0663"),
    _text("fullwidth letters", "\uff34\uff25\uff25"),
    _text("Cyrillic look-alike", "\u0422\u0415\u0415"),
    _text("the word null", "null"),
    _text("the word NaN", "NaN"),
    _text("a number as text", "1e308"),
    _text("JSON as text", '{"a": [1]}'),
    _text("a number instead of text", 1, refused=True),
    _text("a float instead of text", 1.5, refused=True),
    _text("a boolean instead of text", True, refused=True),
    _text("an object instead of text", {"a": 1}, refused=True),
    _text("a list instead of text", ["a", ["b"]], refused=True),
]


def _int(name: str, value: Any, refused: bool = False) -> Kind:
    return Kind(name, "Int", value, refused)


INTEGERS = [
    _int("zero", 0),
    _int("minus one", -1),
    _int("minus zero (float)", -0.0),
    _int("2^31 - 1", 2**31 - 1),
    _int("2^31", 2**31, refused=True),
    _int("-2^31", -(2**31)),
    _int("-2^31 - 1", -(2**31) - 1, refused=True),
    _int("2^53", 2**53, refused=True),
    _int("2^53 + 1", 2**53 + 1, refused=True),
    _int("2^63", 2**63, refused=True),
    _int("2^64 - 1", 2**64 - 1, refused=True),
    _int("1.5", 1.5, refused=True),
    _int("1.0", 1.0),
    _int("1e308", 1e308, refused=True),
    _int("-1e308", -1e308, refused=True),
    _int("5e-324", 5e-324, refused=True),
    _int("digits as text", "1", refused=True),
    _int("a boolean", True, refused=True),
    _int("a list", [1], refused=True),
    _int("an object", {"n": 1}, refused=True),
]


def _float(name: str, value: Any, refused: bool = False) -> Kind:
    return Kind(name, "Float", value, refused)


FLOATS = [
    _float("zero", 0.0),
    _float("minus zero", -0.0),
    _float("minus one", -1.0),
    _float("just past 100", 100.001),
    _float("just past 90 degrees", 90.0000001),
    _float("1e-10", 1e-10),
    _float("5e-324 (denormal)", 5e-324),
    _float("1e16", 1e16, refused=True),
    _float("1e308", 1e308, refused=True),
    _float("-1e308", -1e308, refused=True),
    _float("2^53 + 2", float(2**53 + 2), refused=True),
    _float("NaN as text", "NaN", refused=True),
    _float("Infinity as text", "Infinity", refused=True),
    _float("a number as text", "1.5", refused=True),
    _float("a boolean", False, refused=True),
    _float("a list", [1.0], refused=True),
]

BOOLEANS = [
    Kind("Boolean as text", "Boolean", "true", refused=True),
    Kind("Boolean as 1", "Boolean", 1, refused=True),
    Kind("Boolean as an object", "Boolean", {}, refused=True),
]


def _date(name: str, value: Any) -> Kind:
    return Kind(name, "DateTime", value, refused=True)


DATES = [
    _date("no UTC offset", "2030-01-01T00:00:00"),
    _date("a date alone", "2030-01-01"),
    _date("year 1 at +14:00 (year 0 in UTC)", "0001-01-01T00:00:00+14:00"),
    _date("year 9999 at -14:00 (year 10000 in UTC)", "9999-12-31T23:59:59-14:00"),
    _date("one second before 1970 UTC", "1969-12-31T23:59:59Z"),
    _date("9999-01-01 UTC (the end, excluded)", "9999-01-01T00:00:00Z"),
    _date("offset +25:00", "2030-01-01T00:00:00+25:00"),
    _date("month 13", "2030-13-01T00:00:00Z"),
    _date("30 February", "2030-02-30T00:00:00Z"),
    _date("leap second", "2030-06-30T23:59:60Z"),
    _date("the word now", "now"),
    _date("empty", ""),
    _date("epoch seconds as a number", 0),
    _date("1e308 as a number", 1e308),
    _date("100k digits", "2" * HUGE),
    _date("NUL inside", "2030-01-01T00:00:00\x00Z"),
    _date("a list", ["2030-01-01T00:00:00Z"]),
]


def _enum(name: str, value: Any) -> Kind:
    return Kind(name, "enum", value, refused=True)


ENUMS = [
    _enum("unknown value", "NOPE"),
    _enum("lower case", "lowercase_value"),
    _enum("empty", ""),
    _enum("a number", 1),
    _enum("NUL inside", "A\x00"),
    _enum("100k characters", "A" * HUGE),
]


def _cursor(name: str, value: Any, refused: bool = True) -> Kind:
    return Kind(name, "cursor", value, refused)


CURSORS = [
    _cursor("garbage", "!!!"),
    _cursor("padding only", "===="),
    _cursor("empty", ""),
    _cursor("a negative key", _b64("sku:-1")),
    _cursor("a key past 2^63", _b64("sku:99999999999999999999")),
    _cursor("a key past 2^63 (events)", _b64("event:99999999999999999999")),
    _cursor("a key in exponent form", _b64("sku:1e5")),
    _cursor("a key with a space", _b64("sku: 1")),
    _cursor("a key with a plus sign", _b64("sku:+1")),
    _cursor("a key with a leading zero", _b64("sku:01")),
    _cursor("Arabic-Indic digits", _b64("sku:\u0661")),
    _cursor("another list's cursor", _b64("other:1")),
    _cursor("not UTF-8 inside", "__8="),
    _cursor("an id cursor of another kind", "zz0001"),
    _cursor("a prefix alone", "r"),
    _cursor("an id with a dash", "r-1"),
    _cursor("an id with a non-ASCII letter", "r\u00c4"),
    _cursor("100k characters", "A" * HUGE),
    _cursor("NUL", "\x00"),
]


SEARCHES = [
    Kind("search of 200 characters", "search", "s" * 200, refused=False),
    Kind("search of 201 characters", "search", "s" * 201),
    Kind("search of 50,000 characters", "search", "s" * 50_000),
    Kind("search of wildcards only", "search", "%" * 200, refused=False),
    Kind("search of underscores", "search", "_", refused=False),
    Kind("search of a backslash", "search", "\\", refused=False),
]


def _list(name: str, value: Any, refused: bool = False) -> Kind:
    return Kind(name, "list", value, refused)


ITEM = object()
"""In a list kind, stands for the plain item of the list it replaces."""

LISTS = [
    _list("empty list", []),
    _list("a list of one null", [None], refused=True),
    _list("a list in a list", [[ITEM]], refused=True),
    _list("a single item instead of a list", ITEM),
    _list("101 items", [ITEM] * 101),
    _list("1,001 items (past any list)", [ITEM] * 1_001, refused=True),
    _list("501 equal items", [ITEM] * 501, refused=True),
]


def _object(name: str, value: Any) -> Kind:
    return Kind(name, "object", value, refused=True)


OBJECTS = [
    _object("empty object", {}),
    _object("null", None),
    _object("a string", "input"),
    _object("a list of objects", [{}]),
    _object("an unknown field", {"nope": 1}),
    _object("a __proto__ field", {"__proto__": {"admin": True}}),
    _object("200 unknown fields", {f"f{n}": n for n in range(200)}),
    _object("its required fields left out", MISSING),
]

ARGUMENT_KINDS: list[Kind] = [
    *TEXT,
    *INTEGERS,
    *FLOATS,
    *BOOLEANS,
    *DATES,
    *ENUMS,
    *CURSORS,
    *SEARCHES,
    *LISTS,
    *OBJECTS,
]
