"""Elasticsearch-only behaviour: the layout and its upgrade, the durable spool when the
cluster goes away, refused documents, rollover, and the `newsmon es` commands."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import StoreError
from pipeline.model import Article
from pipeline.store import SearchRequest, open_store
from pipeline.store.elasticsearch import ElasticsearchStore, make_client
from pipeline.store.es_node import plain_media_type
from pipeline.store.es_spool import Spool
from pipeline.store.es_template import ARTICLE_PROPERTIES, SCHEMA_VERSION, Names, article_template, setup
from pipeline.storing import save

pytestmark = pytest.mark.elasticsearch


def es_store(settings: dict, data_dir) -> ElasticsearchStore:
    s = open_store({"index": {"backend": "elasticsearch", **settings}}, data_dir)
    assert isinstance(s, ElasticsearchStore)
    return s


def article(i: int, **kw) -> Article:
    return Article(
        id=kw.pop("id", f"a{i:04d}"),
        url=f"https://example.gov.cn/{i}.html",
        title=kw.pop("title", f"第{i}號 營商環境簡報"),
        text=kw.pop("text", f"漢陽區優化營商環境，第{i}號簡報。"),
        source=kw.pop("source", "t"),
        published_at=kw.pop("published_at", f"2024-03-{1 + i % 28:02d}T09:00:00+08:00"),
        **kw,
    )


def test_plain_json_node_rewrites_only_the_versioned_media_types():
    assert plain_media_type("application/vnd.elasticsearch+json; compatible-with=8") == "application/json"
    assert plain_media_type("application/vnd.elasticsearch+x-ndjson; compatible-with=8") == "application/x-ndjson"
    assert plain_media_type("text/plain") == "text/plain"


def test_setup_is_idempotent_and_upgrades_an_older_layout(es_settings):
    es, _ = make_client(es_settings)
    names = Names(es_settings.get("prefix", "newsmon"))
    try:
        # an older newsmon's layout: schema 0 template, and an index made from it without
        # the fields added since
        old = article_template(names, ilm=False)
        old["version"] = 0
        old["_meta"]["schema_version"] = 0
        props = old["template"]["mappings"]["properties"]
        for name in ("story_key", "story_s", "history_count", "readings_s"):
            del props[name]
        old["template"]["mappings"]["_meta"]["schema_version"] = 0
        es.indices.put_index_template(name=names.template, **old)
        es.indices.create(index=names.first_index(), aliases={names.alias: {"is_write_index": True}})
        es.index(index=names.alias, id="x", document={"id": "x", "text": "舊的"}, refresh=True)

        done = setup(es, names, ilm="auto")
        assert any("upgraded from schema 0" in d for d in done), done
        assert any("mappings upgraded" in d for d in done), done
        tpl = es.indices.get_index_template(name=names.template)["index_templates"][0]["index_template"]
        assert tpl["_meta"]["schema_version"] == SCHEMA_VERSION
        mapping = es.indices.get_mapping(index=names.first_index())[names.first_index()]["mappings"]
        assert {"story_key", "story_s", "history_count", "readings_s"} <= set(mapping["properties"])
        assert es.count(index=names.alias)["count"] == 1  # the upgrade kept the data
        # the field schema 2 added is analysed as the other simplified copies: searchable
        es.index(index=names.alias, id="y", document={"id": "y", "readings_s": "一网通办”,企业开办时间"},
                 refresh=True)
        for field, phrase in (("readings_s", "企业开办"), ("readings_s.uni", "企")):
            found = es.search(index=names.alias, query={"match_phrase": {field: phrase}})
            assert [h["_id"] for h in found["hits"]["hits"]] == ["y"], field

        again = setup(es, names, ilm="auto")
        assert not [d for d in again if "created" in d or "upgraded" in d], again

        # a layout from a newer newsmon is refused, not downgraded
        newer = article_template(names, ilm=False)
        newer["_meta"]["schema_version"] = SCHEMA_VERSION + 1
        es.indices.put_index_template(name=names.template, **newer)
        with pytest.raises(StoreError, match="newer newsmon"):
            setup(es, names)
    finally:
        es.close()


def test_every_article_field_is_mapped():
    for name in Article.__dataclass_fields__:
        assert name in ARTICLE_PROPERTIES, name
    assert ARTICLE_PROPERTIES["published_at"]["type"] == "date"
    for kw in ("id", "url", "source", "tags", "story_id", "origin"):
        assert ARTICLE_PROPERTIES[kw]["type"] == "keyword"


def test_cluster_goes_away_mid_ingest_and_nothing_is_lost(es_settings, relay_factory, tmp_path):
    relay = relay_factory(es_settings["url"])
    settings = {**es_settings, "url": relay.url}
    data = tmp_path / "data"
    store = es_store(settings, data)
    arts = [article(i) for i in range(300)]
    outcomes: list[str] = []
    for n in range(0, 300, 50):
        if n == 150:
            relay.stop()  # the cluster goes away mid-ingest
        outcomes += save(store, [Article(**a.to_dict()) for a in arts[n : n + 50]])
    assert outcomes == ["new"] * 150 + ["queued"] * 150
    # a change to an article already indexed waits behind the spool, in order
    v2 = Article(**arts[10].to_dict())
    v2.text += "第二版。"
    v3 = Article(**arts[10].to_dict())
    v3.text += "第三版。"
    assert store.upsert(v2) == "queued" and store.upsert(v3) == "queued"
    store.set_meta("checkpoint", "x")
    with pytest.raises(StoreError, match="did not answer"):
        store.search(SearchRequest("營商環境"))
    store.close()

    # the spool is on disk and survives newsmon's restart
    spool = Spool(data)
    assert spool.pending() == 153
    spool.close()

    relay.start()  # the cluster is back
    again = es_store(settings, data)
    # the next write replays the spool first, then goes through
    assert again.upsert(article(999)) == "new"
    assert again.spool.pending() == 0
    assert again.stats()["total"] == 301
    every = again.search(SearchRequest("", limit=1000))
    got = [h.article.id for h in every.hits]
    assert every.total == 301 and len(got) == 301 and len(set(got)) == 301  # none twice
    assert set(got) == {a.id for a in arts} | {"a0999"}
    assert again.get(arts[10].id).text.endswith("第三版。")
    assert [h["article"].text[-4:] for h in again.history(arts[10].id)] == [arts[10].text[-4:], "第二版。"]
    assert again.get_meta("checkpoint") == "x"
    # every replayed article is news for the alerts
    after = arts[0]
    first = again.get(after.id)
    assert again.search(SearchRequest("", ingested_after=first.ingested_at, limit=1)).total >= 151


def test_replay_due_drains_the_spool_without_a_new_write(es_settings, relay_factory, tmp_path):
    """The daemon's alert tick calls replay_due, so spooled articles reach the index even when
    no new article arrives to trigger the replay."""
    relay = relay_factory(es_settings["url"])
    settings = {**es_settings, "url": relay.url}
    data = tmp_path / "data"
    relay.stop()
    store = es_store(settings, data)
    assert save(store, [article(i) for i in range(5)]) == ["queued"] * 5
    store.close()
    relay.start()
    again = es_store(settings, data)
    assert again.spool.pending() == 5
    again._down_until = 0  # whatever the first contact attempt decided, the cluster is back
    again.replay_due()
    assert again.spool.pending() == 0
    assert again.stats()["total"] == 5
    again.close()


def test_a_bulk_whose_answer_is_lost_is_retried_without_miscounting(es_settings, relay_factory, tmp_path):
    """A request that timed out may still have been applied: the retry must neither write a
    second copy nor report the new articles as "unchanged"."""
    relay = relay_factory(es_settings["url"])
    store = es_store({**es_settings, "url": relay.url, "timeout": 1, "retries": 2}, tmp_path / "data")
    store.ensure_ready()
    relay.swallow_answer_to = b"/_bulk"
    assert save(store, [article(1), article(2)]) == ["new", "new"]
    assert relay.swallow_answer_to is None  # the answer was indeed lost once
    changed = article(1, text="漢陽區優化營商環境，第二版。")
    relay.swallow_answer_to = b"/_bulk"
    assert store.upsert(changed) == "updated"
    assert store.stats()["total"] == 2
    assert [h["version"] for h in store.history("a0001")] == [1]


def test_a_refused_document_is_kept_aside_with_its_reason(es_settings, relay_factory, tmp_path, capsys):
    store = es_store(es_settings, tmp_path / "data")
    bad = article(2, relevance="very high")  # a float field cannot hold this
    assert save(store, [article(1), bad, article(3)]) == ["new", "rejected", "new"]
    assert store.get(bad.id) is None
    rejected = store.spool.rejected()
    assert [r["key"] for r in rejected] == [bad.id]
    assert "relevance" in rejected[0]["reason"] or "parsing" in rejected[0]["reason"]
    assert rejected[0]["payload"]["title"] == bad.title
    assert store.spool.pending() == 0  # not retried forever

    # the same from the spool: refused on replay, the rest written
    relay = relay_factory(es_settings["url"])
    other = es_store({**es_settings, "url": relay.url}, tmp_path / "data2")
    relay.stop()
    assert save(other, [article(4), article(5, relevance="nope", id="bad2"), article(6)]) == ["queued"] * 3
    relay.start()
    res = other.replay()
    assert res == {"written": 2, "rejected": 1, "pending": 0, "error": None}
    assert other.get("bad2") is None and other.get("a0006") is not None
    assert [r["key"] for r in other.spool.rejected()] == ["bad2"]


def test_rollover_keeps_one_copy_per_article(es_settings, tmp_path):
    store = es_store(es_settings, tmp_path / "data")
    save(store, [article(1), article(2)])
    first = store.names.first_index()
    msg = store.rollover(force=True)
    assert "rolled over" in msg
    assert save(store, [article(3)]) == ["new"]
    changed = article(1, text="漢陽區優化營商環境，改過的簡報。")
    assert store.upsert(changed) == "updated"
    assert store.upsert(article(2)) == "unchanged"
    assert store.stats()["total"] == 3
    res = store.es.search(index=store.names.alias, query={"ids": {"values": ["a0001"]}})
    assert [h["_index"] for h in res["hits"]["hits"]] == [first]
    assert store.get("a0003") is not None
    assert {h.article.id for h in store.search(SearchRequest("改過")).hits} == {"a0001"}


# -- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def es_config(tmp_path, es_settings):
    config = tmp_path / "config"
    config.mkdir()
    index = {"backend": "elasticsearch", **es_settings}
    (config / "settings.yaml").write_text(json.dumps({"index": index}, ensure_ascii=False), encoding="utf-8")
    return config


def test_cli_setup_status_search_on_elasticsearch(cli, es_config, tmp_path):
    code, out, err = cli("--config", str(es_config), "es", "setup")
    assert code == 0, err
    assert "created behind write alias" in out
    code, out, _ = cli("--config", str(es_config), "es", "setup")
    assert code == 0 and "up to date" in out
    doc = tmp_path / "a.txt"
    doc.write_text("漢陽區營商環境再升級\n2024-03-09 10:00 來源: 長江日報\n\n漢陽區營商環境再升級，一網通辦。", encoding="utf-8")
    code, out, err = cli("--config", str(es_config), "ingest", str(doc))
    assert code == 0, err
    assert "1 new" in out
    code, out, err = cli("--config", str(es_config), "search", "营商环境", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert any(h["title"] == "漢陽區營商環境再升級" and "<mark>" in h["snippet"] for h in hits)
    code, out, _ = cli("--config", str(es_config), "es", "status", "--json")
    info = json.loads(out)
    assert code == 0 and info["reachable"] and info["spooled"] == 0 and info["schema"] == SCHEMA_VERSION
    code, out, _ = cli("--config", str(es_config), "stats", "--json")
    assert code == 0 and json.loads(out)["backend"] == "elasticsearch"


def test_cli_while_the_cluster_is_away(cli, tmp_path, es_settings, relay_factory):
    relay = relay_factory(es_settings["url"])
    config = tmp_path / "config"
    config.mkdir()
    index = {"backend": "elasticsearch", **es_settings, "url": relay.url}
    (config / "settings.yaml").write_text(json.dumps({"index": index}), encoding="utf-8")
    relay.stop()
    doc = tmp_path / "a.txt"
    doc.write_text("營商環境\n2024-03-09 來源: 測試\n\n營商環境的報道。", encoding="utf-8")
    code, out, err = cli("--config", str(config), "ingest", str(doc))
    assert code == 0, err
    assert "queued for the index" in out
    code, out, err = cli("--config", str(config), "search", "營商環境")
    assert code != 0 and "did not answer" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = cli("--config", str(config), "es", "status")
    assert code == 3 and "UNREACHABLE" in out and "spool:" in out
    code, out, _ = cli("--config", str(config), "es", "replay")
    assert code == 1 and "still waiting" in out
    relay.start()
    code, out, _ = cli("--config", str(config), "es", "replay")
    assert code == 0 and "0 still waiting" in out
    code, out, _ = cli("--config", str(config), "search", "營商環境", "--json")
    # the article and the seed baseline, both spooled while the cluster was away
    assert code == 0 and [h["title"] for h in json.loads(out)].count("營商環境") == 1
    code, out, _ = cli("--config", str(config), "es", "rejected")
    assert code == 0 and "no rejected" in out


def test_cli_es_on_sqlite_is_a_one_line_error(cli):
    code, _, err = cli("es", "status")
    assert code == 2 and "backend is sqlite" in err


def test_an_sqlite_index_moves_to_elasticsearch_with_export_and_import(cli, es_config, tmp_path):
    """The way a newsroom grows from the embedded index to a cluster: export from the SQLite
    data folder, switch settings.yaml to Elasticsearch, import in the same folder (whose
    state.db keeps the stories, seen URLs and alert checkpoints)."""
    doc = tmp_path / "a.txt"
    doc.write_text("漢陽區營商環境再升級\n2024-03-09 10:00 來源: 長江日報\n\n漢(hàn)陽(yáng)區營商環境再升級，一網通辦。",
                   encoding="utf-8")
    sqlite_config = tmp_path / "sqlite-config"
    sqlite_config.mkdir()
    code, out, err = cli("--config", str(sqlite_config), "ingest", str(doc))
    assert code == 0 and "1 new" in out, err
    dump = tmp_path / "all.jsonl"
    code, _, err = cli("--config", str(sqlite_config), "export", "-o", str(dump))
    assert code == 0 and err.strip() == "exported 3 articles"  # the two seeds and the ingested page
    before = {r["id"]: r for r in map(json.loads, dump.read_text(encoding="utf-8").splitlines())}

    assert cli("--config", str(es_config), "es", "setup")[0] == 0
    code, out, err = cli("--config", str(es_config), "import", str(dump))
    # the baseline the ES index loaded on opening is the same two seeds
    assert code == 0 and out.strip() == "imported: 1 new, 0 updated, 2 unchanged", err
    code, out, err = cli("--config", str(es_config), "export")
    after = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert set(after) == set(before)
    for key, row in before.items():
        row.pop("ingested_at"), after[key].pop("ingested_at")
        assert after[key] == row
    code, out, _ = cli("--config", str(es_config), "search", "汉阳 营商环境", "--json")
    assert "漢陽區營商環境再升級" in [h["title"] for h in json.loads(out)]


def test_earlier_versions_move_to_elasticsearch_with_export_history(cli, es_config, tmp_path, data_dir):
    sqlite = open_store({}, data_dir)
    try:
        first = article(1)
        for text in (first.text, first.text + "更正：時限為半天。", first.text + "再次更正。"):
            sqlite.upsert(Article(**{**first.to_dict(), "text": text}))
        history = sqlite.history(first.id)
    finally:
        sqlite.close()
    assert [v["version"] for v in history] == [1, 2]
    sqlite_config = tmp_path / "sqlite-config"
    sqlite_config.mkdir()
    dump = tmp_path / "all.jsonl"
    assert cli("--config", str(sqlite_config), "export", "--history", "-o", str(dump))[0] == 0
    assert cli("--config", str(es_config), "es", "setup")[0] == 0
    code, out, err = cli("--config", str(es_config), "import", str(dump))
    assert code == 0 and out.strip() == "imported: 1 new, 0 updated, 0 unchanged, 2 earlier versions", err
    es = open_store(json.loads((es_config / "settings.yaml").read_text(encoding="utf-8")), data_dir)
    try:
        got = es.history(first.id)
        assert [(v["version"], v["replaced_at"], v["article"].text) for v in got] == [
            (v["version"], v["replaced_at"], v["article"].text) for v in history]
        assert [r["id"] for r in es.replaced_since("2000-01-01T00:00:00+00:00")] == [first.id, first.id]
        # the next change on the cluster is numbered after the versions brought along
        current = es.get(first.id)
        assert es.upsert(Article(**{**current.to_dict(), "text": "三度更正。"})) == "updated"
        assert [v["version"] for v in es.history(first.id)] == [1, 2, 3]
        assert es.add_history(first.id, [{"version": 1, "replaced_at": history[0]["replaced_at"],
                                          "article": history[0]["article"]}]) == 0  # already there
    finally:
        es.close()


def test_bulk_requests_are_bounded_in_text_as_well_as_in_articles():
    from pipeline.store.elasticsearch import _unique_chunks

    plain = [article(i) for i in range(5)]
    big = article(9, attachments=[{"url": "https://example.gov.cn/9.pdf", "title": "方案", "text": "字" * 990}])
    chunks = _unique_chunks([*plain[:2], big, *plain[2:]], size=500, chars=1000)
    # the big one does not fit beside the others: it goes alone, the rest around it
    assert [[a.id for a in c] for c in chunks] == [["a0000", "a0001"], ["a0009"], ["a0002", "a0003", "a0004"]]
    assert [len(c) for c in _unique_chunks(plain, size=2, chars=10**6)] == [2, 2, 1]
    assert [len(c) for c in _unique_chunks([plain[0], plain[0]], size=500)] == [1, 1]  # an id once per request

    # the spool is replayed in requests bounded the same way
    from pipeline.store.elasticsearch import _replay_batch
    from pipeline.store.es_spool import SpoolItem

    items = [SpoolItem(n, "upsert", a.id, a.to_dict(), "2024-03-01T00:00:00+08:00")
             for n, a in enumerate([*plain[:2], big, *plain[2:]])]
    assert [it.key for it in _replay_batch(items, chars=1000)] == ["a0000", "a0001"]
    assert [it.key for it in _replay_batch(items[2:], chars=1000)] == ["a0009"]
