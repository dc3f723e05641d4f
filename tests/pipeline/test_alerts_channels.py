"""Each channel against a local receiver: payload shapes, robot signatures checked the way
DingTalk and Feishu document them, SMTP with STARTTLS, secrets from ${ENV} never in errors."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from pipeline.alerts.channels import DeliveryError, redact_url, send
from pipeline.alerts.rules import Channel
from pipeline.errors import ConfigError
from test_alerts_receivers import Receiver, SMTPServer

PAYLOAD = {
    "rule": "reform",
    "article": {
        "id": "a1", "url": "http://portal.test/a1.html", "title": "市政府印發《優化營商環境方案》",
        "source": "wuhan", "published_at": "2024-03-01T10:00:00+08:00", "snippet": "印發優化營商環境方案",
    },
    "story": {"id": "a1", "sources": [{"source": "wuhan", "url": "http://portal.test/a1.html"},
                                      {"source": "hubei", "url": "http://hubei.test/b.html"}]},
}


def test_webhook_posts_the_contract_payload(tmp_path):
    with Receiver() as r:
        send(Channel("hook", "webhook", {"url": r.url + "/hook"}), PAYLOAD, key="reform:a1:hook", data_dir=tmp_path)
        (req,) = r.requests
    assert req["path"] == "/hook" and req["body"] == PAYLOAD
    assert req["headers"]["x-newsmon-alert"] == "reform:a1:hook"


def test_webhook_error_status_is_a_delivery_error(tmp_path):
    with Receiver(answers=[(503, {})]) as r:
        with pytest.raises(DeliveryError, match="HTTP 503"):
            send(Channel("hook", "webhook", {"url": r.url}), PAYLOAD, key="k", data_dir=tmp_path)


def test_dingtalk_signs_the_url_as_documented(tmp_path, monkeypatch):
    monkeypatch.setenv("DT_TOKEN", "tok123456789")
    monkeypatch.setenv("DT_SECRET", "SECabcdef0123456789")
    with Receiver() as r:
        ch = Channel("ding", "dingtalk", {"url": r.url + "/robot/send?access_token=${DT_TOKEN}", "secret": "${DT_SECRET}"})
        send(ch, PAYLOAD, key="k", data_dir=tmp_path)
        (req,) = r.requests
    q = req["query"]
    assert q["access_token"] == "tok123456789"
    ts = int(q["timestamp"])
    assert abs(ts / 1000 - time.time()) < 60  # milliseconds
    expected = base64.b64encode(
        hmac.new(b"SECabcdef0123456789", f"{ts}\nSECabcdef0123456789".encode(), hashlib.sha256).digest()
    ).decode()
    assert q["sign"] == expected
    assert "%" in req["raw_query"].split("sign=")[1] or "+" not in expected  # URL-encoded base64
    body = req["body"]
    assert body["msgtype"] == "text" and "優化營商環境" in body["text"]["content"]
    assert "http://hubei.test/b.html" in body["text"]["content"]


def test_dingtalk_refusal_in_the_answer_is_a_failure(tmp_path):
    with Receiver(default=(200, {"errcode": 310000, "errmsg": "sign not match"})) as r:
        with pytest.raises(DeliveryError, match="310000"):
            send(Channel("ding", "dingtalk", {"url": r.url, "secret": "s3cretvalue"}), PAYLOAD, key="k",
                 data_dir=tmp_path)


def test_wecom_text_message(tmp_path):
    with Receiver() as r:
        send(Channel("wx", "wecom", {"url": r.url + "/cgi-bin/webhook/send?key=abc"}), PAYLOAD, key="k",
             data_dir=tmp_path)
        (req,) = r.requests
    assert req["query"] == {"key": "abc"}
    assert req["body"]["msgtype"] == "text"
    assert "市政府印發" in req["body"]["text"]["content"]


def test_feishu_signs_the_body_as_documented(tmp_path):
    with Receiver(default=(200, {"code": 0, "msg": "success"})) as r:
        send(Channel("fs", "feishu", {"url": r.url + "/open-apis/bot/v2/hook/xyz", "secret": "fsSecret"}),
             PAYLOAD, key="k", data_dir=tmp_path)
        (req,) = r.requests
    body = req["body"]
    ts = int(body["timestamp"])
    assert abs(ts - time.time()) < 60  # seconds
    expected = base64.b64encode(hmac.new(f"{ts}\nfsSecret".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "text" and "優化營商環境" in body["content"]["text"]


def test_feishu_error_code_is_a_failure(tmp_path):
    with Receiver(default=(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})) as r:
        with pytest.raises(DeliveryError, match="19021"):
            send(Channel("fs", "feishu", {"url": r.url, "secret": "x"}), PAYLOAD, key="k", data_dir=tmp_path)


def test_email_over_starttls_with_login(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PW", "pw")
    with SMTPServer(tmp_path) as smtp:
        ch = Channel("mail", "email", {
            "host": "127.0.0.1", "port": smtp.port, "username": "newsmon", "password": "${SMTP_PW}",
            "from": "newsmon@example.org", "to": ["desk@example.org"], "cafile": str(smtp.cert),
        })
        send(ch, PAYLOAD, key="reform:a1:mail", data_dir=tmp_path)
        (env,) = smtp.messages
    assert env.rcpt_tos == ["desk@example.org"]
    text = env.content.decode("utf-8", "replace")
    assert "reform" in text


def test_email_server_down_is_a_delivery_error(tmp_path):
    from test_alerts_receivers import free_port

    ch = Channel("mail", "email", {"host": "127.0.0.1", "port": free_port(), "from": "a@example.org",
                                   "to": ["b@example.org"], "timeout": "3s"})
    with pytest.raises(DeliveryError, match="SMTP"):
        send(ch, PAYLOAD, key="k", data_dir=tmp_path)


def test_file_channel_appends_json_lines(tmp_path):
    ch = Channel("log", "file", {"path": "out/alerts.jsonl"})
    send(ch, PAYLOAD, key="k1", data_dir=tmp_path)
    send(ch, PAYLOAD, key="k2", data_dir=tmp_path)
    lines = (tmp_path / "out" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["key"] for x in lines] == ["k1", "k2"]


def test_missing_env_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    with pytest.raises(ConfigError, match="NO_SUCH_SECRET"):
        send(Channel("ding", "dingtalk", {"url": "http://127.0.0.1:9/x", "secret": "${NO_SUCH_SECRET}"}), PAYLOAD,
             key="k", data_dir=tmp_path)


def test_connection_errors_do_not_show_the_token(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKEN", "very-secret-token-value")
    ch = Channel("ding", "dingtalk", {"url": "http://127.0.0.1:9/robot/send?access_token=${TOKEN}"})
    with pytest.raises(DeliveryError) as err:
        send(ch, PAYLOAD, key="k", data_dir=tmp_path)
    assert "very-secret-token-value" not in str(err.value)
    assert redact_url("https://oapi.dingtalk.com/robot/send?access_token=abc") == "https://oapi.dingtalk.com/robot/send?…"
