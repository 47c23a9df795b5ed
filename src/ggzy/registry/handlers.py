"""Registry commands: centers, market entities (市场主体), accounts, sign-in and tokens."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, select

from ggzy.core.codes import region_name, validate_credit_code, validate_region_code
from ggzy.core.errors import DomainError, conflict, not_found
from ggzy.core.events import NewEvent, RecordedEvent, event_type
from ggzy.core.projections import projector
from ggzy.core.uow import UnitOfWork
from ggzy.registry.tables import accounts, auth_tokens, centers, credentials, entities

event_type("CenterRegistered", "交易中心已登记", "trading center registered")
event_type("EntityRegistered", "市场主体已登记", "market entity registered", public=False)
event_type("AccountCreated", "用户账号已创建", "user account created", public=False)
event_type("SignedIn", "用户已登录", "user signed in", public=False)

ENTITY_KINDS: dict[str, tuple[str, str]] = {
    "bidder": ("投标人/供应商", "bidder / supplier"),
    "tenderee": ("招标人/采购人", "tenderee / purchaser"),
    "agency": ("招标代理机构", "tendering agency"),
    "guarantor": ("金融机构（电子保函出具人）", "financial institution (guarantee issuer)"),
}
ACCOUNT_ROLES: dict[str, tuple[str, str]] = {
    "entity_admin": ("主体管理员", "entity administrator"),
    "operator": ("经办人", "operator"),
    "center_staff": ("交易中心工作人员", "center staff"),
    "regulator": ("行政监督人员", "regulator"),
    "platform_admin": ("平台管理员", "platform administrator"),
    "expert": ("评标专家", "evaluation expert"),
}
SESSION_TTL = timedelta(hours=12)
API_TOKEN_TTL = timedelta(days=90)
_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


@dataclass(frozen=True)
class Account:
    """A signed-in user: who, for which entity or center, with which roles."""

    username: str
    display_name: str
    entity: str | None
    center: str | None
    roles: tuple[str, ...]

    @property
    def actor(self) -> str:
        """The actor id written into events."""
        return f"account:{self.username}"

    def has_role(self, role: str) -> bool:
        """True if the account holds role."""
        return role in self.roles


# ---------------------------------------------------------------- centers


def register_center(uow: UnitOfWork, code: str, name: str, short_name: str) -> dict[str, Any]:
    """Register a trading center (交易中心) of this node under its GB/T 2260 region code."""
    code = validate_region_code(code)
    name, short_name = _required_text(name, "中心名称", "center name", 100), short_name.strip()
    if uow.conn.execute(select(centers.c.code).where(centers.c.code == code)).first():
        raise conflict("center-exists", f"交易中心 {code} 已登记", f"center {code} already exists")
    payload = {"code": code, "name": name, "short_name": short_name or name[:20]}
    payload["node_id"] = uow.platform.settings.node_id
    uow.emit(NewEvent("CenterRegistered", "center", code, payload), center=code)
    return payload


@projector("CenterRegistered")
def _center_registered(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        centers.insert().values(
            code=p["code"],
            name=p["name"],
            short_name=p["short_name"],
            node_id=p["node_id"],
            registered_at=ev.recorded_at,
        )
    )


def list_centers(conn: Connection) -> list[dict[str, Any]]:
    """Every center of this node, by code."""
    return [dict(r._mapping) for r in conn.execute(select(centers).order_by(centers.c.code))]


def get_center(conn: Connection, code: str) -> dict[str, Any]:
    """One center, or a 404."""
    row = conn.execute(select(centers).where(centers.c.code == code)).first()
    if row is None:
        raise not_found(f"交易中心 {code}", f"center {code}")
    return dict(row._mapping)


# ---------------------------------------------------------------- entities


def register_entity(
    uow: UnitOfWork,
    *,
    credit_code: str,
    name: str,
    kinds: Sequence[str],
    legal_representative: str,
    contacts: Sequence[dict[str, str]] = (),
    qualifications: Sequence[dict[str, str]] = (),
    region: str | None = None,
) -> dict[str, Any]:
    """Register a market entity once for the whole network (一处登记、全网通用)."""
    code = validate_credit_code(credit_code)
    kinds = sorted(set(kinds))
    unknown = [k for k in kinds if k not in ENTITY_KINDS]
    if not kinds or unknown:
        raise DomainError(
            "invalid-entity-kind",
            f"主体类型无效：{', '.join(unknown) or '未填写'}（可选 bidder、tenderee、agency）",
            f"invalid entity kind: {', '.join(unknown) or 'none given'} "
            "(choose bidder, tenderee, agency)",
        )
    region = validate_region_code(region or code[2:8])
    if uow.conn.execute(
        select(entities.c.credit_code).where(entities.c.credit_code == code)
    ).first():
        raise conflict(
            "entity-exists",
            f"统一社会信用代码 {code} 已在全网登记，无需重复登记",
            f"an entity with credit code {code} is already registered in the network",
        )
    payload = {
        "credit_code": code,
        "name": _required_text(name, "主体名称", "entity name", 200),
        "kinds": kinds,
        "region": region,
        "legal_representative": _required_text(
            legal_representative, "法定代表人", "legal representative", 50
        ),
        "contacts": [_clean_contact(c) for c in contacts],
        "qualifications": [_clean_qualification(q) for q in qualifications],
        "registered_center": uow.center or region,
    }
    uow.emit(NewEvent("EntityRegistered", "entity", code, payload))
    return payload


def _clean_contact(c: dict[str, str]) -> dict[str, str]:
    name = _required_text(c.get("name", ""), "联系人姓名", "contact name", 50)
    phone = str(c.get("phone", "")).strip()
    if phone and not re.fullmatch(r"[0-9+\- ]{5,20}", phone):
        raise DomainError(
            "invalid-phone", f"联系电话格式不正确：{phone}", f"invalid phone number: {phone}"
        )
    email = str(c.get("email", "")).strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise DomainError(
            "invalid-email", f"电子邮箱格式不正确：{email}", f"invalid e-mail: {email}"
        )
    return {"name": name, "phone": phone, "email": email}


def _clean_qualification(q: dict[str, str]) -> dict[str, str]:
    return {
        "name": _required_text(q.get("name", ""), "资质名称", "qualification name", 100),
        "grade": str(q.get("grade", "")).strip()[:50],
        "number": str(q.get("number", "")).strip()[:50],
    }


def _required_text(value: Any, zh: str, en: str, max_len: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError("missing-field", f"{zh}不能为空", f"{en} is required")
    if len(text) > max_len:
        raise DomainError(
            "field-too-long", f"{zh}不能超过 {max_len} 个字符", f"{en} exceeds {max_len} characters"
        )
    return text


@projector("EntityRegistered")
def _entity_registered(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        entities.insert().values(
            credit_code=p["credit_code"],
            name=p["name"],
            kinds=json.dumps(p["kinds"]),
            region=p["region"],
            legal_representative=p["legal_representative"],
            contacts=json.dumps(p["contacts"], ensure_ascii=False),
            qualifications=json.dumps(p["qualifications"], ensure_ascii=False),
            registered_center=p["registered_center"],
            registered_at=ev.recorded_at,
        )
    )


def _entity_dict(row: Any) -> dict[str, Any]:
    d = dict(row._mapping)
    for key in ("kinds", "contacts", "qualifications"):
        d[key] = json.loads(d[key])
    d["region_name"] = region_name(d["region"])
    return d


def get_entity(conn: Connection, credit_code: str) -> dict[str, Any]:
    """One entity by credit code, or a 404."""
    row = conn.execute(select(entities).where(entities.c.credit_code == credit_code)).first()
    if row is None:
        raise not_found(f"市场主体 {credit_code}", f"entity {credit_code}")
    return _entity_dict(row)


def find_entity(conn: Connection, credit_code: str) -> dict[str, Any] | None:
    """One entity by credit code, or None."""
    row = conn.execute(select(entities).where(entities.c.credit_code == credit_code)).first()
    return _entity_dict(row) if row else None


def list_entities(conn: Connection, kind: str | None = None) -> list[dict[str, Any]]:
    """Registered entities, optionally only those of one kind."""
    rows = conn.execute(select(entities).order_by(entities.c.name)).all()
    result = [_entity_dict(r) for r in rows]
    return [e for e in result if kind is None or kind in e["kinds"]]


# ---------------------------------------------------------------- accounts


def create_account(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Sequence[str],
    entity: str | None = None,
    center: str | None = None,
) -> Account:
    """Create a user account with an argon2id password hash; roles are checked."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise DomainError(
            "invalid-username",
            "用户名须以字母开头，由 3–64 位小写字母、数字、点、横线或下划线组成",
            "username must be 3-64 lowercase letters, digits, '.', '-' or '_', "
            "starting with a letter",
        )
    if len(password) < 8:
        raise DomainError(
            "weak-password", "密码至少 8 位", "password must have at least 8 characters"
        )
    bad = [r for r in roles if r not in ACCOUNT_ROLES]
    if bad or not roles:
        raise DomainError(
            "invalid-role",
            f"角色无效：{', '.join(bad) or '未填写'}",
            f"invalid role: {bad or 'none'}",
        )
    if entity is not None:
        entity = get_entity(uow.conn, validate_credit_code(entity))["credit_code"]
    if center is not None:
        get_center(uow.conn, center)
    if ("center_staff" in roles) and center is None:
        raise DomainError(
            "center-required", "交易中心工作人员须指定所属中心", "center staff need a center"
        )
    exists = uow.conn.execute(select(accounts.c.username).where(accounts.c.username == username))
    if exists.first():
        raise conflict(
            "account-exists", f"用户名 {username} 已被使用", f"username {username} is taken"
        )
    name = _required_text(display_name, "姓名", "display name", 100)
    granted = sorted(set(roles))
    payload = {
        "username": username,
        "display_name": name,
        "entity": entity,
        "center": center,
        "roles": granted,
    }
    uow.emit(NewEvent("AccountCreated", "account", username, payload))
    uow.conn.execute(
        credentials.insert().values(
            username=username, password_hash=_hasher.hash(password), updated_at=uow.now
        )
    )
    return Account(username, name, entity, center, tuple(granted))


