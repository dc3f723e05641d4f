"""The input method's language model (``pipeline.repair.imelm``): fetched from a Debian
mirror (here a local one), read through ``kenlm``, and what it adds to a repair.

The scoring tests need the real model and the ``kenlm`` reader, which ``make test`` builds
and fetches (``make lm``); where either could not be had they are skipped with the reason,
and the repair's other tests hold without it.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile

import pytest

from pipeline.repair import imelm, imescore
from tests.crawler.loopback import LoopbackSite, QuietHandler

MODEL_BYTES = b"a model file\n"


def _deb(model: bytes = MODEL_BYTES) -> bytes:
    """A Debian package shaped like the real one: an ar archive whose data.tar.xz holds
    the model under the multiarch library folder."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as tar:
        info = tarfile.TarInfo("./usr/lib/x86_64-linux-gnu/libime/zh_CN.lm")
        info.size = len(model)
        tar.addfile(info, io.BytesIO(model))
    out = [b"!<arch>\n"]
    for name, blob in ((b"debian-binary", b"2.0\n"), (b"control.tar.xz", b"x"),
                       (b"data.tar.xz", data.getvalue())):
        head = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6)
        head += b"100644".ljust(8) + str(len(blob)).encode().ljust(10) + b"`\n"
        out += [head, blob, b"\n" if len(blob) % 2 else b""]
    return b"".join(out)


@pytest.fixture
def mirror():
    """A Debian mirror on loopback serving one package at the pinned pool path."""
    deb = _deb()
    asked: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self):
            asked.append(self.path)
            if self.path == f"/debian/{imelm.POOL}{imelm.PACKAGE}":
                self.answer(200, deb, "application/vnd.debian.binary-package")
            else:
                self.answer(404, b"not here", "text/plain")

    site = LoopbackSite()
    site.serve(Handler)
    with site:
        yield f"{site.base}/debian", deb, asked


def test_fetch_keeps_the_model_file_of_a_package_whose_checksum_matches(
        mirror, tmp_path, monkeypatch):
    url, deb, asked = mirror
    monkeypatch.setenv("NEWSMON_CACHE", str(tmp_path))
    monkeypatch.setattr(imelm, "PACKAGE_SHA256", hashlib.sha256(deb).hexdigest())
    path = imelm.fetch(url + "/")
    assert path == tmp_path / "libime-1.0.16-1" / "zh_CN.lm"
    assert path.read_bytes() == MODEL_BYTES
    assert not list(path.parent.glob("*.tmp*"))
    # once there, it is not fetched again
    assert imelm.fetch(url) == path and len(asked) == 1


