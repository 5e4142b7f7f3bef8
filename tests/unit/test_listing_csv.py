from datetime import UTC, datetime

import pytest

from domain.errors import ErrorCode, StockpoolError
from domain.listing_csv import (
    COLUMNS,
    MAX_ROWS,
    format_listings,
    parse_listings,
    read_listing_rows,
)
from domain.listings import Campaign, Listing, ListingStatus, UpsertListing

HEADER = ",".join(COLUMNS)


def refusal(text: str, channel: str = "web") -> StockpoolError:
    with pytest.raises(StockpoolError) as refused:
        parse_listings(channel, text)
    return refused.value


def problems(text: str) -> set[tuple[ErrorCode, tuple[str, ...]]]:
    return {(problem.code, problem.field) for problem in refusal(text).problems}


def csv_file(*lines: str, header: str = HEADER) -> str:
    return "\n".join((header, *lines)) + "\n"


def test_listings_exported_then_imported_come_back_with_the_same_settings():
    listings = [
        Listing("A-1", "web", "EXT-1"),
        Listing(
            "B-2",
            "web",
            "ext, with comma",
            status=ListingStatus.PAUSED,
            safety_units=3,
            safety_basis_points=1250,
            cap=40,
            allow_backorder=True,
            backorder_limit=7,
        ),
        Listing("C-3", "web", 'quoted "ext"', safety_basis_points=1000, cap=0),
        Listing("D-4", "web", "D4", safety_units=0, safety_basis_points=1),
    ]

    commands = parse_listings("web", format_listings(listings))

    assert [command.as_listing() for command in commands] == listings


def test_export_writes_the_columns_in_order_with_plain_values():
    text = format_listings(
        [
            Listing("A", "web", "a", safety_basis_points=1250, allow_backorder=True),
            Listing("B", "web", "b", safety_units=2, safety_basis_points=1000, cap=5),
        ]
    )

    assert text == (
        "sku,external_sku,status,safety_units,safety_percent,cap,allow_backorder,backorder_limit\n"
        "A,a,active,,12.5,,true,0\n"
        "B,b,active,2,10,5,false,0\n"
    )


def test_export_of_no_listings_is_the_header_alone():
    assert format_listings([]) == HEADER + "\n"


def test_export_leaves_campaign_windows_out():
    start = datetime(2025, 11, 11, tzinfo=UTC)
    listing = Listing("A", "web", "a", campaigns=(Campaign(start, start.replace(day=12), 3000),))

    (command,) = parse_listings("web", format_listings([listing]))

    assert command.campaigns == ()


def test_blank_cells_take_the_defaults_of_an_upsert():
    (command,) = parse_listings("web", csv_file("A,a,,,,,,"))

    assert command == UpsertListing(channel="web", sku="A", external_sku="a")


def test_only_the_required_columns_are_needed():
    commands = parse_listings("web", "sku,external_sku\nA,a\nB,b\n")

    assert commands == [
        UpsertListing(channel="web", sku="A", external_sku="a"),
        UpsertListing(channel="web", sku="B", external_sku="b"),
    ]


def test_columns_may_come_in_any_order_and_any_case():
    text = "Cap,safety_percent,EXTERNAL_SKU,status,sku\n5,12.5,a,PAUSED,A\n"

    (command,) = parse_listings("shop", text)

    assert command == UpsertListing(
        channel="shop",
        sku="A",
        external_sku="a",
        status=ListingStatus.PAUSED,
        safety_basis_points=1250,
        cap=5,
    )


def test_cells_are_trimmed_and_words_read_in_any_case():
    (command,) = parse_listings("web", csv_file(" A , a ,Active, 3 ,7.25, 9 ,YES, 2 "))

    assert command == UpsertListing(
        channel="web",
        sku="A",
        external_sku="a",
        safety_units=3,
        safety_basis_points=725,
        cap=9,
        allow_backorder=True,
        backorder_limit=2,
    )


@pytest.mark.parametrize(
    ("cell", "allowed"),
    [("true", True), ("Yes", True), ("1", True), ("FALSE", False), ("no", False), ("0", False)],
)
def test_allow_backorder_reads_the_usual_spellings(cell, allowed):
    (command,) = parse_listings("web", f"sku,external_sku,allow_backorder\nA,a,{cell}\n")

    assert command.allow_backorder is allowed


def test_commands_come_back_in_file_order_for_the_given_channel():
    commands = parse_listings("tiktok", csv_file("C,c,,,,,,", "A,a,,,,,,", "B,b,,,,,,"))

    assert [(c.channel, c.sku) for c in commands] == [
        ("tiktok", "C"),
        ("tiktok", "A"),
        ("tiktok", "B"),
    ]