@projector("AccountCreated")
def _account_created(conn: Connection, ev: RecordedEvent) -> None:
    p = ev.payload
    conn.execute(
        accounts.insert().values(
            username=p["username"],
            display_name=p["display_name"],
            entity=p["entity"],
            center=p["center"],
            roles=json.dumps(p["roles"]),
            created_at=ev.recorded_at,
        )
    )


def get_account(conn: Connection, username: str) -> Account | None:
    """The account of username, or None."""
    row = conn.execute(select(accounts).where(accounts.c.username == username)).first()
    if row is None:
        return None
    r = row._mapping
    return Account(
        r["username"], r["display_name"], r["entity"], r["center"], tuple(json.loads(r["roles"]))
    )


def list_accounts(conn: Connection, entity: str | None = None) -> list[Account]:
    """Accounts, optionally of one entity."""
    q = select(accounts.c.username).order_by(accounts.c.username)
    if entity:
        q = q.where(accounts.c.entity == entity)
    return [a for u in conn.execute(q).scalars() if (a := get_account(conn, u))]


# ---------------------------------------------------------------- sign-in


_BAD_LOGIN = DomainError(
    "bad-credentials", "用户名或密码错误", "wrong username or password", status=401
)


def sign_in(
    uow: UnitOfWork, username: str, password: str, *, kind: str = "session", ip: str = ""
) -> tuple[Account, str]:
    """Check the password and issue a session or API token; the sign-in is an event."""
    username = username.strip().lower()
    row = uow.conn.execute(
        select(credentials.c.password_hash).where(credentials.c.username == username)
    ).first()
    account = get_account(uow.conn, username)
    if row is None and account is not None and _home_node_says(uow, account, password):
        pass  # an account registered at another node: its home node checked the password
    elif row is None or account is None:
        _hasher.hash(password)  # spend the same time as a real check
        raise _BAD_LOGIN
    else:
        try:
            _hasher.verify(row[0], password)
        except (VerificationError, InvalidHashError):
            raise _BAD_LOGIN from None
    token = issue_token(uow.conn, username, kind, uow.now)
    uow.emit(
        NewEvent("SignedIn", "account", username, {"username": username, "kind": kind, "ip": ip})
    )
    return account, token


