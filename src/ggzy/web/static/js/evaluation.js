// OpenGGZY evaluation workbench (评标工作台): the page is rendered by the server for the
// signed-in member or official; this script loads the bids (each load is an event), submits
// the forms to the JSON API (/api/v1/projects/{code}/evaluation/…) and signs with the custody
// key (去介质) or a pasted `ggzy sign` signature. A refusal (problem+json) is shown next to the
// form in Chinese and English; a success reloads the page with a one-time message.

import { el, en, yuan } from "./dom.js";

const root = document.getElementById("evaluation");
const FLASH = "ggzy-evaluation-flash";

class Problem extends Error {
  constructor(zh, en) {
    super(`${zh} / ${en}`);
    this.zh = zh;
    this.en = en;
  }
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function problemOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  return new Problem(
    (body && body.title_zh) || `请求未完成（HTTP ${response.status}）`,
    (body && body.title) || `the request failed (HTTP ${response.status})`,
  );
}

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await problemOf(response);
  return response;
}

function showError(box, error) {
  const problem = error instanceof Problem
    ? error
    : new Problem(`操作未完成：${error && error.message ? error.message : error}`,
      "the step could not be completed");
  box.replaceChildren(el("div", { class: "alert alert-error", role: "alert" },
    el("strong", {}, problem.zh), en(problem.en)));
}

function say(box, zh, enText) {
  box.replaceChildren(el("p", { class: "small muted" }, zh, " ", en(enText)));
}

function done(zh, enText) {
  sessionStorage.setItem(FLASH, JSON.stringify({ zh, en: enText }));
  location.reload();
}

// One action at a time: the button stays disabled while it runs; a refusal re-enables it.
async function run(button, box, action) {
  button.disabled = true;
  box.replaceChildren();
  try {
    await action();
  } catch (error) {
    showError(box, error);
    button.disabled = false;
  }
}

function showFlash() {
  const raw = sessionStorage.getItem(FLASH);
  if (!raw) return;
  sessionStorage.removeItem(FLASH);
  const message = JSON.parse(raw);
  root.querySelector("[data-flash]").replaceChildren(
    el("div", { class: "alert alert-ok", role: "status" }, el("strong", {}, message.zh), en(message.en)));
}

// ------------------------------------------------------------------------------ signing

async function custodySign(bytes, passphrase, purpose) {
  const digest = hex(await crypto.subtle.digest("SHA-256", bytes));
  const response = await call("POST", "/api/v1/custody/sign", {
    fingerprint: root.dataset.custody,
    passphrase,
    digest,
    digest_algorithm: "sha256",
    purpose,
  });
  return (await response.json()).signature;
}

// kind -> [the exact bytes to sign, where the signature goes, what a success says]
function signing(api, code) {
  return {
    "check-in": {
      bytes: async () => (await call("GET", `${api}/declaration`)).arrayBuffer(),
      submit: (signature) => call("POST", `${api}/check-in`, { signature }),
      purpose: `evaluation check-in ${code}`,
      ok: ["已签署回避声明并签到", "declaration signed: checked in"],
      busy: ["正在签名并签到…", "signing and checking in…"],
    },
    report: {
      bytes: async () => (await call("GET", `${api}/report.pdf`)).arrayBuffer(),
      submit: (signature) => call("POST", `${api}/signatures`, { signature }),
      purpose: `evaluation report ${code}`,
      ok: ["已签署评标报告", "the report is signed"],
      busy: ["正在签署评标报告…", "signing the report…"],
    },
  };
}

function wireSigning(api, code) {
  const kinds = signing(api, code);
  for (const panel of root.querySelectorAll("[data-sign]")) {
    const kind = kinds[panel.dataset.sign];
    const box = panel.querySelector("[data-status]");
    const custody = panel.querySelector("[data-custody-sign]");
    if (custody) {
      const passphrase = panel.querySelector("[data-passphrase]");
      custody.addEventListener("click", () => run(custody, box, async () => {
        if (!passphrase.value) {
          passphrase.focus();
          throw new Problem("请输入托管口令", "enter your custody passphrase");
        }
        say(box, ...kind.busy);
        const signature = await custodySign(await kind.bytes(), passphrase.value, kind.purpose);
        passphrase.value = "";
        await kind.submit(signature);
        done(...kind.ok);
      }));
    }
    const paste = panel.querySelector("[data-paste-sign]");
    paste.addEventListener("click", () => run(paste, box, async () => {
      const signature = panel.querySelector("[data-signature]").value.replace(/\s+/g, "");
      if (!signature) throw new Problem("请粘贴 Base64 签名", "paste the base64 signature");
      await kind.submit(signature);
      done(...kind.ok);
    }));
  }
}

// -------------------------------------------------------------------------------- bids

const SME = { small_micro: "小微企业", consortium: "联合体（含小微企业）" };

