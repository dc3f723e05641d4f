from pipeline.chinese import simplify
from pipeline.textindex import document_tokens, query_tokens


def test_simplify_keeps_length_and_folds_script_width_and_case():
    src = "營商環境ＡＢＣ！考核Xyz"
    out = simplify(src)
    assert out == "营商环境abc!考核xyz"
    assert len(out) == len(src)


def test_document_tokens_are_bigrams_plus_trailing_char():
    assert document_tokens("漢陽區 2023年") == "汉阳 阳区 区 2023 年"


def test_query_tokens_leave_off_the_trailing_char_and_prefix_single_chars():
    assert query_tokens("漢陽") == (["汉阳"], False)
    assert query_tokens("漢") == (["汉"], True)
    assert query_tokens("5G網") == (["5g", "网"], True)
    assert query_tokens("網絡5G") == (["网络", "络", "5g"], False)
