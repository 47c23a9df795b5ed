"""Certificate sign-in on the login page: sign the shown challenge text with `ggzy sign` (here
ggzy.pki.signatures.sign_detached), paste the base64 signature, get the same session cookie as
the password sign-in; a refusal re-renders the page in both languages with a new challenge."""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import seed_parties
from ggzy.pki.signatures import sign_detached
from ggzy.web.app import create_app
from ggzy.web.auth import SESSION_COOKIE
from ggzy.web.pages import CSRF_COOKIE, CSRF_FIELD


@pytest.fixture
def client(platform: Any) -> TestClient:
    return TestClient(create_app(platform), raise_server_exceptions=False)


def challenge_of(page: str) -> tuple[str, str]:
    """The challenge (hidden field) and the text to sign shown on the login page."""
    challenge = re.search(r'name="challenge" value="([^"]+)"', page)
    sign = re.search(r'id="cert-sign-text"[^>]*value="([^"]+)"', page)
    assert challenge and sign, page
    return html.unescape(challenge.group(1)), html.unescape(sign.group(1))


def test_the_login_page_shows_a_certificate_challenge(platform: Any, client: TestClient) -> None:
    r = client.get("/login")
    assert r.status_code == 200
    challenge, sign = challenge_of(r.text)
    assert sign == f"ggzy-login:test-node:{challenge}"
    assert "证书登录" in r.text and "sign in with a certificate" in r.text
    assert f"ggzy sign --text &#34;{sign}&#34;" in r.text or f'ggzy sign --text "{sign}"' in r.text
    assert 'action="/login/certificate"' in r.text
    assert f'name="{CSRF_FIELD}" value="{client.cookies.get(CSRF_COOKIE)}"' in r.text
    again, _ = challenge_of(client.get("/login").text)
    assert again != challenge  # fresh each time


def test_a_valid_signature_signs_the_bidder_in(platform: Any, client: TestClient) -> None:
    parties = seed_parties(platform)
    cert = parties.keys["bidder1"]["sign"]
    challenge, sign = challenge_of(client.get("/login").text)
    blob = sign_detached(sign.encode("utf-8"), cert.key, cert.der)
    r = client.post(
        "/login/certificate",
        data={
            "challenge": challenge,
            "signature": base64.b64encode(blob).decode(),
            "username": "bidder1",
            CSRF_FIELD: client.cookies.get(CSRF_COOKIE),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/workspace"
    assert SESSION_COOKIE in r.cookies
    page = client.get("/workspace")
    assert page.status_code == 200
    assert parties.bidders[0].display_name in page.text


def test_a_garbage_signature_is_refused_without_a_session(
    platform: Any, client: TestClient
) -> None:
    seed_parties(platform)
    challenge, _ = challenge_of(client.get("/login").text)
    r = client.post(
        "/login/certificate",
        data={
            "challenge": challenge,
            "signature": base64.b64encode(b"not a signature at all").decode(),
            CSRF_FIELD: client.cookies.get(CSRF_COOKIE),
        },
        follow_redirects=False,
    )
    assert 400 <= r.status_code < 500
    assert "签名验证失败" in r.text and "the signature does not verify" in r.text
    assert SESSION_COOKIE not in r.cookies and SESSION_COOKIE not in client.cookies
    fresh, _ = challenge_of(r.text)
    assert fresh != challenge  # a new challenge to try again
    assert client.get("/workspace", follow_redirects=False).status_code == 303


def test_certificate_login_without_csrf_is_403(platform: Any, client: TestClient) -> None:
    parties = seed_parties(platform)
    cert = parties.keys["bidder1"]["sign"]
    challenge, sign = challenge_of(client.get("/login").text)
    blob = sign_detached(sign.encode("utf-8"), cert.key, cert.der)
    r = client.post(
        "/login/certificate",
        data={"challenge": challenge, "signature": base64.b64encode(blob).decode()},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "请求校验失败" in r.text
    assert SESSION_COOKIE not in r.cookies
