// OpenGGZY project page: seal and submit a bid in the browser (在浏览器中加密并递交).
// The bidder picks its bid package (bid.zip from `ggzy bid package`); seal.js encrypts it here
// to the bidder's P-256 encryption key (and the center's opening key, if the project has one);
// only the sealed file is uploaded (/api/v1/documents) and its SHA-256 goes into the submit_bid
// form. The sealed file can be downloaded to sign with `ggzy sign`, or signed once with the
// bidder's custody key (/api/v1/custody/sign over its SHA-256). The bidder then submits the
// form as usual. Everything the page needs comes from data- attributes (the CSP forbids inline
// scripts).

import * as seal from "./seal.js";

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
      say("正在本机加密… sealing in your browser…");
      const recipients = [{ spki: d.spki, certificate: d.certificate || undefined }];
      if (d.openingSpki) recipients.push({ spki: d.openingSpki, opening: true });
      const blob = await sealWithProgress(
        file,
        {
          recipients,
          project: d.project,
          bidder: d.bidder,
          declared: { tool: "ggzy-web/1" },
        },
        (n, total) => { progress.value = total ? Math.round((90 * n) / total) : 90; },
      );
      const bytes = await blob.arrayBuffer();
      const sha256 = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
      say("正在上传密封文件… uploading the sealed file…");
      const body = new FormData();
      body.append("file", blob, "投标文件.ggzyenv");
      const response = await fetch("/api/v1/documents", {
        method: "POST", body, credentials: "same-origin",
      });
      if (!response.ok) throw new Error("上传失败 upload refused: " + (await problemText(response)));
      const stored = await response.json();
      if (stored.sha256 !== sha256) throw new Error("上传校验不符 the upload's SHA-256 differs");
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