@pytest.mark.parametrize(
    ("column", "cell", "code"),
    [
        ("status", "archived", ErrorCode.INVALID_VALUE),
        ("safety_units", "three", ErrorCode.INVALID_VALUE),
        ("safety_units", "1.5", ErrorCode.INVALID_VALUE),
        ("safety_units", "-1", ErrorCode.INVALID_QUANTITY),
        ("safety_units", "1000000001", ErrorCode.QUANTITY_TOO_LARGE),
        ("safety_percent", "ten", ErrorCode.INVALID_VALUE),
        ("safety_percent", "100.5", ErrorCode.INVALID_VALUE),
        ("safety_percent", "-1", ErrorCode.INVALID_VALUE),
        ("safety_percent", "12.345", ErrorCode.INVALID_VALUE),
        ("safety_percent", "nan", ErrorCode.INVALID_VALUE),
        ("cap", "lots", ErrorCode.INVALID_VALUE),
        ("cap", "-5", ErrorCode.INVALID_QUANTITY),
        ("cap", "99999999999999", ErrorCode.QUANTITY_TOO_LARGE),
        ("allow_backorder", "maybe", ErrorCode.INVALID_VALUE),
        ("backorder_limit", "x", ErrorCode.INVALID_VALUE),
        ("backorder_limit", "-2", ErrorCode.INVALID_QUANTITY),
    ],
)
def test_a_bad_cell_is_reported_at_its_line_and_column(column, cell, code):
    cells = {"sku": "A", "external_sku": "a", "allow_backorder": "true", column: cell}
    other_row = ",".join(["B", "b"] + [""] * (len(cells) - 2))
    text = "\n".join((",".join(cells), other_row, ",".join(cells.values()))) + "\n"

    assert problems(text) == {(code, ("csv", "3", column))}


@pytest.mark.parametrize(
    ("sku", "external_sku", "column", "code"),
    [
        ("", "a", "sku", ErrorCode.BLANK),
        ("A B", "a", "sku", ErrorCode.INVALID_VALUE),
        ("A" * 65, "a", "sku", ErrorCode.TOO_LONG),
        ("A", "", "external_sku", ErrorCode.BLANK),
        ("A", "x" * 65, "external_sku", ErrorCode.TOO_LONG),
    ],
)
def test_the_listing_rules_are_reported_at_the_csv_column(sku, external_sku, column, code):
    assert problems(f"sku,external_sku\n{sku},{external_sku}\n") == {(code, ("csv", "2", column))}


def test_a_backorder_limit_without_allowing_backorders_is_refused():
    refused = refusal("sku,external_sku,allow_backorder,backorder_limit\nA,a,false,3\n")

    (problem,) = refused.problems
    assert (problem.code, problem.field) == (
        ErrorCode.INVALID_VALUE,
        ("csv", "2", "backorder_limit"),
    )
    assert "allow_backorder" in problem.message


def test_an_unreadable_allow_backorder_is_not_also_reported_as_a_missing_permission():
    assert problems("sku,external_sku,allow_backorder,backorder_limit\nA,a,perhaps,3\n") == {
        (ErrorCode.INVALID_VALUE, ("csv", "2", "allow_backorder"))
    }


def test_every_problem_in_the_file_is_reported_at_once():
    text = csv_file(
        "A,a,active,,,,,",
        "B,,sleeping,-1,,,,",
        "C,c,,,200,,,",
        "D,d,,,,",
        "E,e,,,,x,nope,",
    )

    assert problems(text) == {
        (ErrorCode.BLANK, ("csv", "3", "external_sku")),
        (ErrorCode.INVALID_VALUE, ("csv", "3", "status")),
        (ErrorCode.INVALID_QUANTITY, ("csv", "3", "safety_units")),
        (ErrorCode.INVALID_VALUE, ("csv", "4", "safety_percent")),
        (ErrorCode.INVALID_CSV, ("csv", "5")),
        (ErrorCode.INVALID_VALUE, ("csv", "6", "cap")),
        (ErrorCode.INVALID_VALUE, ("csv", "6", "allow_backorder")),
    }


def test_problem_messages_name_the_line_and_the_csv_column():
    refused = refusal("sku,external_sku,safety_units\nA,,-1\n")

    messages = [problem.message for problem in refused.problems]
    assert messages == [
        "line 2: external_sku must not be blank",
        "line 2: safety_units must not be negative",
    ]


def test_a_sku_listed_twice_is_refused_on_its_second_line_naming_the_first():
    refused = refusal("sku,external_sku\nA,a\nB,b\nA,c\n")

    (problem,) = refused.problems
    assert (problem.code, problem.field) == (ErrorCode.INVALID_VALUE, ("csv", "4", "sku"))
    assert "line 2" in problem.message