# Checks of a password by an account's home node, for accounts registered at another node of
# the network (ggzy.exchange.peers registers one): True, False, or None when it cannot say.
REMOTE_PASSWORD_CHECKS: list[Callable[[UnitOfWork, Account, str], bool | None]] = []


def _home_node_says(uow: UnitOfWork, account: Account, password: str) -> bool:
    return any(check(uow, account, password) for check in REMOTE_PASSWORD_CHECKS)


def issue_token(conn: Connection, username: str, kind: str, now: datetime) -> str:
    """A fresh random token; only its SHA-256 is stored."""
    if kind not in ("session", "api"):
        raise ValueError("token kind is session or api")
    token = secrets.token_urlsafe(32)
    ttl = SESSION_TTL if kind == "session" else API_TOKEN_TTL
    conn.execute(
        auth_tokens.insert().values(
            token_hash=_token_hash(token),
            username=username,
            kind=kind,
            label=kind,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


def account_for_token(conn: Connection, token: str, now: datetime) -> Account | None:
    """The account a valid, unexpired token belongs to."""
    if not token or len(token) > 200:
        return None
    row = conn.execute(
        select(auth_tokens.c.username, auth_tokens.c.expires_at).where(
            auth_tokens.c.token_hash == _token_hash(token)
        )
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return get_account(conn, row.username)


def revoke_token(conn: Connection, token: str) -> None:
    """Sign out: forget the token."""
    conn.execute(delete(auth_tokens).where(auth_tokens.c.token_hash == _token_hash(token)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
