"""Server-rendered pages through FastAPI's TestClient (no browser): Chinese first, forms with
CSRF, the same engine as the API, refusals shown in both languages without changing anything.

Bidders play their own bid tool (ggzy.bidding.tool): each seals its bid to its bound encryption
certificate and signs it, uploads the sealed file through the form and, at the opening,
decrypts it by submitting the content key it unwraps on its side.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from ggzy.bidding.handlers import bids_of
from ggzy.bidding.receipts import verify_receipt
from ggzy.bidding.tool import SealedBid, content_key_for, prepare_sealed_bid
from ggzy.bootstrap import Platform
from ggzy.core.clock import MovableClock
from ggzy.core.codes import make_credit_code, make_deal_code
from ggzy.core.documents import document_info, register_document
from ggzy.core.money import parse_yuan, to_capitals
from ggzy.ledger import log
from ggzy.pki import bindings, trust
from ggzy.pki.testca import Issued, TestCA
from ggzy.procedures import views
from ggzy.procedures.engine import get_project, perform
from ggzy.registry import handlers as registry
from ggzy.web.app import create_app
from ggzy.web.auth import SESSION_COOKIE
from ggzy.web.pages import CSRF_COOKIE, CSRF_FIELD

PASSWORD = "password123"
CENTER = "420100"
TENDER_DOC = "%PDF-1.4 招标文件 tender document".encode()
ENTITIES = (  # username, name, kinds
    ("tenderee1", "武汉城市建设集团有限公司", ["tenderee"]),
    ("bidder1", "甲建设工程有限公司", ["bidder"]),
    ("bidder2", "乙建设工程有限公司", ["bidder"]),
    ("bidder3", "丙建设工程有限公司", ["bidder"]),
)
BIDDERS = ("bidder1", "bidder2", "bidder3")
SUBMIT_HELP = (
    "在本地用投标工具（ggzy bid package → ggzy bid seal）生成密封文件并签名，平台无法读取投标内容"
)
DECRYPT_HELP = "在本地用 ggzy bid unwrap 得到内容密钥后提交"


@dataclass
class Site:
    platform: Platform
    clock: MovableClock
    client: TestClient
    code: str  # a project in bidding
    tender_sha: str
    credit: dict[str, str]  # username -> credit code
    keys: dict[str, dict[str, Issued]]  # bidder username -> "sign" | "encrypt" -> certificate

    def account(self, username: str) -> registry.Account:
        with self.platform.read() as conn:
            account = registry.get_account(conn, username)
        assert account is not None
        return account

    def ledger_size(self) -> int:
        with self.platform.read() as conn:
            return log.current_size(conn)

    def login(self, username: str) -> None:
        self.client.get("/login")
        r = self.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, CSRF_FIELD: self.csrf()},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    def csrf(self) -> str:
        token = self.client.cookies.get(CSRF_COOKIE)
        assert token, "no CSRF cookie yet: GET a page first"
        return token

    def act(self, action: str, data: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        body = {CSRF_FIELD: self.csrf(), **(data or {})}
        return self.client.post(
            f"/projects/{self.code}/act/{action}", data=body, follow_redirects=False, **kw
        )

    def seal(self, username: str, price: str, project: str | None = None) -> SealedBid:
        """What the bidder's tool makes on its side: a signed, sealed bid and its signature."""
        keys = self.keys[username]
        return prepare_sealed_bid(
            project=project or self.code,
            bidder=self.credit[username],
            bidder_name=dict((u, n) for u, n, _ in ENTITIES)[username],
            price=parse_yuan(price),
            duration_days=365,
            quality="合格",
            sign_key=keys["sign"].key,
            sign_cert=keys["sign"].der,
            encrypt_cert=keys["encrypt"].der,
            declared={"tool": "ggzy-test-bid-tool/1"},
            now=self.clock.now(),
        )

    def submit(self, sealed: SealedBid, signature: str | None = None) -> httpx.Response:
        """Upload the sealed file through the submit_bid form and paste its signature."""
        return self.act(
            "submit_bid",
            {"signature": sealed.signature if signature is None else signature},
            files={
                "sealed_file": ("投标文件.ggzyenv", sealed.envelope, "application/octet-stream")
            },
        )

    def unwrap(self, username: str, sealed: SealedBid) -> str:
        """`ggzy bid unwrap` on the bidder's side: the content key, hex."""
        return content_key_for(sealed.envelope, self.keys[username]["encrypt"].key).hex()

    def nothing_stored(self, sealed: SealedBid, size: int, bids: int = 0) -> None:
        """A refused submission left no event, no bid, no document record and no file."""
        assert self.ledger_size() == size
        with self.platform.read() as conn:
            assert len(bids_of(conn, self.code)) == bids
            assert document_info(conn, sealed.sealed_sha256) is None
        assert not self.platform.documents.exists(sealed.sealed_sha256)


