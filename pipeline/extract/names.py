"""Whether a few characters with no label in front are a person's name.

A byline usually says what it is (作者：, 记者), but many pages credit their writers bare: a
closing ``（常书香 马丹阳）``, a name alone under the headline, ``[ 黄宇 ] 来源：…``. Taking
such a word for an author needs evidence that it is a name and not a word: a Chinese name
is two or three characters and starts with a surname, and an ordinary word that happens to
start with a surname character (方案, 任务, 高温) is frequent in jieba's dictionary, where
names are rare or absent.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

#: common surnames, simplified (the traditional forms are added at first use)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒"
    "阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪"
    "简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎"
    "甄丛仲虞敖巩佘池查麻苑迟邝封谈匡鞠惠荆乐冀郁胥储栗燕楚鄢劳谌奚皮粟冼蔺楼闻厉伊仝郜阚帅屠朴练廉"
    "禹井祖漆卿狄宣晋初扈晁芮阙浦鹿邸雍辜裘亓修邰赫杭况宿逯隆茹诸慕亢嵇湛宾戎勾茅揭尉冶束檀昝"
)
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
             "令狐", "夏侯", "端木", "独孤", "南宫", "西门", "轩辕", "申屠", "万俟", "呼延")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
#: a word this frequent in jieba's dictionary is a word, whatever its first character
COMMON_WORD = 300
#: a form of address or an office (王先生, 李书记) names no one in particular; 全文完, 组图,
#: 新华社 close a text without crediting anyone
_NOT_A_NAME = re.compile(
    r"(?:先生|女士|小姐|老师|老師|同志|书记|書記|主任|局长|局長|市长|市長|县长|縣長|省长|省長|部长|部長|"
    r"处长|處長|校长|校長|经理|經理|总|總|某|完|续|續|图|圖|摄|攝|稿|报|報|网|網|社|台)$")


@functools.lru_cache(maxsize=1)
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    from pipeline.chinese import to_traditional

    singles = set(_SURNAMES) | set(to_traditional(_SURNAMES))
    compounds = set(_COMPOUND) | {to_traditional(c) for c in _COMPOUND}
    return frozenset(singles), frozenset(compounds)


@functools.lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Two- to four-character words of jieba's dictionary at or above ``COMMON_WORD``."""
    import jieba

    out = set()
    with (Path(jieba.__file__).parent / "dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) >= 2 and 2 <= len(parts[0]) <= 4 and parts[1].isdigit() and int(parts[1]) >= COMMON_WORD:
                out.add(parts[0])
    from pipeline.chinese import to_traditional

    return frozenset(out | set(to_traditional("\n".join(sorted(out))).split("\n")))


def looks_like_name(word: str) -> bool:
    """``胡平``, ``常书香``, ``欧阳修``: a surname and one or two characters; not ``方案``."""
    if not _CJK.fullmatch(word or ""):
        return False
    singles, compounds = _surnames()
    if word[:2] in compounds:
        ok = 3 <= len(word) <= 4
    else:
        ok = 2 <= len(word) <= 3 and word[0] in singles
    return ok and not _NOT_A_NAME.search(word) and word not in _common_words()
