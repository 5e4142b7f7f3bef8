"""schema.graphql is the reviewed public contract: the code's schema must match it exactly."""

from pathlib import Path

from schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_file_matches_the_code():
    printed = build_schema().as_str() + "\n"
    assert SCHEMA_FILE.read_text() == printed, (
        "the GraphQL schema changed: review the difference, then run `make schema` to update "
        "schema.graphql"
    )
