"""The demo network's certificates: three CAs recognised everywhere, one revoked certificate."""

from __future__ import annotations

from ggzy.demo import seed_demo
from ggzy.demo_pki import CUSTODY_USER, REVOKED_USER
from ggzy.pki import bindings, trust
from ggzy.pki.custody import custody_of
from ggzy.registry.handlers import list_entities


def test_the_demo_lists_an_rsa_an_ecdsa_and_an_sm2_ca_and_binds_every_entity(platform):
    seed_demo(platform, quiet=True)
    with platform.read() as conn:
        algorithms = {ca["algorithm"] for ca in trust.list_cas(conn)}
        entities = list_entities(conn)
        bound = {
            e["credit_code"]: bindings.certificates_of(conn, e["credit_code"]) for e in entities
        }
    assert algorithms == {"rsa", "ecdsa-p256", "sm2"}
    assert all(sorted(c["usage"] for c in certs) == ["encrypt", "sign"] for certs in bound.values())
    used = {c["algorithm"] for certs in bound.values() for c in certs}
    assert used == {"rsa", "ecdsa-p256", "sm2"}


def test_the_demo_revokes_one_signing_certificate_and_it_is_refused(platform):
    seed_demo(platform, quiet=True)
    keys = platform.settings.data_dir / "demo-keys"
    revoked = (keys / REVOKED_USER / "sign.crt.pem").read_text()
    valid = (keys / "bidder1" / "sign.crt.pem").read_text()
    with platform.read() as conn:
        now = platform.clock.now()
        assert trust.check_certificate(conn, revoked, now, "sign").reason == "revoked"
        assert trust.check_certificate(conn, valid, now, "sign").ok


def test_one_demo_bidder_keeps_its_signing_key_in_custody(platform):
    seed_demo(platform, quiet=True)
    with platform.read() as conn:
        assert len(custody_of(conn, CUSTODY_USER)) == 1
