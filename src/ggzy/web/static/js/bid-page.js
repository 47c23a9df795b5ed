// OpenGGZY project page: seal and submit a bid in the browser (在浏览器中加密并递交).
// The bidder picks its bid package (bid.zip from `ggzy bid package`); seal.js encrypts it here
// to the bidder's P-256 encryption key (and the center's opening key, if the project has one);
// only the sealed file is uploaded, in chunks that survive a broken connection or a reload
// (resumable.js over /api/v1/uploads, 断点续传), and its SHA-256 goes into the submit_bid form.
// The sealed file can be downloaded to sign with `ggzy sign`, or signed once with the bidder's
// custody key (/api/v1/custody/sign over its SHA-256). The bidder then submits the form as
// usual. Everything the page needs comes from data- attributes (the CSP forbids inline scripts);
// data-upload-chunk-size (bytes) overrides the upload's chunk size.
//
// Sealing is randomised (fresh content key, ephemeral keys), so sealing the same bid.zip twice
// gives two different files. To resume after a reload, the sealed file is kept in IndexedDB
// (one per project and bidder, ciphertext only) until its upload completes: picking the same
// bid.zip again reuses it, and resumable.js finds the unfinished upload by its SHA-256.

import * as seal from "./seal.js";
import { settings as uploadSettings, storageKeyFor, uploadResumable } from "./resumable.js";

const panel = document.getElementById("browser-seal");
if (panel) setup(panel);

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function problemText(response) {
  try {
    const body = await response.json();
    if (body && (body.title_zh || body.title)) {
      return `${body.title_zh || ""} ${body.title || ""}`.trim();
    }
  } catch (e) {
    // not JSON: fall through
  }
  return `HTTP ${response.status}`;
}

