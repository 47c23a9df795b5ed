"""Information publishing (信息发布): one notice to every medium, each with its status; failed
pushes retried with backoff, then dead letters; the Atom feed for readers."""

from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, act, announce, bid, seed_parties
from ggzy.core.errors import DomainError
from ggzy.exchange import media
from ggzy.web.app import create_app


class Hook:
    """A webhook receiver on loopback that fails the first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.received = failures, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.failures > 0:
                    hook.failures -= 1
                    self.send_response(500)
                else:
                    hook.received.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notices"


class Smtp:
    """Just enough SMTP on loopback to receive messages."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        box = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 test\r\n")
                data, reading = [], False
                for line in self.rfile:
                    if reading:
                        if line == b".\r\n":
                            box.messages.append(b"".join(data))
                            reading = False
                            self.wfile.write(b"250 queued\r\n")
                        else:
                            data.append(line)
                        continue
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        reading, data = True, []
                        self.wfile.write(b"354 go on\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]


def add(platform, kind, target, name="媒体"):
    with platform.engine.begin() as conn:
        return media.add_medium(conn, kind, name, target, platform.clock.now())


def test_one_announcement_reaches_every_medium_each_with_its_status(platform, tmp_path):
    parties = seed_parties(platform)
    hook, smtp = Hook(), Smtp()
    webhook = add(platform, "webhook", hook.url, "湖北省公共资源交易信息网")
    add(platform, "email", f"smtp://127.0.0.1:{smtp.port}/notices@hbggzy.example.cn", "邮件")
    drop = tmp_path / "national"
    add(platform, "file", str(drop), "全国公共资源交易平台数据交换")
    code = announce(platform, parties)
    counts = media.deliver_round(platform)
    assert counts == {"queued": 3, "delivered": 3, "failed": 0, "dead": 0}
    [(headers, body)] = hook.received
    mac = hmac.new(webhook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Ggzy-Signature"] == f"sha256={mac}"
    notice = json.loads(body)
    assert notice["type"] == "AnnouncementPublished" and notice["project"] == code
    assert notice["title"] == "江城大道快速化改造工程施工" and len(notice["leaf_hash"]) == 64
    [message] = smtp.messages
    assert b"notices@hbggzy.example.cn" in message
    [manifest] = (drop / "manifest.jsonl").read_text().splitlines()
    line = json.loads(manifest)
    assert hashlib.sha256((drop / line["file"]).read_bytes()).hexdigest() == line["sha256"]
    with platform.read() as conn:
        status = media.deliveries_of(conn, seq=notice["seq"])
    assert [s["status"] for s in status] == ["delivered"] * 3


def test_a_bid_is_never_published(platform):
    parties = seed_parties(platform)
    hook = Hook()
    add(platform, "webhook", hook.url)
    code = announce(platform, parties)
    assert media.deliver_round(platform)["delivered"] == 1
    bid(platform, parties.bidders[0], code, "10500000.00")
    act(platform, parties.bidders[1], code, "obtain_documents", {})
    assert media.deliver_round(platform)["queued"] == 0 and len(hook.received) == 1


def test_a_failing_webhook_is_retried_with_backoff_then_dead_and_retried_by_hand(platform, clock):
    parties = seed_parties(platform)
    hook = Hook(failures=100)
    add(platform, "webhook", hook.url)
    announce(platform, parties)
    assert media.deliver_round(platform)["failed"] == 1
    assert media.deliver_round(platform)["failed"] == 0  # not due again yet (1 minute)
    for wait in media.BACKOFF:
        clock.advance(seconds=int(wait.total_seconds()))
        media.deliver_round(platform)
    with platform.read() as conn:
        [dead] = media.deliveries_of(conn, status="dead")
    assert dead["attempts"] == media.MAX_ATTEMPTS and "HTTP 500" in dead["last_error"]
    hook.failures = 0
    with platform.engine.begin() as conn:
        media.retry(conn, dead["id"], clock.now())
    assert media.deliver_round(platform)["delivered"] == 1 and len(hook.received) == 1
    with platform.engine.begin() as conn, pytest.raises(DomainError):
        media.retry(conn, dead["id"], clock.now())  # delivered: nothing to retry


def test_a_medium_with_a_bad_target_is_refused(platform):
    for kind, target in (
        ("webhook", "ftp://example.cn/x"),
        ("email", "mailto:someone@example.cn"),
        ("file", "relative/folder"),
        ("fax", "027-85551234"),
    ):
        with pytest.raises(DomainError) as refused:
            add(platform, kind, target)
        assert refused.value.zh and refused.value.en


def test_the_atom_feed_lists_the_notices_newest_first(platform):
    parties = seed_parties(platform)
    announce(platform, parties, title="第一个工程")
    announce(platform, parties, title="第二个工程")
    r = TestClient(create_app(platform)).get("/api/v1/notices.atom")
    assert r.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [t.text for t in ET.fromstring(r.content).findall("a:entry/a:title", ns)]
    assert titles == ["【招标公告已发布】第二个工程", "【招标公告已发布】第一个工程"]


def test_the_dead_letters_are_shown_to_staff_and_sent_again_from_the_page(platform, clock):
    parties = seed_parties(platform)
    hook = Hook(failures=100)
    add(platform, "webhook", hook.url, "省级发布网")
    announce(platform, parties)
    media.deliver_round(platform)
    for wait in media.BACKOFF:
        clock.advance(seconds=int(wait.total_seconds()))
        media.deliver_round(platform)
    with platform.command("system") as uow:
        from ggzy.registry import handlers as registry

        registry.create_account(
            uow,
            username="admin2",
            display_name="管理员",
            password=PASSWORD,
            roles=["platform_admin"],
        )
    client = TestClient(create_app(platform))
    assert "/login" in str(client.get("/publishing", follow_redirects=False).headers["location"])
    client.cookies.set("ggzy_csrf", "c" * 32)
    client.post("/login", data={"username": "admin2", "password": PASSWORD, "csrf_token": "c" * 32})
    page = client.get("/publishing")
    assert page.status_code == 200 and "省级发布网" in page.text and "HTTP 500" in page.text
    with platform.read() as conn:
        [dead] = media.deliveries_of(conn, status="dead")
    hook.failures = 0
    r = client.post(f"/publishing/retry/{dead['id']}", data={"csrf_token": "c" * 32})
    assert r.status_code == 200 and "已安排重发" in r.text
    assert media.deliver_round(platform)["delivered"] == 1
