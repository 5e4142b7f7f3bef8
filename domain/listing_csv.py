"""A channel's listings as CSV: how merchants moving off spreadsheets bring them in and out.

One row per listing, under a header row naming the columns:

    sku, external_sku, status, safety_units, safety_percent, cap, allow_backorder,
    backorder_limit

An export writes them in that order; an import takes them in any order, needs `sku` and
`external_sku`, and gives an absent column or a blank cell UpsertListing's default:

    status           active | paused (any case); blank: active
    safety_units     a whole number ≥ 0; blank: the channel's default
    safety_percent   a percent such as 12.5 (0 to 100, at most two decimals, kept as basis
                     points); blank: the channel's default
    cap              a whole number ≥ 0; blank: no cap
    allow_backorder  true/false, yes/no, 1/0 (any case); blank: false
    backorder_limit  a whole number ≥ 0; blank: 0

An import is all or nothing: every problem in the file is reported at once (InvalidInput),
each at ("csv", "<line>", "<column>"), the line being the physical line in the file (the
header is line 1), so that nothing of a refused file is applied. Blank lines (and rows of
blank cells) are skipped, a UTF-8 byte order mark is ignored, at most MAX_ROWS data rows.

Campaign windows are not part of the CSV: they are set through upsertListing. The commands
an import builds carry no campaigns, and since an upsert replaces every setting of a listing,
whoever applies them decides whether a listing's current campaigns carry over.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import TypeVar

from domain.errors import (
    Blank,
    InvalidCsv,
    InvalidQuantity,
    InvalidValue,
    QuantityTooLarge,
    StockpoolError,
    TooLong,
    refusal,
)
from domain.listings import (
    Listing,
    ListingStatus,
    UpsertListing,
    basis_points_to_percent,
    percent_to_basis_points,
)
from domain.validation import Checks

COLUMNS = (
    "sku",
    "external_sku",
    "status",
    "safety_units",
    "safety_percent",
    "cap",
    "allow_backorder",
    "backorder_limit",
)
REQUIRED_COLUMNS = ("sku", "external_sku")
MAX_ROWS = 10_000

_BOM = "\ufeff"
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}", re.ASCII)
_PERCENT = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})", re.ASCII)
_COLUMN_OF_FIELD = {
    "sku": "sku",
    "externalSku": "external_sku",
    "safetyUnits": "safety_units",
    "safetyPercent": "safety_percent",
    "cap": "cap",
    "allowBackorder": "allow_backorder",
    "backorderLimit": "backorder_limit",
}
_FIELD_NAME = re.compile(r"\b(" + "|".join(_COLUMN_OF_FIELD) + r")\b")
_RELOCATABLE = (Blank, TooLong, InvalidValue, InvalidQuantity, QuantityTooLarge)

T = TypeVar("T")


def parse_listings(channel: str, text: str) -> list[UpsertListing]:
    """The upserts a CSV file asks for on `channel`, in file order; refuses the whole file
    with every problem in it."""
    rows, problems = read_listing_rows(channel, text)
    if problems:
        raise refusal(problems)
    return [command for _, command in rows]


def read_listing_rows(
    channel: str, text: str
) -> tuple[list[tuple[int, UpsertListing]], list[StockpoolError]]:
    """Every row's command with its line, and every problem of the file, without refusing:
    a caller that checks more (against the database) reports everything at once."""
    checks = Checks()
    checks.code(channel, "channel")
    commands: list[tuple[int, UpsertListing]] = []
    rows = _rows(text.removeprefix(_BOM))
    try:
        header = next(rows, None)
        if header is None:
            checks.add(InvalidCsv("the file is empty: it needs a header row", ("csv",)))
        else:
            columns = _columns(checks, *header)
            if columns is not None:
                commands = _Rows(channel, columns, checks).read(rows)
    except InvalidCsv as unreadable:
        checks.add(unreadable)
    return commands, checks.problems


def format_listings(listings: Iterable[Listing]) -> str:
    """The CSV of `listings` (header first, `\\n` line endings), which parse_listings reads
    back into the same settings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for listing in listings:
        writer.writerow(
            (
                listing.sku,
                listing.external_sku,
                listing.status.value,
                _blank_if_none(listing.safety_units),
                _percent(listing.safety_basis_points),
                _blank_if_none(listing.cap),
                "true" if listing.allow_backorder else "false",
                str(listing.backorder_limit),
            )
        )
    return out.getvalue()


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of each row that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidCsv(f"line {line}: unreadable CSV ({error})", ("csv", str(line))) from None
        if any(cell.strip() for cell in cells):
            yield line, cells


def _columns(checks: Checks, line: int, cells: list[str]) -> list[str] | None:
    """The column of each cell, or None (with the problems added) for an unusable header."""
    names = [cell.strip().lower() for cell in cells]
    where = ("csv", str(line))
    if not set(names) & set(COLUMNS):
        checks.add(InvalidCsv(f"line {line} must be the header row: {', '.join(COLUMNS)}", where))
        return None
    problems: list[StockpoolError] = []
    for index, name in enumerate(names):
        if name not in COLUMNS:
            problems.append(
                InvalidCsv(
                    f"line {line}: unknown column {cells[index].strip()!r}; the columns are "
                    + ", ".join(COLUMNS),
                    where,
                )
            )
        elif name in names[:index]:
            problems.append(InvalidCsv(f"line {line}: column {name!r} appears twice", where))
    for name in REQUIRED_COLUMNS:
        if name not in names:
            problems.append(InvalidCsv(f"line {line}: the column {name!r} is missing", where))
    for problem in problems:
        checks.add(problem)
    return None if problems else names