// The sealed file awaiting its upload, in IndexedDB: {identity, blob}. Failures only lose the
// ability to resume across reloads.
const CACHE_DB = "ggzy-sealed-bids";
const CACHE_STORE = "sealed";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function sealedCache(mode, use) {
  try {
    if (!globalThis.indexedDB) return null;
    const opening = indexedDB.open(CACHE_DB, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(CACHE_STORE);
    const db = await request(opening);
    try {
      const tx = db.transaction(CACHE_STORE, mode);
      const done = new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
      const result = await request(use(tx.objectStore(CACHE_STORE)));
      await done;
      return result;
    } finally {
      db.close();
    }
  } catch (e) {
    return null;
  }
}

// The same bid.zip (name, size, modification time) sealed to the same keys.
async function fileIdentity(file, d) {
  const text = [file.name, file.size, file.lastModified, d.project, d.bidder, d.spki,
    d.certificate || "", d.openingSpki || ""].join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return hex(new Uint8Array(digest));
}

// Seal with progress when seal.js offers the streaming form, else in one go.
async function sealWithProgress(file, options, onProgress) {
  if (typeof seal.sealParts !== "function") {
    return seal.sealFile(file, options);
  }
  const parts = [];
  let done = 0;
  for await (const part of seal.sealParts(file, options)) {
    parts.push(part);
    done += part.length;
    onProgress(Math.min(done, file.size), file.size);
  }
  return new Blob(parts, { type: "application/x-ggzy-envelope" });
}

function setup(root) {
  const d = root.dataset;
  const $ = (sel) => root.querySelector(sel);
  const form = document.querySelector("form[data-action=submit_bid]");
  const fileInput = $("[data-seal-file]");
  const start = $("[data-seal-start]");
  const progress = $("[data-seal-progress]");
  const status = $("[data-seal-status]");
  const done = $("[data-seal-done]");
  const shaOut = $("[data-seal-sha]");
  const download = $("[data-seal-download]");
  const passphrase = $("[data-seal-passphrase]");
  const signButton = $("[data-seal-sign]");
  let sealed = null; // { blob, sha256 }
  let downloadUrl = "";

  const say = (text, bad) => {
    status.textContent = text;
    status.classList.toggle("bad", Boolean(bad));
    status.classList.toggle("ok", !bad && Boolean(text));
  };

  fileInput.addEventListener("change", () => {
    start.disabled = !(fileInput.files && fileInput.files.length);
  });

  start.addEventListener("click", async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    start.disabled = true;
    fileInput.disabled = true;
    done.hidden = true;
    sealed = null;
    progress.hidden = false;
    progress.value = 0;
    try {
      const cacheKey = `${d.project}|${d.bidder}`;
      const identity = await fileIdentity(file, d);
      const kept = await sealedCache("readonly", (store) => store.get(cacheKey));
      let blob;
      if (kept && kept.identity === identity && kept.blob instanceof Blob) {
        blob = kept.blob; // sealed before, upload unfinished: the same bytes resume
        progress.value = 50;
        say("继续上传上次加密的文件… resuming the upload of the file sealed before…");
      } else {
        say("正在本机加密… sealing in your browser…");
        const recipients = [{ spki: d.spki, certificate: d.certificate || undefined }];
        if (d.openingSpki) recipients.push({ spki: d.openingSpki, opening: true });
        blob = await sealWithProgress(
          file,
          {
            recipients,
            project: d.project,
            bidder: d.bidder,
            declared: { tool: "ggzy-web/1" },
          },
          (n, total) => { progress.value = total ? Math.round((50 * n) / total) : 50; },
        );
        await sealedCache("readwrite", (store) => store.put({ identity, blob }, cacheKey));
      }
      const bytes = await blob.arrayBuffer();
      const sha256 = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
      if (blob === kept?.blob) {
        // held in memory from here on: the stored copy is deleted once uploaded
        blob = new Blob([bytes], { type: "application/x-ggzy-envelope" });
      }
      const chunk = Number.parseInt(d.uploadChunkSize || "", 10);
      let stored;
      try {
        stored = await uploadResumable(blob, {
          project: d.project,
          filename: "投标文件.ggzyenv",
          mediaType: "application/x-ggzy-envelope",
          chunkSize: chunk > 0 ? chunk : uploadSettings.chunkSize,
          storageKey: storageKeyFor(sha256),
          sha256,
          onProgress: (sent, total) => {
            const pct = total ? Math.floor((100 * sent) / total) : 100;
            progress.value = 50 + Math.floor(pct / 2);
            say(`已上传 ${pct}% uploaded`);
          },
          onRetry: (attempt, max) => {
            say(`连接中断，正在重试（${attempt}/${max}）… connection lost, retrying…`);
          },
        });
      } catch (error) {
        throw new Error("上传失败 upload refused: " + (error && error.message ? error.message : error));
      }
      if (stored !== sha256) throw new Error("上传校验不符 the upload's SHA-256 differs");
      await sealedCache("readwrite", (store) => store.delete(cacheKey));
      progress.value = 100;
      sealed = { blob, sha256 };
      if (form) {
        const target = form.querySelector("input[name='sealed_file.sha256']");
        if (target) target.value = sha256;
      }
      shaOut.textContent = sha256;
      if (downloadUrl) URL.revokeObjectURL(downloadUrl);
      downloadUrl = URL.createObjectURL(blob);
      download.href = downloadUrl;
      done.hidden = false;
      say("已加密并上传，请签名后递交 sealed and uploaded: sign it, then submit below");
    } catch (error) {
      progress.hidden = true;
      say("加密或上传失败 sealing failed: " + (error && error.message ? error.message : error), true);
    } finally {
      start.disabled = false;
      fileInput.disabled = false;
    }
  });

  if (signButton && passphrase) {
    signButton.addEventListener("click", async () => {
      if (!sealed) return;
      if (!passphrase.value) {
        say("请输入托管口令 enter your custody passphrase", true);
        passphrase.focus();
        return;
      }
      signButton.disabled = true;
      try {
        say("正在解锁托管密钥签名… signing with your custody key…");
        const digest = hex(new Uint8Array(
          await crypto.subtle.digest("SHA-256", await sealed.blob.arrayBuffer()),
        ));
        const response = await fetch("/api/v1/custody/sign", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            fingerprint: d.custody,
            passphrase: passphrase.value,
            digest,
            digest_algorithm: "sha256",
            purpose: `submit_bid ${d.project}`,
          }),
        });
        if (!response.ok) throw new Error(await problemText(response));
        const result = await response.json();
        const textarea = form && form.querySelector("textarea[name=signature]");
        if (textarea) textarea.value = result.signature;
        passphrase.value = "";
        say("已签名，请点击下方“递交投标文件” signed: now submit the form below");
      } catch (error) {
        say("签名失败 signing failed: " + (error && error.message ? error.message : error), true);
      } finally {
        signButton.disabled = false;
      }
    });
  }
}