function declarationText(d) {
  const parts = [];
  if (d.sme) parts.push(SME[d.sme] || d.sme);
  if (d.sme_share_pct !== undefined && d.sme_share_pct !== null) parts.push(`小微企业份额 ${d.sme_share_pct}%`);
  if (d.domestic === true) parts.push("本国产品");
  if (d.domestic === false) parts.push("非本国产品");
  if (d.brand) parts.push(`品牌：${d.brand}`);
  return parts.length ? parts.join("；") : "—";
}

function bidRow(api, b, i) {
  const problems = b.valid === false
    ? el("ul", { class: "problems" }, (b.problems || []).map((p) => el("li", {}, p))) : null;
  return el("tr", { "data-bidder": b.bidder },
    el("td", { class: "num" }, String(i + 1)),
    el("td", {}, b.bidder_name, el("br"), el("span", { class: "mono small" }, b.bidder)),
    el("td", {}, el("span", { class: "money" },
      el("span", { class: "fig" }, yuan(Number(b.price))),
      el("span", { class: "cap" }, `人民币${b.price_capitals}`)), problems),
    el("td", {}, b.duration_days ? `${b.duration_days} 日历天` : "—"),
    el("td", {}, b.quality || "—"),
    el("td", {}, declarationText(b.declaration || {})),
    el("td", {}, b.package_sha256
      ? el("a", { href: `${api}/bids/${encodeURIComponent(b.bidder)}/package`, download: "",
        "data-package": "" }, "下载", en("download"))
      : "—"));
}

async function loadBids(api) {
  const holder = root.querySelector("[data-bids]");
  const button = root.querySelector("[data-reload-bids]");
  button.disabled = true;
  try {
    const bids = await (await call("GET", `${api}/bids`)).json();
    const head = ["序号", "投标人", "投标报价（小写 / 大写）", "工期", "质量", "投标人声明", "投标文件"];
    const headEn = [
      "No.", "Bidder", "Price (figures / words)", "Duration", "Quality", "Declarations", "Bid files",
    ];
    holder.replaceChildren(el("div", { class: "table-wrap" },
      el("table", { class: "table eval-bids", "data-bids-table": "" },
        el("thead", {}, el("tr", {}, head.map((t, i) => el("th", {}, t, " ", en(headEn[i]))))),
        el("tbody", {}, bids.map((b, i) => bidRow(api, b, i))))),
      el("p", { class: "small muted" }, `已于 ${new Date().toLocaleTimeString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" })} 查看（已留痕）`,
        en("this view is recorded")));
  } catch (error) {
    showError(holder, error);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------------------- forms

function qualification(form) {
  return {
    findings: Array.from(form.querySelectorAll("fieldset[data-bidder]"), (set) => {
      const chosen = set.querySelector("input[type=radio]:checked");
      return {
        bidder: set.dataset.bidder,
        passed: chosen ? chosen.value === "pass" : null,
        reason: set.querySelector("[data-reason]").value.trim(),
      };
    }),
  };
}

function scores(form) {
  const out = {};
  for (const set of form.querySelectorAll("fieldset[data-bidder]")) {
    out[set.dataset.bidder] = {};
    for (const input of set.querySelectorAll("input[data-factor]")) {
      out[set.dataset.bidder][input.dataset.factor] = input.value.trim();
    }
  }
  const reason = form.querySelector("[data-revision-reason]");
  return { scores: out, reason: reason ? reason.value.trim() : "" };
}

function abnormal(form) {
  const chosen = form.querySelector("input[type=radio]:checked");
  return {
    bidder: form.dataset.bidder,
    accepted: chosen ? chosen.value === "yes" : null,
    explanation: form.querySelector("[name=explanation]").value.trim(),
  };
}

function wireForms(api) {
  const forms = {
    qualification: [qualification, "qualification", (r) => r.concluded
      ? ["审查意见已提交，资格审查已形成结论", "findings submitted: qualification concluded"]
      : ["审查意见已提交", "findings submitted"]],
    scores: [scores, "scores", () => ["评分已提交", "scores submitted"]],
    abnormal: [abnormal, "abnormal", () => ["异常低价认定已记录", "the decision is recorded"]],
    conclude: [(form) => ({ summary: form.querySelector("[data-summary]").value.trim() }), "conclude",
      () => ["评标报告已形成，请评标委员会成员签署", "the report is formed: members sign it now"]],
  };
  for (const form of root.querySelectorAll("form[data-form]")) {
    const [body, path, message] = forms[form.dataset.form];
    const box = form.querySelector("[data-status]");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(button, box, async () => {
        const response = await call("POST", `${api}/${path}`, body(form));
        done(...message(await response.json()));
      });
    });
  }
}

if (root) {
  const code = root.dataset.code;
  const api = `/api/v1/projects/${encodeURIComponent(code)}/evaluation`;
  showFlash();
  wireSigning(api, code);
  wireForms(api);
  if (root.dataset.checkedIn === "1") {
    root.querySelector("[data-reload-bids]").addEventListener("click", () => loadBids(api));
    loadBids(api);
  }
}
