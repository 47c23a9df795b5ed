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
// The file is read, hashed and encrypted one chunk (1 MiB) at a time; sealParts() yields the
// envelope piece by piece for a streaming upload, sealFile() gathers the pieces into a Blob.
// SHA-256 of the whole file is computed incrementally here (WebCrypto's digest is one-shot).

const MAGIC = "GGZYENV1";
const TRAILER_MAGIC = "GGZYEND1";
const VERSION = 1;
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

// ------------------------------------------------------------------ incremental SHA-256

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  constructor() {
    this.h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    this.w = new Uint32Array(64);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0;
  }

  update(data) {
    let i = 0;
    const n = data.length;
    this.length += n;
    if (this.buffered) {
      const take = Math.min(64 - this.buffered, n);
      this.buffer.set(data.subarray(0, take), this.buffered);
      this.buffered += take;
      i = take;
      if (this.buffered < 64) return this;
      this.block(this.buffer, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= n; i += 64) this.block(data, i);
    if (i < n) {
      this.buffer.set(data.subarray(i), 0);
      this.buffered = n - i;
    }
    return this;
  }

  block(d, off) {
    const w = this.w;
    const h = this.h;
    for (let t = 0; t < 16; t++) {
      const j = off + 4 * t;
      w[t] = (d[j] << 24) | (d[j + 1] << 16) | (d[j + 2] << 8) | d[j + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], e = h[4], f = h[5], g = h[6], hh = h[7], dd = h[3];
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + s1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += dd; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }

  digest() {
    const bits = this.length * 8;
    const tail = new Uint8Array(this.buffered < 56 ? 64 - this.buffered : 128 - this.buffered);
    tail[0] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.update(tail);
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(4 * i, this.h[i]);
    return out;
  }
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

function recordAad(headerHash, index, final, length, digest) {
  const fixed = new Uint8Array(5);
  const view = new DataView(fixed.buffer);
  view.setUint32(0, index);
  fixed[4] = final ? 1 : 0;
  if (!final) return concat(headerHash, fixed);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setBigUint64(0, BigInt(length));
  return concat(headerHash, fixed, tail, digest);
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

  const hash = new Sha256();
  const size = file.size;
  const count = size === 0 ? 1 : Math.ceil(size / chunkSize);
  let next = file.slice(0, Math.min(chunkSize, size)).arrayBuffer();
  for (let index = 0; index < count; index++) {
    const plain = new Uint8Array(await next);
    const final = index === count - 1;
    if (!final) {  // read ahead while this chunk is hashed and encrypted
      const start = (index + 1) * chunkSize;
      next = file.slice(start, Math.min(start + chunkSize, size)).arrayBuffer();
    }
    hash.update(plain);
    const digest = final ? hash.digest() : null;
    const iv = new Uint8Array(12);
    iv.set(prefix, 0);
    new DataView(iv.buffer).setUint32(8, index);
    const sealed = new Uint8Array(await subtle().encrypt(
      {
        name: "AES-GCM", iv, tagLength: 128,
        additionalData: recordAad(headerHash, index, final, size, digest),
      },
      contentKey, plain,
    ));
    const head = new Uint8Array(5);
    head[0] = final ? 1 : 0;
    new DataView(head.buffer).setUint32(1, plain.length);
    yield concat(head, sealed);
    if (final) {
      const trailer = new Uint8Array(48);
      trailer.set(utf8(TRAILER_MAGIC), 0);
      new DataView(trailer.buffer).setBigUint64(8, BigInt(size));
      trailer.set(digest, 16);
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
