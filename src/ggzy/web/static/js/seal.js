// OpenGGZY bidder-side sealing in the browser (投标文件浏览器端加密): the bid never leaves the
// bidder's machine in the clear. Same GGZYENV1 envelope as ggzy.pki.envelope (see its
// docstring and docs/decisions/0004-sealed-envelope.md), recipient kind
// "ecdh-p256-hkdf-sha256-aes256kw" and cipher AES-256-GCM, with WebCrypto only:
//
//   import { sealFile } from "/static/js/seal.js";
//   const blob = await sealFile(file, {
//     recipientSpki: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…",  // the bidder's P-256 encryption key
//     certificate: "MIIB…",            // optional: its certificate (DER, base64) names the key id
//     project: "E4201000001202600001", bidder: "91420100MA4KXXXX1X",
//     declared: { tool_machine_code: "…", hardware_ids: ["…"] },
//   });
//
// More recipients (e.g. the center's opening key): recipients: [{ spki, certificate, opening }].
// The file is read and encrypted one chunk (1 MiB) at a time; sealParts() yields the envelope
// piece by piece for a streaming upload, sealFile() gathers the pieces into a Blob. Version 2
// carries no plaintext digest (the key check commits the content key, and the server hashes
// the envelope on upload), so nothing here hashes the file.

const MAGIC = "GGZYENV1";
const TRAILER_MAGIC = "GGZYEND2";
const VERSION = 2;
const TOOL = "ggzy-web/1";
const CIPHER = "AES-256-GCM";
const KIND = "ecdh-p256-hkdf-sha256-aes256kw";
const OPENING_KIND = "shamir-opening-key";
const KEY_CHECK_LABEL = "GGZYENV1 key check";
const HKDF_INFO_PREFIX = "GGZYENV1|" + KIND + "|";
export const DEFAULT_CHUNK_SIZE = 1 << 20;

const subtle = () => {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    throw new Error("WebCrypto is unavailable: open the page over https (or localhost)");
  }
  return globalThis.crypto.subtle;
};
const utf8 = (text) => new TextEncoder().encode(text);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

export function fromBase64(text) {
  const raw = atob(String(text).replace(/\s+/g, ""));
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// The canonical JSON of the header: keys sorted, no spaces, non-ASCII kept (as Python's
// json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)). Integers only.
export function canonicalJson(value) {
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + Object.keys(value).sort()
      .map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new Error("the envelope header carries integers only");
  }
  return JSON.stringify(value);
}

// ------------------------------------------------------------------ the envelope

async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

async function recipientEntry(recipient, contentKey, project) {
  const imported = await subtle().importKey(
    "spki", fromBase64(recipient.spki), { name: "ECDH", namedCurve: "P-256" }, true, [],
  );
  const spki = new Uint8Array(await subtle().exportKey("spki", imported)); // canonical DER
  const ephemeral = await subtle().generateKey(
    { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"],
  );
  const point = new Uint8Array(await subtle().exportKey("raw", ephemeral.publicKey));
  const shared = await subtle().deriveBits(
    { name: "ECDH", public: imported }, ephemeral.privateKey, 256,
  );
  const hkdf = await subtle().importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const kek = await subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: point, info: utf8(HKDF_INFO_PREFIX + project) },
    hkdf, { name: "AES-KW", length: 256 }, false, ["wrapKey"],
  );
  const wrapped = new Uint8Array(await subtle().wrapKey("raw", contentKey, kek, "AES-KW"));
  const certificate = recipient.certificate ? fromBase64(recipient.certificate) : null;
  const entry = {
    kind: recipient.opening ? OPENING_KIND : KIND,
    key_id: hex(await sha256(certificate || spki)),
    key_id_of: certificate ? "certificate" : "spki",
    spki_sha256: hex(await sha256(spki)),
    ephemeral_public: toBase64(point),
    wrapped_key: toBase64(wrapped),
  };
  if (recipient.opening) entry.wrap = KIND;
  return entry;
}