def test_an_external_sku_listed_twice_is_refused_on_its_second_line_naming_the_first():
    refused = refusal("sku,external_sku\nA,x\nB,b\nC,x\n")

    (problem,) = refused.problems
    assert (problem.code, problem.field) == (
        ErrorCode.INVALID_VALUE,
        ("csv", "4", "external_sku"),
    )
    assert "line 2" in problem.message


def test_each_repeat_of_a_sku_is_reported():
    assert problems("sku,external_sku\nA,a\nA,b\nA,c\n") == {
        (ErrorCode.INVALID_VALUE, ("csv", "3", "sku")),
        (ErrorCode.INVALID_VALUE, ("csv", "4", "sku")),
    }


@pytest.mark.parametrize("row", ["A", "A,a,extra"])
def test_a_row_with_the_wrong_number_of_cells_is_refused_at_its_line(row):
    assert problems(f"sku,external_sku\nB,b\n{row}\n") == {(ErrorCode.INVALID_CSV, ("csv", "3"))}


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", " \n,,\n"])
def test_an_empty_file_is_refused(text):
    assert problems(text) == {(ErrorCode.INVALID_CSV, ("csv",))}


def test_a_file_without_a_header_row_is_refused_at_line_one():
    assert problems("A,a\nB,b\n") == {(ErrorCode.INVALID_CSV, ("csv", "1"))}


@pytest.mark.parametrize(
    "header",
    [
        "sku",
        "external_sku,status",
        "sku,external_sku,colour",
        "sku,external_sku,sku",
        "sku,external_sku,",
    ],
)
def test_a_header_missing_a_required_column_or_naming_an_unknown_one_is_refused(header):
    refused = refusal(f"{header}\n")

    assert {(p.code, p.field) for p in refused.problems} == {(ErrorCode.INVALID_CSV, ("csv", "1"))}


def test_every_header_problem_is_reported():
    refused = refusal("external_sku,colour,size\nA,red,M\n")

    assert [p.code for p in refused.problems] == [ErrorCode.INVALID_CSV] * 3
    message = "; ".join(p.message for p in refused.problems)
    assert "colour" in message
    assert "size" in message
    assert "'sku'" in message


def test_a_utf8_byte_order_mark_is_ignored():
    commands = parse_listings("web", "\ufeffsku,external_sku\nA,a\n")

    assert commands == [UpsertListing(channel="web", sku="A", external_sku="a")]


def test_blank_lines_are_skipped_but_still_count_for_line_numbers():
    text = "\nsku,external_sku\n\nA,a\n  \n,\nB,\n\n"

    assert problems(text) == {(ErrorCode.BLANK, ("csv", "7", "external_sku"))}
    assert [c.sku for c in parse_listings("web", text.replace("B,", "B,b"))] == ["A", "B"]


def test_rows_come_with_the_line_they_start_on():
    rows, problems = read_listing_rows("web", 'sku,external_sku\n\nA,"a\nb"\nB,b\n')

    # An external SKU is one line: the cell spanning lines is refused, at the line it starts on.
    assert [(p.code, p.field) for p in problems] == [
        (ErrorCode.INVALID_VALUE, ("csv", "3", "external_sku"))
    ]

    assert [(line, command.sku) for line, command in rows] == [(3, "A"), (5, "B")]


def test_windows_line_endings_are_read():
    commands = parse_listings("web", "sku,external_sku\r\nA,a\r\nB,b\r\n")

    assert [(c.sku, c.external_sku) for c in commands] == [("A", "a"), ("B", "b")]


def test_line_numbers_are_physical_lines_even_after_a_cell_spanning_lines():
    text = 'sku,external_sku\nA,"two\nlines"\nB,\n'

    assert problems(text) == {
        (ErrorCode.INVALID_VALUE, ("csv", "2", "external_sku")),
        (ErrorCode.BLANK, ("csv", "4", "external_sku")),
    }


def test_more_rows_than_the_limit_are_refused():
    rows = [f"S{n},E{n}" for n in range(MAX_ROWS + 1)]
    text = "sku,external_sku\n" + "\n".join(rows) + "\n"

    assert problems(text) == {(ErrorCode.INVALID_CSV, ("csv",))}
    assert len(parse_listings("web", "sku,external_sku\n" + "\n".join(rows[:-1]))) == MAX_ROWS


def test_a_bad_channel_is_reported_once_for_the_whole_file():
    refused = refusal("sku,external_sku\nA,a\nB,b\n", channel="no spaces")

    assert {(p.code, p.field) for p in refused.problems} == {
        (ErrorCode.INVALID_VALUE, ("channel",))
    }