def seed(
    platform: Platform, clock: MovableClock
) -> tuple[str, str, dict[str, str], dict[str, dict[str, Issued]]]:
    """A center, a tenderee, three bidders (each with an account and bound signing and
    encryption certificates from a trusted CA), one announced project."""
    credit: dict[str, str] = {}
    with platform.command("system") as uow:
        registry.register_center(uow, CENTER, "武汉市公共资源交易中心", "武汉")
        for i, (username, name, kinds) in enumerate(ENTITIES):
            code = make_credit_code("9", "1", CENTER, f"MA{i + 1:06d}")
            credit[username] = code
            registry.register_entity(
                uow, credit_code=code, name=name, kinds=kinds, legal_representative="张三"
            )
            registry.create_account(
                uow,
                username=username,
                display_name=f"{name}经办人",
                password=PASSWORD,
                roles=["entity_admin"],
                entity=code,
            )
        registry.create_account(
            uow,
            username="staff1",
            display_name="中心工作人员",
            password=PASSWORD,
            roles=["center_staff"],
            center=CENTER,
        )
    with platform.read() as conn:
        tenderee = registry.get_account(conn, "tenderee1")
    assert tenderee is not None
    sha, size = platform.documents.write([TENDER_DOC])
    start = clock.now()
    with platform.command(tenderee.actor, CENTER) as uow:
        register_document(uow.conn, sha, size, "招标文件.pdf", "application/pdf", uow.now)
        code = perform(
            uow,
            tenderee,
            None,
            "register_project",
            {
                "center": CENTER,
                "title": "武汉市某某道路改造工程",
                "estimated_price": "10000000.00",
                "max_price": "9800000",
                "state_capital": True,
            },
            method="construction.open_tendering",
        )["code"]
    with platform.command(tenderee.actor, CENTER) as uow:
        perform(
            uow,
            tenderee,
            code,
            "publish_announcement",
            {
                "tender_document": sha,
                "doc_sale_start": start.isoformat(),
                "doc_sale_end": (start + timedelta(days=7)).isoformat(),
                "bid_deadline": (start + timedelta(days=21, hours=1)).isoformat(),
                "bid_bond": "200000",
                "announcement": "武汉市某某道路改造工程已具备招标条件，现进行公开招标。",
            },
        )
    return code, sha, credit, _certificates(platform, clock, credit)


def _certificates(
    platform: Platform, clock: MovableClock, credit: dict[str, str]
) -> dict[str, dict[str, Issued]]:
    ca = TestCA.create("湖北测试数字证书CA", "ecdsa", now=clock.now())
    with platform.command("account:admin") as uow:
        trust.add_ca(uow, ca.cert.der, ca.name, "root")
    keys: dict[str, dict[str, Issued]] = {}
    names = {u: n for u, n, _ in ENTITIES}
    for username in BIDDERS:
        with platform.read() as conn:
            account = registry.get_account(conn, username)
        assert account is not None
        issued = {
            u: ca.issue(names[username], credit[username], usage=u) for u in ("sign", "encrypt")
        }
        with platform.command(account.actor) as uow:
            for usage, cert in issued.items():
                bindings.bind_certificate(uow, account, cert.pem, usage)
        keys[username] = issued
    return keys


