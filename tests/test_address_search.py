"""Fuzzy, ranked address search as a landlord types it."""

import pytest

from backend.addresses.search import search
from backend.addresses.text import normalise, query_terms
from backend.errors import ValidationError


def codes(world, query, limit=10):
    with world.app_context():
        return [a.code for a, _ in search(query, limit=limit)]


def test_exact_address_ranks_first_and_look_alike_numbers_do_not_match_whole(world):
    ranked = codes(world, "昆阳镇 解放街 12号 3幢")
    assert ranked[0] == "A1-1"  # 解放街12号3幢2单元301室 in 昆阳镇
    assert ranked[1] == "A1-2"  # 解放街12号: no building
    assert ranked.index("A1-2") < ranked.index("B1-1")  # 鳌江镇 has the same street, wrong town
    assert ranked.index("A1-2") < ranked.index("A1-3")  # 112号 is not 12号


def test_query_without_spaces_full_width_digits_and_synonyms(world):
    assert codes(world, "解放街１２号3栋")[0] in ("A1-1", "B1-1")
    assert set(codes(world, "解放街１２号3栋")[:2]) == {"A1-1", "B1-1"}


def test_typo_in_street_name_still_finds_the_street(world):
    ranked = codes(world, "昆阳镇解放路12号")
    assert ranked[0] == "A1-4"  # the real 解放路12号
    assert "A1-2" in ranked[:3]  # 解放街12号 is a near miss, ranked close


def test_empty_query_is_a_clear_error(world):
    with world.app_context(), pytest.raises(ValidationError):
        search("  %_ ")


def test_query_terms_weigh_whole_parts_above_fragments():
    terms = dict(query_terms("解放街 12号"))
    assert terms["%|12号|%"] == 4
    assert terms["%解放街%"] == 6
    assert terms["%解放%"] == 1


def test_normalise_leaves_words_alone_and_unifies_units():
    assert normalise("新房小区 3号楼 ２栋 301房") == "新房小区 3幢 2幢 301室"


def test_narrow_terms_are_the_selective_road_and_compound_words():
    from backend.addresses.search import narrow_terms

    terms = query_terms("昆阳镇 解放路 12号 3")
    assert [p for p, _ in narrow_terms(terms)] == ["%解放路%"]  # not the township, numbers or 2-character pieces
    assert {"%昆阳镇%", "%|12号|%", "%解放%", "%|3%"} <= {p for p, _ in terms}  # …which all still score
    assert narrow_terms(query_terms("解放")) == []


def test_a_mistyped_road_falls_back_to_every_term(world):
    assert {"A1-1", "A1-2", "A1-4"} <= set(codes(world, "解放巷 12号"))  # no 解放巷: 解放街/解放路 12号 instead


def test_two_character_query_still_finds_addresses(world):
    assert set(codes(world, "解放")) >= {"A1-1", "A1-2", "A1-3", "A1-4", "B1-1"}


def test_postgres_search_filter_uses_the_trigram_index(world):
    from sqlalchemy import text

    from backend.addresses.search import search_statement
    from backend.extensions import db

    with world.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the trigram index is PostgreSQL only")
        compiled = search_statement("昆阳镇 解放街 12号 3幢", narrow=True).compile(dialect=db.engine.dialect)
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask whether the index can serve
        rows = db.session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        plan = "\n".join(r[0] for r in rows)
        db.session.rollback()
    assert "Bitmap Index Scan on ix_addresses_search_text_trgm" in plan