def test_fetch_refuses_a_package_that_is_not_the_pinned_one(mirror, tmp_path, monkeypatch):
    url, _, _ = mirror
    monkeypatch.setenv("NEWSMON_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="checksum"):
        imelm.fetch(url)
    assert not imelm.model_path().exists()


def test_a_deb_without_the_member_is_refused():
    with pytest.raises(ValueError, match="no data.tar"):
        imelm._member(b"!<arch>\n", b"data.tar")
    with pytest.raises(ValueError, match="not a Debian package"):
        imelm._member(b"PK\x03\x04", b"data.tar")


def test_fetch_command_says_in_one_line_when_the_mirror_cannot_be_reached(tmp_path):
    env = {"NEWSMON_CACHE": str(tmp_path), "NEWSMON_DEBIAN_MIRROR": "http://127.0.0.1:9/debian",
           "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-m", "pipeline.repair.imelm", "fetch"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "the repair runs without it" in p.stderr


def test_without_the_model_file_the_repair_has_no_ime_model(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_CACHE", str(tmp_path))
    imelm.load.cache_clear()
    try:
        assert imelm.load() is None
    finally:
        imelm.load.cache_clear()


@pytest.fixture(scope="module")
def model():
    imelm.load.cache_clear()
    got = imelm.load()
    if got is None:
        pytest.skip("no input-method model here (make lm builds kenlm and fetches it)")
    return got


def test_it_prefers_the_words_of_the_seeds(model):
    assert model.score("優化營商環境") > model.score("優化營商壞境") + 10
    assert model.score("漢陽區怎麼做到的") > model.score("漢陽區怎麼做劍的") + 10


def test_it_reads_both_scripts_alike(model):
    assert model.score("優化營商環境") == pytest.approx(model.score("优化营商环境"))


def test_punctuation_is_read_through_and_letters_break(model):
    # a restored comma is left to the repair's own models: it neither costs nor gains here
    assert model.score("要求，做到") == pytest.approx(model.score("要求做到"))
    assert model.score("要求A做到") != pytest.approx(model.score("要求做到"))


def test_readings_that_share_a_start_score_as_they_would_alone(model):
    # a run's readings share their left context, and the beams along it are reused: the
    # score must not depend on what was scored before (nor on the order)
    left, right = "在縣委縣政府的大力支持下", "科技在漢陽落戶"
    windows = [left + mid + right for mid in ("太保", "太太", "太", "保", "", "太保科")]
    windows += [left[:5], left, left + "太保"]
    shared = imelm.ImeModel(model._kenlm, imelm.model_path())
    in_order = [shared._score(w) for w in windows]  # (past the cache of whole windows)
    backwards = [shared._score(w) for w in reversed(windows)]
    alone = [imelm.ImeModel(model._kenlm, imelm.model_path())._score(w) for w in windows]
    assert in_order == alone
    assert backwards == alone[::-1]
    assert len(set(alone)) == len(alone)


def test_what_it_remembers_stays_bounded(model, monkeypatch):
    # a crawl worker repairs for days: the words looked up and the beams kept must not grow
    # with the text it has read
    monkeypatch.setattr(imescore, "MAX_KNOWN", 500)
    monkeypatch.setattr(imescore, "MAX_PREFIXES", 200)
    fresh = imelm.ImeModel(model._kenlm, imelm.model_path())
    text = "在縣委縣政府的大力支持下太保科技在漢陽落戶優化營商環境的一次招商這是自下而上"
    peak_known = peak_beams = 0
    for i in range(len(text) - 12):
        for j in range(i + 1, i + 12):
            fresh._score(text[i:j] + text[j + 1:i + 16])
            peak_known = max(peak_known, len(fresh._known))
            peak_beams = max(peak_beams, len(fresh._beams))
    assert 0 < peak_known <= 500 + 16 * imescore.MAX_WORD
    assert 0 < peak_beams <= 200 + 16


@pytest.fixture(scope="module")
def texts():
    from tests.pipeline.repair_shared import traditional_texts

    return traditional_texts()


def test_it_repairs_runs_the_repairs_own_models_leave(model, texts):
    """Sample runs of the simulator where the repair with the model comes out exact, and
    without it not: the difference the model makes, with no more wrong repairs."""
    from pipeline import damage
    from pipeline.repair import repair_text
    from tests.pipeline.repair_shared import own_models

    def tally():
        t, _, _ = damage.evaluate(texts, 60, seed=11, repair=lambda s: repair_text(s).text)
        return {k: (v.exact, v.wrong) for k, v in t.items()}

    runs = {"with": tally()}
    with own_models():
        runs["without"] = tally()
    exact = {mode: sum(v[0] for v in t.values()) for mode, t in runs.items()}
    wrong = {mode: sum(v[1] for v in t.values()) for mode, t in runs.items()}
    assert exact["with"] > exact["without"], runs
    assert wrong["with"] <= wrong["without"], runs


def test_it_settles_a_toss_up_the_repairs_own_models_leave(model, texts):
    """聊到凌晨, the lead byte of 到 lost: several characters read as well to the repair's
    own models, which keep a "?" there (``test_repair_simulated.py``); the input method
    knows 聊到凌晨."""
    from pipeline import damage
    from pipeline.repair import repair_text

    article = next(damage.gbk_safe(t) for t in texts if "姐姐聊到凌晨" in t)
    pos = article.index("姐姐聊到凌晨") + 3
    hurt = damage.damage_at(article, pos)
    out = repair_text(hurt.text)
    assert damage.classify(out.text, hurt, article) == "exact"
    assert not [r for r in out.repairs if r.kind in ("lost", "unresolved")]
