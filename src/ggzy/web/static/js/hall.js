// OpenGGZY opening hall (开标大厅, 网上直播开标): follow the hall live over a WebSocket.
// The server sends the whole hall as this viewer may see it, on connecting and after every
// change; this script redraws the live part from it and keeps the countdown ticking on the
// server's clock. A lost connection is retried with backoff; on reconnecting the server sends
// the same state again (it is folded from the events), so nothing is missed. The page as served
// is already complete: without JavaScript it is a snapshot.

import { el, en, yuan } from "./dom.js";

const root = document.getElementById("hall");

const PHASES = {
  waiting: ["等待开标", "waiting for the opening", "距开标（投标截止）", "bid_deadline"],
  decrypting: ["开标中：远程解密", "opening: remote decryption", "解密剩余时间", "decrypt_until"],
  opened: ["唱标完成", "bids read out", "现场异议剩余时间", "objections_until"],
  failed: ["流标", "failed", "开标已结束", null],
  other: ["未在开标阶段", "not at the opening stage", "开标已结束", null],
};
const STATUS_ZH = { pending: "待解密", opened: "已解密", undecrypted: "未解密，视为撤销" };
const BEIJING = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});

function beijing(iso) {
  return iso ? BEIJING.format(new Date(iso)).replace(/\//g, "-") : "—";
}

function money(readOut) {
  return el("span", { class: "money" },
    el("span", { class: "fig" }, yuan(readOut.price)),
    el("span", { class: "cap" }, `人民币${readOut.price_capitals}`));
}

function bidderRow(b, i) {
  const r = b.read_out;
  const problems = r && !r.valid
    ? el("ul", { class: "problems" }, (r.problems || []).map((p) => el("li", {}, p))) : null;
  return el("tr", { "data-bidder": b.bidder },
    el("td", { class: "cell-title" }, `${i + 1}. ${b.bidder_name}`),
    el("td", { "data-label": "签到" },
      b.signed_in_at ? `✓ ${beijing(b.signed_in_at)}` : el("span", { class: "muted" }, "未签到")),
    el("td", { "data-label": "解密" },
      el("span", { class: `dec dec-${b.status}` }, b.status_zh),
      b.decrypted_by === "officers" ? el("span", { class: "muted small" }, "（备用解密）") : null),
    el("td", { "data-label": "投标报价" }, r ? [money(r), problems] : el("span", { class: "muted" }, "—")),
    el("td", { "data-label": "工期" }, r && r.duration_days ? `${r.duration_days} 日历天` : "—"),
    el("td", { "data-label": "质量" }, r && r.quality ? r.quality : "—"),
    el("td", { "data-label": "保证金" }, r && r.bond ? r.bond.zh : "—"));
}

function card(id, zh, enText, ...content) {
  return el("section", { class: "card", "aria-labelledby": id },
    el("h2", { id }, `${zh} `, en(enText)), ...content);
}

function render(h) {
  const parts = [];
  if (h.mine) {
    const m = h.mine;
    parts.push(el("section", { class: "card hall-mine", "aria-labelledby": "mine-h" },
      el("h2", { id: "mine-h" }, "本单位 ", en("Your entity")),
      el("dl", { class: "kv" },
        el("dt", {}, "投标文件 ", en("Bid")),
        el("dd", {}, m.submitted_at ? `已递交 ${beijing(m.submitted_at)}` : "未递交（已撤回）"),
        el("dt", {}, "签到 ", en("Sign-in")),
        el("dd", {}, m.signed_in_at ? `已签到 ${beijing(m.signed_in_at)}` : "未签到"),
        m.status ? [el("dt", {}, "解密 ", en("Decryption")), el("dd", { "data-my-status": m.status }, STATUS_ZH[m.status] || m.status)] : null)));
  }
  if (h.failure) {
    parts.push(el("section", { class: "card notice-failed" },
      el("h2", {}, "流标 ", en("The tender failed")), el("p", {}, h.failure.zh, en(h.failure.en))));
  }
  const bidders = h.bidders.length
    ? [
      el("p", { class: "small" },
        `共 ${h.count} 家，已解密 ${h.bidders.filter((b) => b.status === "opened").length} 家`
        + (h.times.decrypt_until ? `；解密截止 ${beijing(h.times.decrypt_until)}` : ""),
        en(`${h.count} bids`)),
      el("div", { class: "table-wrap" },
        el("table", { class: "table table-cards hall-table" },
          el("thead", {}, el("tr", {},
            ["投标人", "签到", "解密", "投标报价", "工期", "质量", "投标保证金"].map((t) => el("th", {}, t)))),
          el("tbody", {}, h.bidders.map(bidderRow)))),
    ]
    : [el("p", { class: "empty" }, "开标前不公开投标人名称和数量（招标投标法第二十二条）。",
      en("Who bid, and how many, stays confidential until the opening."))];
  const shares = h.shares
    ? el("p", { class: "small" }, `备用解密：已提交开标密钥分片 ${h.shares.handed_in} / ${h.shares.threshold}`) : null;
  parts.push(card("bidders-h", "投标人与唱标", "Bidders and the reading of bids", bidders, shares));
  const objections = h.objections.length
    ? el("ol", { class: "hall-objections" }, h.objections.map((o) => el("li", {},
      el("strong", {}, `异议 ${o.id}`), `（${beijing(o.raised_at)}）`, o.text ? `：${o.text}` : "",
      o.answer
        ? el("div", { class: "answer" }, `答复（${beijing(o.answered_at)}）：${o.answer}`)
        : el("div", { class: "muted" }, "待答复 ", en("awaiting the answer")))))
    : el("p", { class: "empty" }, "无 ", en("none"));
  parts.push(card("objections-h", "现场异议", "Objections on the spot", objections));
  if (h.record) {
    const sigs = h.record.signatures.length
      ? el("ul", {}, h.record.signatures.map((s) =>
        el("li", {}, `${s.signer_name} ${s.ok ? "✓" : "✗"} ${beijing(s.signed_at)}`)))
      : el("p", { class: "empty" }, "尚无签章 ", en("not signed yet"));
    parts.push(card("record-h", "开标记录签章", "Opening record signatures",
      el("p", { class: "small" }, "开标记录 SHA-256 ", el("span", { class: "mono hash" }, h.record.sha256), " · ",
        el("a", { href: `/api/v1/documents/${h.record.sha256}` }, "下载 download")),
      sigs));
  }
  root.querySelector("[data-hall-body]").replaceChildren(...parts);
  const [zh, enText, label] = PHASES[h.phase] || PHASES.other;
  const badge = root.querySelector("[data-phase]");
  badge.textContent = zh;
  badge.className = `badge hall-phase-${h.phase}`;
  root.querySelector("[data-phase-en]").textContent = enText;
  root.querySelector("[data-clock-label]").textContent = label;
}

function follow(node) {
  let hall = null;
  let offset = Date.parse(node.dataset.serverNow) - Date.now(); // server time minus ours
  let retry = 500;
  const live = node.querySelector(".live-dot");
  const countdown = node.querySelector("[data-countdown]");
  const clock = node.querySelector("[data-server-clock]");

  function status(state, text) {
    live.dataset.liveState = state;
    live.textContent = text;
  }

  function tick() {
    const now = Date.now() + offset;
    clock.textContent = beijing(new Date(now).toISOString());
    const key = hall ? (PHASES[hall.phase] || PHASES.other)[3] : null;
    const target = key && hall.times[key] ? Date.parse(hall.times[key]) : null;
    if (target === null) {
      countdown.textContent = "—";
      return;
    }
    let left = Math.max(0, Math.floor((target - now) / 1000));
    const days = Math.floor(left / 86400);
    left %= 86400;
    const hms = [Math.floor(left / 3600), Math.floor((left % 3600) / 60), left % 60]
      .map((v) => String(v).padStart(2, "0")).join(":");
    countdown.textContent = days ? `${days} 天 ${hms}` : hms;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${node.dataset.ws}`);
    socket.addEventListener("open", () => {
      retry = 500;
      status("live", "● 直播中 live");
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type !== "hall") return;
      offset = Date.parse(message.server_now) - Date.now();
      hall = message.hall;
      render(hall);
      node.dataset.received = String(Number(node.dataset.received || 0) + 1);
      tick();
    });
    socket.addEventListener("close", () => {
      status("reconnecting", "连接中断，正在重新连接… reconnecting");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    });
  }

  setInterval(tick, 1000);
  tick();
  connect();
}

if (root) follow(root);

// 开标签到 with a custody key (去介质): unlock it once for a signature over the statement's
// SHA-256, put the signature into the sign-in form and submit it.
const custody = document.getElementById("custody-sign-in");
if (custody) {
  const button = custody.querySelector("[data-custody-sign-in]");
  const passphrase = custody.querySelector("[data-passphrase]");
  const say = (text) => { custody.querySelector("[data-custody-status]").textContent = text; };
  button.addEventListener("click", async () => {
    const form = document.querySelector("form[data-action=sign_in_opening]");
    if (!passphrase.value) {
      say("请输入托管口令 enter your custody passphrase");
      passphrase.focus();
      return;
    }
    button.disabled = true;
    try {
      const bytes = new TextEncoder().encode(custody.dataset.statement);
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
        (b) => b.toString(16).padStart(2, "0")).join("");
      const response = await fetch("/api/v1/custody/sign", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          fingerprint: custody.dataset.custody,
          passphrase: passphrase.value,
          digest,
          digest_algorithm: "sha256",
          purpose: `sign_in_opening ${custody.dataset.project}`,
        }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(`${body.title_zh || ""} ${body.title || ""}`.trim());
      passphrase.value = "";
      form.querySelector("textarea[name=signature]").value = body.signature;
      say("已签名，正在签到… signed: signing in…");
      form.requestSubmit();
    } catch (error) {
      say(`签到失败 sign-in failed: ${error && error.message ? error.message : error}`);
      button.disabled = false;
    }
  });
}
