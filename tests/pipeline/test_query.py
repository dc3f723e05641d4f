import pytest

from pipeline.query import And, Field, Not, Or, QueryError, Term, parse_query, positive_terms


def test_implicit_and_and_phrases():
    assert parse_query('營商環境 "漢陽 區"') == And((Term("營商環境"), Term("漢陽 區", phrase=True)))


def test_or_binds_looser_than_and():
    assert parse_query("a b OR c") == Or((And((Term("a"), Term("b"))), Term("c")))


def test_not_and_minus_and_fields():
    assert parse_query("營商 NOT 招商 -審批 source:cjrb") == And(
        (Term("營商"), Not(Term("招商")), Not(Term("審批")), Field("source", "cjrb"))
    )


def test_title_terms_count_in_the_headline_only():
    assert parse_query('title:營商環境 title:"優化 營商" 審批 -title:招商') == And((
        Term("營商環境", title_only=True), Term("優化 營商", phrase=True, title_only=True),
        Term("審批"), Not(Term("招商", title_only=True))))
    assert positive_terms(parse_query("title:營商 -title:招商")) == ["營商"]


def test_full_width_parentheses_group():
    assert parse_query("營商 AND （印發 OR 出台）") == And((Term("營商"), Or((Term("印發"), Term("出台")))))


def test_hyphen_inside_a_word_is_not_exclusion():
    assert parse_query("covid-19") == Term("covid-19")


def test_empty_query_matches_everything():
    assert parse_query("   ") is None


@pytest.mark.parametrize("bad", ['"營商', "(營商", "營商)", "AND 營商", "營商 OR", '""', "source:", "-營商", "title:", 'title:""', "-title:營商"])
def test_bad_queries_raise_user_errors(bad):
    with pytest.raises(QueryError):
        parse_query(bad)


def test_positive_terms_skip_exclusions():
    assert positive_terms(parse_query("營商 -招商 (審批 OR 放管服)")) == ["營商", "審批", "放管服"]
