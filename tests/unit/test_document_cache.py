"""The cache of checked documents: bounded by the memory its documents take, not only by
their number (40 documents of 5 MB each once took 585 MB through Strawberry's ParserCache)."""

from __future__ import annotations

from dataclasses import replace

from api.settings import Settings
from schema.bounds.cache import Checked, DocumentCache
from schema.bounds.limits import QueryTooComplex, RequestBounds

DEFAULTS = RequestBounds.from_settings(Settings())


def test_the_document_cache_keeps_within_its_memory_budget_whatever_the_documents():
    cache = DocumentCache(DEFAULTS, max_entries=1_000, max_bytes=440_000)
    for n in range(40):  # 40 distinct documents of ~100 KB each
        last = cache.get(f"query Q{n} {{ viewer {{ name }} }}" + " " * 100_000)
    assert cache.weight <= cache.max_bytes
    assert len(cache) == cache.max_bytes // last.weight == 4


def test_the_document_cache_keeps_at_most_its_count_of_small_documents():
    cache = DocumentCache(DEFAULTS, max_entries=100)
    for n in range(300):
        cache.get(f"query Q{n} {{ viewer {{ name }} }}")
    assert len(cache) == 100
    weight = cache.weight
    cache.get("query Q299 { viewer { name } }")  # among the kept: nothing is parsed again
    assert (len(cache), cache.weight) == (100, weight)


def test_the_document_cache_answers_a_repeated_text_with_the_same_document():
    cache = DocumentCache(DEFAULTS)
    first = cache.get("{ viewer { name } }")
    assert cache.get("{ viewer { name } }") is first
    refused = cache.get("{ " + "a: viewer { name } " * 2 + "}")
    assert isinstance(refused.parsed, QueryTooComplex) is False  # two aliases: within bounds
    assert refused is cache.get("{ " + "a: viewer { name } " * 2 + "}")


def test_a_document_longer_than_the_body_bound_is_refused_unparsed():
    cache = DocumentCache(replace(DEFAULTS, max_body_bytes=1_024))
    refused = cache.get("{ viewer { name } }" + " " * 1_024)
    assert isinstance(refused, Checked) and isinstance(refused.parsed, QueryTooComplex)
    assert refused.parsed.message == "the document has 1043 characters; the limit is 1024"
