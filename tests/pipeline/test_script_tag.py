"""``pipeline.chinese.script_tag``: which script a text is written in, for the page's lang."""

import pytest

from pipeline.chinese import script_tag, to_traditional


@pytest.mark.parametrize("text, tag", [
    ("優化營商環境，漢陽區考核第一。", "zh-Hant"),
    ("优化营商环境，汉阳区考核第一。", "zh-Hans"),
    # a few simplified forms in traditional text (怎么) do not tip it
    ("漢陽區怎么做到的?企業辦事更便利,營商環境持續優化。", "zh-Hant"),
    # characters both scripts share, or none at all: simplified, the mainland default
    ("人民政府", "zh-Hans"),
    ("2024 GDP", "zh-Hans"),
    ("", "zh-Hans"),
])
def test_script_tag(text, tag):
    assert script_tag(text) == tag


def test_script_tag_follows_a_conversion():
    text = "市政府近日印发《优化营商环境三年行动方案》，企业开办时间压缩至1个工作日以内。"
    assert script_tag(text) == "zh-Hans" and script_tag(to_traditional(text)) == "zh-Hant"