class _Rows:
    """Reads the data rows under a good header, adding every problem to `checks`."""

    def __init__(self, channel: str, columns: list[str], checks: Checks) -> None:
        self.channel = channel
        self.columns = columns
        self.checks = checks
        self.line_of_sku: dict[str, int] = {}
        self.line_of_external_sku: dict[str, int] = {}

    def read(self, rows: Iterator[tuple[int, list[str]]]) -> list[tuple[int, UpsertListing]]:
        commands: list[tuple[int, UpsertListing]] = []
        for count, (line, cells) in enumerate(rows, start=1):
            if count > MAX_ROWS:
                self.checks.add(InvalidCsv(f"at most {MAX_ROWS} rows in one file", ("csv",)))
                break
            command = self.row(line, cells)
            if command is not None:
                commands.append((line, command))
        return commands

    def row(self, line: int, cells: list[str]) -> UpsertListing | None:
        if len(cells) != len(self.columns):
            self.checks.add(
                InvalidCsv(
                    f"line {line}: {len(cells)} cells where the header has {len(self.columns)}",
                    ("csv", str(line)),
                )
            )
            return None
        cell = dict(zip(self.columns, (c.strip() for c in cells), strict=True))
        sku = cell.get("sku", "")
        external_sku = cell.get("external_sku", "")
        command = UpsertListing(
            channel=self.channel,
            sku=sku,
            external_sku=external_sku,
            status=self.value(line, cell, "status", _status, ListingStatus.ACTIVE),
            safety_units=self.value(line, cell, "safety_units", _whole_number, None),
            safety_basis_points=self.value(line, cell, "safety_percent", _basis_points, None),
            cap=self.value(line, cell, "cap", _whole_number, None),
            # An unreadable allow_backorder is reported as such, not as a limit without it.
            allow_backorder=self.value(line, cell, "allow_backorder", _boolean, False, True),
            backorder_limit=self.value(line, cell, "backorder_limit", _whole_number, 0),
        )
        rules = Checks()
        command.check(rules)
        for problem in rules.problems:
            if problem.field[:1] != ("channel",):  # checked once, for the whole file
                self.checks.add(_relocated(problem, line))
        self.once(self.line_of_sku, sku, line, "sku", "SKU")
        self.once(self.line_of_external_sku, external_sku, line, "external_sku", "external SKU")
        return command

    def value(
        self,
        line: int,
        cell: dict[str, str],
        column: str,
        read: Callable[[str], T],
        blank: T,
        unreadable: T | None = None,
    ) -> T:
        """The cell read; `blank` when it is blank or absent; when it cannot be read, the
        problem added and `unreadable` (or `blank`) in its place, as the file is refused."""
        raw = cell.get(column, "")
        if not raw:
            return blank
        try:
            return read(raw)
        except ValueError:
            self.checks.add(
                InvalidValue(
                    f"line {line}: {column} {raw!r} is not {_EXPECTED[column]}",
                    ("csv", str(line), column),
                )
            )
            return blank if unreadable is None else unreadable

    def once(
        self, first_lines: dict[str, int], value: str, line: int, column: str, kind: str
    ) -> None:
        if not value:
            return
        first = first_lines.setdefault(value, line)
        if first != line:
            self.checks.add(
                InvalidValue(
                    f"line {line}: {kind} {value!r} is already on line {first}",
                    ("csv", str(line), column),
                )
            )


_EXPECTED = {
    "status": "active or paused",
    "safety_units": "a whole number",
    "safety_percent": "a percent between 0 and 100 with at most two decimals",
    "cap": "a whole number",
    "allow_backorder": "true or false",
    "backorder_limit": "a whole number",
}


def _status(raw: str) -> ListingStatus:
    return ListingStatus(raw.lower())


def _boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(raw)


def _whole_number(raw: str) -> int:
    """Any whole number: the range (INVALID_QUANTITY, QUANTITY_TOO_LARGE) is the listing's
    own validation."""
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ValueError(raw)
    return int(raw)


def _basis_points(raw: str) -> int:
    if not _PERCENT.fullmatch(raw):
        raise ValueError(raw)
    percent = Decimal(raw)
    hundredths = percent * 100
    if not 0 <= percent <= 100 or hundredths != hundredths.to_integral_value():
        raise ValueError(raw)
    return percent_to_basis_points(float(percent))


def _relocated(problem: StockpoolError, line: int) -> StockpoolError:
    """A problem of the listing's own validation, moved to its line and column."""
    name = problem.field[0] if problem.field else ""
    path = ("csv", str(line), _COLUMN_OF_FIELD.get(name, name))
    if type(problem) in _RELOCATABLE:
        message = _FIELD_NAME.sub(lambda found: _COLUMN_OF_FIELD[found[0]], problem.message)
        return type(problem)(f"line {line}: {message}", path)
    problem.field = path
    return problem


def _blank_if_none(value: int | None) -> str:
    return "" if value is None else str(value)


def _percent(basis_points: int | None) -> str:
    """12.5 and 10, never 12.50 or 10.0."""
    if basis_points is None:
        return ""
    if basis_points % 100 == 0:
        return str(basis_points // 100)
    return str(basis_points_to_percent(basis_points))
