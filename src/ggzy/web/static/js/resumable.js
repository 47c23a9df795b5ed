// OpenGGZY resumable upload (断点续传) from the browser, over the server's /api/v1/uploads:
//
//   POST  /api/v1/uploads        {length, filename, media_type, project} -> 201 {id, offset: 0, ...}
//   GET   /api/v1/uploads/{id}   -> {id, length, offset, complete, sha256}
//   PATCH /api/v1/uploads/{id}   Upload-Offset: n, body = the bytes from n -> the new state;
//                                a wrong offset: 409 {code: "offset-mismatch", offset: actual};
//                                the last byte: {complete: true, sha256} (now in the document store)
//
//   import { uploadResumable, storageKeyFor } from "/static/js/resumable.js";
//   const sha256 = await uploadResumable(blob, {
//     project: "E4201000001202600001", filename: "投标文件.ggzyenv",
//     storageKey: storageKeyFor(blobSha256), sha256: blobSha256,
//     onProgress: (sent, total) => { ... },
//   });
//
// The upload's id is remembered in localStorage under storageKey (by default derived from the
// blob's SHA-256), so the same bytes uploaded again after a reload or a crash continue from the
// server's offset instead of from 0; the entry is forgotten once the upload is complete. A
// network error or a 5xx is retried with backoff (bounded), each time after asking the server
// for its offset; a 409 re-syncs to the offset the server names. Other refusals reject with an
// Error whose message is the server's problem+json title_zh and title (error.status,
// error.code and error.problem carry the rest). Authentication is the page's session cookie
// (same origin), as for the other API calls the pages make.

export const settings = {
  chunkSize: 4 << 20, // 4 MiB a PATCH
  maxAttempts: 6, // transient failures in a row before giving up
  backoffMs: 500, // first retry delay, doubled each time (with jitter)
  maxBackoffMs: 15000,
};

const API = "/api/v1/uploads";
const KEY_PREFIX = "ggzy.upload.";

export function storageKeyFor(sha256) {
  return KEY_PREFIX + sha256;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function digestHex(blob) {
  const bytes = await blob.arrayBuffer();
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

// A refusal: the problem+json's Chinese and English titles as the message.
async function problemError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    // not JSON
  }
  const text = body && (body.title_zh || body.title)
    ? `${body.title_zh || ""} ${body.title || ""}`.trim()
    : `HTTP ${response.status}`;
  const error = new Error(text);
  error.status = response.status;
  error.code = body && body.code;
  error.problem = body;
  return error;
}

// Transient: worth a retry (the connection broke, the server or a proxy failed or is busy).
class Transient extends Error {}

const transientStatus = (status) => status >= 500 || status === 408 || status === 429;

async function call(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...init });
  } catch (error) {
    throw new Transient(error && error.message ? error.message : String(error));
  }
  if (transientStatus(response.status)) {
    throw new Transient(`HTTP ${response.status}`);
  }
  return response;
}

function remember(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    // storage unavailable (private mode, quota): the upload still works, only not across reloads
  }
}

function recall(key) {
  try {
    const raw = localStorage.getItem(key);
    const value = raw ? JSON.parse(raw) : null;
    return value && typeof value.id === "string" ? value : null;
  } catch (e) {
    return null;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function uploadResumable(blob, options = {}) {
  const {
    project = null,
    filename = "投标文件.ggzyenv",
    mediaType = blob.type || "application/octet-stream",
    chunkSize = settings.chunkSize,
    maxAttempts = settings.maxAttempts,
    backoffMs = settings.backoffMs,
    onProgress = () => {},
    onRetry = () => {},
  } = options;
  if (!(chunkSize >= 1)) throw new Error("chunk size out of range");
  const size = blob.size;
  const expected = options.sha256 || (options.storageKey ? null : await digestHex(blob));
  const key = options.storageKey || storageKeyFor(expected);

  let failures = 0; // transient failures since the last progress
  async function retrying(error) {
    failures += 1;
    if (failures >= maxAttempts) {
      const out = new Error(
        `网络连接中断（连续 ${failures} 次失败），请稍后重新上传，已上传的部分会保留 ` +
        `the connection failed ${failures} times in a row: try again later, the bytes sent are kept`,
      );
      out.cause = error;
      throw out;
    }
    const delay = Math.min(settings.maxBackoffMs, backoffMs * 2 ** (failures - 1));
    onRetry(failures, maxAttempts, error);
    await sleep(Math.round(delay * (0.5 + Math.random() / 2)));
  }

  // The server's state of an upload; null when it does not know it (404); transient errors
  // are retried here.
  async function state(id) {
    for (;;) {
      try {
        const response = await call(`${API}/${encodeURIComponent(id)}`, { method: "GET" });
        if (response.status === 404) return null;
        if (!response.ok) throw await problemError(response);
        return await response.json();
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        await retrying(error);
      }
    }
  }

  async function create() {
    for (;;) {
      try {
        const response = await call(API, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ length: size, filename, media_type: mediaType, project }),
        });
        if (!response.ok) throw await problemError(response);
        return await response.json();
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        await retrying(error);
      }
    }
  }

  // resume the remembered upload of these bytes, if the server still has it; else start one
  let current = null;
  const remembered = recall(key);
  if (remembered && remembered.length === size) {
    current = await state(remembered.id);
    const usable = current && current.length === size && current.offset <= size &&
      (current.project || "").toUpperCase() === (project || "").toUpperCase();
    if (!usable) current = null;
  }
  if (!current) {
    remember(key, null);
    current = await create();
    remember(key, { id: current.id, length: size, project });
  }
  const id = current.id;
  const url = `${API}/${encodeURIComponent(id)}`;
  let offset = current.offset;
  onProgress(offset, size);

  while (!current.complete) {
    const before = offset;
    try {
      const end = Math.min(offset + chunkSize, size);
      const response = await call(url, {
        method: "PATCH",
        headers: {
          "Upload-Offset": String(offset),
          "Content-Type": "application/offset+octet-stream",
        },
        body: blob.slice(offset, end),
      });
      if (response.ok) {
        current = await response.json();
        offset = current.offset;
        if (offset <= before && !current.complete) await retrying(new Error("no progress"));
      } else if (response.status === 409) {
        const refusal = await problemError(response);
        if (refusal.code !== "offset-mismatch" && refusal.code !== "upload-complete") {
          throw refusal;
        }
        // not where the server is (a chunk whose answer was lost, another tab): re-sync
        const known = refusal.problem && Number.isInteger(refusal.problem.offset);
        current = known && refusal.code === "offset-mismatch"
          ? { ...current, offset: refusal.problem.offset }
          : await state(id);
        if (!current) throw refusal;
        offset = current.offset;
        if (offset <= before && !current.complete) await retrying(refusal);
      } else {
        if (response.status === 404) remember(key, null);
        throw await problemError(response);
      }
    } catch (error) {
      if (!(error instanceof Transient)) throw error;
      await retrying(error);
      const now = await state(id);
      if (!now) {
        remember(key, null);
        throw new Error("服务器上已找不到该上传，请重新上传 the upload is gone from the server");
      }
      current = now;
      offset = current.offset;
    }
    if (offset > before) failures = 0;
    if (offset > size) throw new Error("服务器的续传位置超出文件长度 the server's offset is past the end");
    onProgress(offset, size);
  }

  remember(key, null);
  if (expected && current.sha256 !== expected) {
    throw new Error("上传校验不符 the upload's SHA-256 differs");
  }
  return current.sha256;
}