function recordAad(headerHash, index, final, length) {
  const fixed = new Uint8Array(5);
  const view = new DataView(fixed.buffer);
  view.setUint32(0, index);
  fixed[4] = final ? 1 : 0;
  if (!final) return concat(headerHash, fixed);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setBigUint64(0, BigInt(length));
  return concat(headerHash, fixed, tail);
}

// Yields the envelope of `file` (a File or Blob) as Uint8Array pieces, one record at a time.
export async function* sealParts(file, options) {
  const o = options || {};
  const recipients = o.recipients || [{ spki: o.recipientSpki, certificate: o.certificate }];
  if (!o.project || !o.bidder) throw new Error("sealing needs the project code and the bidder code");
  if (!recipients.length || !recipients.every((r) => r && r.spki)) {
    throw new Error("at least one recipient P-256 public key (SPKI, base64) is needed");
  }
  const chunkSize = o.chunkSize || DEFAULT_CHUNK_SIZE;
  if (chunkSize < 64 || chunkSize > 64 * 1024 * 1024) throw new Error("chunk size out of range");

  const rawKey = crypto.getRandomValues(new Uint8Array(32));
  const contentKey = await subtle().importKey("raw", rawKey, "AES-GCM", true, ["encrypt"]);
  const checkKey = await subtle().importKey(
    "raw", rawKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  const keyCheck = new Uint8Array(await subtle().sign("HMAC", checkKey, utf8(KEY_CHECK_LABEL)));
  const prefix = crypto.getRandomValues(new Uint8Array(8));
  const entries = [];
  for (const r of recipients) entries.push(await recipientEntry(r, contentKey, o.project));
  const sealedAt = (o.sealedAt || new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const json = utf8(canonicalJson({
    bidder: o.bidder,
    chunk_size: chunkSize,
    cipher: CIPHER,
    declared: o.declared || {},
    key_check: hex(keyCheck),
    nonce_prefix: hex(prefix),
    project: o.project,
    recipients: entries,
    sealed_at: sealedAt,
    tool: TOOL,
  }));
  const fixed = new Uint8Array(13);
  fixed.set(utf8(MAGIC), 0);
  fixed[8] = VERSION;
  new DataView(fixed.buffer).setUint32(9, json.length);
  const header = concat(fixed, json);
  const headerHash = await sha256(header);
  yield header;

  const size = file.size;
  const count = size === 0 ? 1 : Math.ceil(size / chunkSize);
  let next = file.slice(0, Math.min(chunkSize, size)).arrayBuffer();
  for (let index = 0; index < count; index++) {
    const plain = new Uint8Array(await next);
    const final = index === count - 1;
    if (!final) {  // read ahead while this chunk is encrypted
      const start = (index + 1) * chunkSize;
      next = file.slice(start, Math.min(start + chunkSize, size)).arrayBuffer();
    }
    const iv = new Uint8Array(12);
    iv.set(prefix, 0);
    new DataView(iv.buffer).setUint32(8, index);
    const sealed = new Uint8Array(await subtle().encrypt(
      {
        name: "AES-GCM", iv, tagLength: 128,
        additionalData: recordAad(headerHash, index, final, size),
      },
      contentKey, plain,
    ));
    const head = new Uint8Array(5);
    head[0] = final ? 1 : 0;
    new DataView(head.buffer).setUint32(1, plain.length);
    yield concat(head, sealed);
    if (final) {
      const trailer = new Uint8Array(16);
      trailer.set(utf8(TRAILER_MAGIC), 0);
      new DataView(trailer.buffer).setBigUint64(8, BigInt(size));
      yield trailer;
    }
  }
}

// The whole envelope as a Blob (type application/x-ggzy-envelope), ready for FormData upload.
export async function sealFile(file, options) {
  const parts = [];
  for await (const part of sealParts(file, options)) parts.push(part);
  return new Blob(parts, { type: "application/x-ggzy-envelope" });
}