@pytest.fixture
def site(
    platform: Platform, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    # argon2id at its production cost takes ~0.5 s per password; these tests are about pages
    monkeypatch.setattr(registry, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    code, sha, credit, keys = seed(platform, clock)
    with TestClient(create_app(platform), raise_server_exceptions=True) as client:
        yield Site(platform, clock, client, code, sha, credit, keys)


def _text(html: str) -> str:
    """Visible text, roughly: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---------------------------------------------------------------- public pages


def test_portal_renders_chinese_with_tree_head(site: Site) -> None:
    r = site.client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN">' in html
    assert "公共资源交易平台（武汉都市圈）· OpenGGZY" in html
    for label in ("首页", "项目", "工作台", "存证账本", "登录", "最新公告", "正在招标的项目"):
        assert label in html
    assert "招标公告" in html and "武汉市某某道路改造工程" in html
    assert "武汉市公共资源交易中心" in html and f"/projects?center={CENTER}" in html
    head = site.client.get("/api/v1/ledger/tree-head").json()
    assert head["root_hash"] in html and head["public_key"] in html
    assert f">{head['tree_size']}<" in html
    assert "服务器时间（北京时间）" in html and "2026-03-02 09:00:00" in html
    assert 'href="/ledger"' in html
    # the page sets a CSRF cookie for its forms, and refuses to be framed
    assert CSRF_COOKIE in r.cookies
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_project_page_shows_amounts_in_capitals_and_beijing_time(site: Site) -> None:
    r = site.client.get(f"/projects/{site.code}")
    assert r.status_code == 200
    text = _text(r.text)
    assert "统一交易标识码" in text and site.code in text
    assert "10,000,000.00" in text and "人民币壹仟万元整" in text  # estimated price
    assert "人民币玖佰捌拾万元整" in text  # maximum bid price
    assert "人民币贰拾万元整" in text  # bid bond
    assert "投标截止时间" in text and "2026-03-23 10:00:00" in text  # Beijing time
    assert "工程建设项目公开招标" in text and "武汉城市建设集团有限公司" in text
    assert "招标公告已发布" in text and "项目已登记赋码" in text  # timeline in Chinese
    assert "招标公告已发布（投标中）" in text or "投标中" in text
    # the public sees no form and no tender document link
    assert "/act/" not in r.text and "/api/v1/documents/" not in r.text
    assert "登录后可获取招标文件" in text


def test_projects_list_filters_by_center_and_stage(site: Site) -> None:
    r = site.client.get("/projects", params={"center": CENTER, "stage": "bidding"})
    assert r.status_code == 200 and site.code in r.text
    r = site.client.get("/projects", params={"stage": "awarded"})
    assert r.status_code == 200 and site.code not in r.text and "没有符合条件的项目" in r.text


def test_unknown_project_is_a_chinese_404_page(site: Site) -> None:
    r = site.client.get("/projects/4201002026J999999X")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "项目 4201002026J999999X不存在" in r.text


# ---------------------------------------------------------------- sign-in


def test_login_sets_httponly_session_cookie(site: Site) -> None:
    site.client.get("/login")
    r = site.client.post(
        "/login",
        data={"username": "bidder1", "password": PASSWORD, CSRF_FIELD: site.csrf()},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/workspace"
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower() and "Path=/" in session
    assert "Secure" not in session  # settings.secure_cookies is off in tests
    r = site.client.get("/workspace")
    assert r.status_code == 200
    assert "甲建设工程有限公司经办人" in r.text and "可参与的项目" in r.text
    assert "欢迎" in r.text  # the flash message, shown once
    assert "欢迎" not in site.client.get("/workspace").text
    # signing out revokes the token
    token = site.client.cookies.get(SESSION_COOKIE)
    r = site.client.post("/logout", data={CSRF_FIELD: site.csrf()}, follow_redirects=False)
    assert r.status_code == 303
    with site.platform.read() as conn:
        assert registry.account_for_token(conn, token, site.clock.now()) is None
    assert site.client.get("/workspace", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_in_chinese(site: Site) -> None:
    site.client.get("/login")
    r = site.client.post(
        "/login",
        data={"username": "bidder1", "password": "wrong-password", CSRF_FIELD: site.csrf()},
    )
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text and "wrong username or password" in r.text
    assert SESSION_COOKIE not in r.cookies


# ---------------------------------------------------------------- forms


def test_bidder_obtains_documents_and_bids_through_forms(site: Site) -> None:
    site.login("bidder1")
    page = site.client.get(f"/projects/{site.code}").text
    assert f'action="/projects/{site.code}/act/obtain_documents"' in page
    assert f'name="{CSRF_FIELD}" value="{site.csrf()}"' in page

    r = site.act("obtain_documents")
    assert r.status_code == 303 and r.headers["location"] == f"/projects/{site.code}"
    page = site.client.get(f"/projects/{site.code}").text
    assert "已完成：获取招标文件" in page
    assert f"/api/v1/documents/{site.tender_sha}" in page  # holders may download
    assert site.client.get(f"/api/v1/documents/{site.tender_sha}").content == TENDER_DOC
    # the bid form takes the sealed file and the signature, and says how to make them
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'name="sealed_file"' in page
    assert '<textarea id="f-submit_bid-signature" name="signature"' in page
    assert 'name="signature.p7s" type="file"' in page
    assert SUBMIT_HELP in _text(page)
    assert 'name="price"' not in page  # the platform never sees the price before opening

    sealed = site.seal("bidder1", "9,388,800.00")
    size = site.ledger_size()
    r = site.submit(sealed)
    assert r.status_code == 303, r.text
    assert site.ledger_size() == size + 1
    page = site.client.get(f"/projects/{site.code}").text
    bidder = site.account("bidder1")
    with site.platform.read() as conn:
        project = get_project(conn, site.code)
        mine = views.project_view(conn, project, bidder)["my"]["bid"]
        assert len(bids_of(conn, site.code)) == 1
        assert document_info(conn, sealed.sealed_sha256) is not None
    assert mine["sealed_sha256"] == sealed.sealed_sha256
    assert site.platform.documents.read(sealed.sealed_sha256) == sealed.envelope
    text = _text(page)
    assert "已完成：递交投标文件" in text
    assert "投标回执" in page and mine["sealed_sha256"] in page
    assert f'href="/ledger?seq={mine["seq"]}"' in page
    receipt_url = f"/api/v1/projects/{site.code}/bids/{mine['seq']}/receipt"
    assert f'href="{receipt_url}"' in page and "下载投标回执" in text
    assert "9,388,800.00" not in page  # the price stays sealed, even for its bidder

    # the link gives the node-signed receipt, verifiable offline with the node's key
    receipt = site.client.get(receipt_url).json()
    assert receipt["sealed_sha256"] == sealed.sealed_sha256
    assert receipt["bidder"] == site.credit["bidder1"] and receipt["seq"] == mine["seq"]
    assert verify_receipt(receipt, site.platform.node_key.public_b64())

    # another bidder and the public see neither the bid nor the bidder nor the receipt
    site.login("bidder2")
    assert receipt_url not in site.client.get(f"/projects/{site.code}").text
    assert site.client.get(receipt_url).status_code == 403
    site.client.cookies.delete(SESSION_COOKIE)
    public = site.client.get(f"/projects/{site.code}").text
    assert "甲建设工程有限公司" not in public and mine["sealed_sha256"] not in public


def test_signature_can_be_uploaded_as_a_p7s_file(site: Site) -> None:
    site.login("bidder2")
    assert site.act("obtain_documents").status_code == 303
    sealed = site.seal("bidder2", "9200000")
    der = base64.b64decode(sealed.signature)
    r = site.act(
        "submit_bid",
        {"signature": ""},
        files={
            "sealed_file": ("投标文件.ggzyenv", sealed.envelope, "application/octet-stream"),
            "signature.p7s": ("投标文件.ggzyenv.p7s", der, "application/pkcs7-signature"),
        },
    )
    assert r.status_code == 303, r.text
    with site.platform.read() as conn:
        assert [b["sealed_sha256"] for b in bids_of(conn, site.code)] == [sealed.sealed_sha256]


def test_post_without_csrf_is_refused_with_403(site: Site) -> None:
    site.login("bidder1")
    size = site.ledger_size()
    url = f"/projects/{site.code}/act/obtain_documents"
    for body in ({}, {CSRF_FIELD: "x" * 43}, {CSRF_FIELD: ""}):
        r = site.client.post(url, data=body, follow_redirects=False)
        assert r.status_code == 403
        assert "CSRF" in r.text and "请求校验失败" in r.text and "reload the page" in r.text
    # a matching form field without the cookie is refused too
    token = site.csrf()
    site.client.cookies.delete(CSRF_COOKIE)
    r = site.client.post(url, data={CSRF_FIELD: token}, follow_redirects=False)
    assert r.status_code == 403
    assert site.ledger_size() == size
    # the login form is protected as well
    r = site.client.post("/login", data={"username": "bidder2", "password": PASSWORD})
    assert r.status_code == 403


def test_wrong_role_action_shows_chinese_error_and_changes_nothing(site: Site) -> None:
    site.login("bidder1")
    size = site.ledger_size()
    r = site.act("publish_announcement", {"announcement": "伪造公告"})
    assert r.status_code == 403
    text = _text(r.text)
    assert "无权执行“发布招标公告”：仅限招标代理机构、招标人" in text
    assert "'publish the tender announcement' is only for" in r.text.replace("&#39;", "'")
    assert 'role="alert"' in r.text and "武汉市某某道路改造工程" in text  # the page itself
    assert site.ledger_size() == size


def test_bad_signature_is_refused_and_the_form_keeps_its_values(site: Site) -> None:
    site.login("bidder2")
    assert site.act("obtain_documents").status_code == 303
    sealed = site.seal("bidder2", "9000000")
    size = site.ledger_size()
    r = site.submit(sealed, signature="bm90IGEgc2lnbmF0dXJl")  # base64, but no CMS
    assert r.status_code == 422
    assert "递交签名验证失败" in r.text and "bm90IGEgc2lnbmF0dXJl</textarea>" in r.text
    assert 'role="alert"' in r.text
    site.nothing_stored(sealed, size)


def test_envelope_for_another_project_is_refused_and_nothing_stored(site: Site) -> None:
    site.login("bidder1")
    assert site.act("obtain_documents").status_code == 303
    other = make_deal_code(CENTER, 2026, "J", 99)  # a well-formed code of another project
    assert other != site.code
    sealed = site.seal("bidder1", "9100000", project=other)
    size = site.ledger_size()
    r = site.submit(sealed)
    assert r.status_code == 422, r.text
    text = _text(r.text)
    assert "密封文件的项目或投标人与本次递交不符" in text
    assert "the sealed file names another project or bidder" in text
    assert "envelope-mismatch" in text
    site.nothing_stored(sealed, size)
    # the same bidder's envelope for this project goes through
    assert site.submit(site.seal("bidder1", "9100000")).status_code == 303


def test_bid_after_the_deadline_is_refused(site: Site) -> None:
    site.login("bidder3")
    assert site.act("obtain_documents").status_code == 303
    site.clock.advance(days=21, hours=2)
    site.login("bidder3")  # the session of this morning has expired
    sealed = site.seal("bidder3", "9000000")
    size = site.ledger_size()
    r = site.submit(sealed)
    assert r.status_code == 409
    assert "已过截止时间（2026-03-23 10:00:00），不能再递交投标文件" in r.text
    site.nothing_stored(sealed, size)


def test_opening_page_shows_remote_decryption_and_the_reading(site: Site) -> None:
    sealed: dict[str, SealedBid] = {}
    prices = {"bidder1": "9,388,800.00", "bidder2": "9,512,000.50", "bidder3": "9,600,000"}
    for username in BIDDERS:
        site.login(username)
        assert site.act("obtain_documents").status_code == 303
        sealed[username] = site.seal(username, prices[username])
        assert site.submit(sealed[username]).status_code == 303
    site.clock.advance(days=21, hours=1)  # the deadline: 2026-03-23 10:00 Beijing time
    site.login("staff1")
    r = site.act("open_bids")
    assert r.status_code == 303, r.text

    # the public sees the decryption window and who bid, nothing decrypted yet
    site.client.cookies.delete(SESSION_COOKIE)
    text = _text(site.client.get(f"/projects/{site.code}").text)
    assert "开标解密" in text and "开标解密中" in text
    assert "解密截止时间 Decrypt by (Beijing time) 2026-03-23 10:30:00" in text
    assert "剩余时间" in text and "30 分 0 秒" in text
    assert text.count("待解密") == 3 and "已解密 0 / 3" in text
    for name in ("甲建设工程有限公司", "乙建设工程有限公司", "丙建设工程有限公司"):
        assert name in text
    assert "9,388,800.00" not in text

    # bidder1 decrypts in the page with the content key its tool unwraps
    site.login("bidder1")
    page = site.client.get(f"/projects/{site.code}").text
    assert 'data-action="decrypt_bid"' in page and DECRYPT_HELP in _text(page)
    assert 'name="content_key"' in page
    size = site.ledger_size()
    r = site.act("decrypt_bid", {"content_key": "00" * 32})  # a wrong key
    assert r.status_code >= 400 and site.ledger_size() == size
    assert 'role="alert"' in r.text
    site.clock.advance(minutes=5)
    r = site.act("decrypt_bid", {"content_key": site.unwrap("bidder1", sealed["bidder1"])})
    assert r.status_code == 303, r.text
    page = site.client.get(f"/projects/{site.code}").text
    text = _text(page)
    assert "已完成：解密本单位投标文件" in text and "已解密 1 / 3" in text
    assert text.count("待解密") == 2 and "25 分 0 秒" in text
    assert "已解密唱标" in text  # the bidder's own receipt

    # the others decrypt too; the last one completes the opening and the reading is public
    for username in ("bidder2", "bidder3"):
        site.login(username)
        key = site.unwrap(username, sealed[username])
        assert site.act("decrypt_bid", {"content_key": key}).status_code == 303
    site.client.cookies.delete(SESSION_COOKIE)
    page = site.client.get(f"/projects/{site.code}").text
    text = _text(page)
    assert "已开标（唱标完成）" in text and "已解密 3 / 3" in text and "待解密" not in text
    assert "解密唱标完成时间" in text
    assert "开标记录（唱标）" in text
    assert "9,388,800.00" in text and "人民币玖佰叁拾捌万捌仟捌佰元整" in text
    assert "9,512,000.50" in text and f"人民币{to_capitals(951200050)}" in text
    assert "9,600,000.00" in text and "人民币玖佰陆拾万元整" in text
    assert text.count("✓ 签名有效") == 3 and "存在问题" not in text


def test_undecrypted_bid_counts_as_withdrawn(site: Site) -> None:
    sealed: dict[str, SealedBid] = {}
    for username in BIDDERS:
        site.login(username)
        assert site.act("obtain_documents").status_code == 303
        sealed[username] = site.seal(username, "9500000")
        assert site.submit(sealed[username]).status_code == 303
    site.clock.advance(days=21, hours=1)
    site.login("staff1")
    assert site.act("open_bids").status_code == 303
    for username in ("bidder1", "bidder2"):
        site.login(username)
        key = site.unwrap(username, sealed[username])
        assert site.act("decrypt_bid", {"content_key": key}).status_code == 303
    site.clock.advance(minutes=31)
    site.login("staff1")
    text = _text(site.client.get(f"/projects/{site.code}").text)
    assert "解密时限已到" in text
    r = site.act("finish_opening")
    assert r.status_code == 303, r.text
    text = _text(site.client.get(f"/projects/{site.code}").text)
    assert "未解密视为撤销" in text and "已解密 2 / 3，未解密 1" in text
    assert "流标" in text and "成功解密的投标文件少于 3 份" in text


def test_tenderee_registers_and_publishes_through_workspace_forms(site: Site) -> None:
    site.login("tenderee1")
    page = site.client.get("/workspace").text
    assert "我组织的项目" in page and site.code in page and "登记新项目" in page
    assert 'action="/workspace/projects"' in page
    r = site.client.post(
        "/workspace/projects",
        data={
            CSRF_FIELD: site.csrf(),
            "method": "construction.open_tendering",
            "center": CENTER,
            "title": "某某中学教学楼新建工程",
            "estimated_price": "23456789.12",
            "state_capital": "true",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    code = r.headers["location"].rsplit("/", 1)[1]
    page = site.client.get(f"/projects/{code}").text
    assert "项目已登记，统一交易标识码" in page
    assert "人民币贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分" in page
    assert "发布招标公告" in page and 'type="datetime-local"' in page

    start = "2026-03-02T10:00"
    r = site.client.post(
        f"/projects/{code}/act/publish_announcement",
        data={
            CSRF_FIELD: site.csrf(),
            "doc_sale_start": start,
            "doc_sale_end": "2026-03-09T17:00",
            "bid_deadline": "2026-03-25T09:30",
            "announcement": "现进行公开招标。",
        },
        files={"tender_document": ("招标文件.pdf", b"%PDF school", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = site.client.get(f"/projects/{code}").text
    assert "2026-03-25 09:30:00" in page  # datetime-local is read as Beijing time


def test_workspace_upload_gives_the_sha256(site: Site) -> None:
    site.login("tenderee1")
    r = site.client.post(
        "/workspace/documents",
        data={CSRF_FIELD: site.csrf()},
        files={"file": ("澄清.pdf", b"%PDF clarification", "application/pdf")},
    )
    assert r.status_code == 200 and "文件已上传" in r.text
    assert hashlib.sha256(b"%PDF clarification").hexdigest() in r.text


def test_staff_workspace_lists_the_centers_projects(site: Site) -> None:
    site.login("staff1")
    page = site.client.get("/workspace").text
    assert "本中心全部项目" in page and site.code in page


def test_ledger_page_looks_up_a_leaf_and_verifies_its_proof(site: Site) -> None:
    page = site.client.get("/ledger").text
    assert "RFC 6962" in page and "/api/v1/ledger/proof/inclusion?seq=" in page
    assert "curl -s" in page
    r = site.client.get("/ledger", params={"seq": "1"})
    assert r.status_code == 200
    assert "包含证明验证通过" in r.text and "叶子数据与叶子哈希一致" in r.text
    assert "CenterRegistered" in r.text
    r = site.client.get("/ledger", params={"seq": "99999"})
    assert r.status_code == 400 and "不在大小为" in r.text
    r = site.client.get("/ledger", params={"seq": "abc"})
    assert r.status_code == 400 and "事件序号须为正整数" in r.text
