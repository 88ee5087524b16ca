// Continuum's operator dashboard: polls /ui/api/* (live every 2 s, history less often),
// draws small canvas charts, and runs a streaming chat playground against
// /v1/chat/completions. No library, no build step, no external network.
"use strict";

const PALETTE = ["#2457c5", "#e07b00", "#1c7c3a", "#a63aa6", "#00838f", "#b3261e", "#7a6a00", "#5b6475"];
const KEY_STORE = "continuum-key";
const LIVE_MS = 2000;
const POINTS = 60; // two minutes of live samples

const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(KEY_STORE) || "",
  denied: false,           // the last /ui/api call was refused (401/403)
  previous: null,          // the previous live snapshot, for rates
  rate: [], ttft: [], tps: [],
  rowRates: new Map(),
  lastUsage: 0,
  messages: [],            // the playground conversation
  abort: null,
};

// MARK: fetching with the key

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (state.key) h["Authorization"] = "Bearer " + state.key;
  return h;
}

class HTTPError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function errorOf(response) {
  let message = response.status + " " + response.statusText;
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) message = body.error.message;
  } catch (_) { /* not JSON */ }
  return new HTTPError(response.status, message);
}

async function api(path) {
  const response = await fetch(path, { headers: headers(), cache: "no-store" });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

// MARK: the key panel

function askForKey(message) {
  $("key-panel").hidden = false;
  $("key-message").textContent = message;
  $("change-key").hidden = true;
  if (document.activeElement !== $("key-input")) $("key-input").focus();
}

function keyAccepted() {
  $("key-panel").hidden = true;
  $("change-key").hidden = !state.key;
}

function handleDenied(error) {
  state.denied = true;
  if (error.status === 401) {
    askForKey(state.key
      ? "That key was not accepted: " + error.message
      : "This gateway has API keys: enter an admin key to see its data (the playground needs a key with the inference scope).");
  } else if (error.status === 403) {
    askForKey("This key lacks the admin scope, which the dashboard's data needs (create one with `continuum keys create NAME --admin`). The playground below can still use it.");
  }
  setStatus(error.status === 403 ? "Key lacks the admin scope" : "Key needed");
}

function setStatus(text) { $("status").textContent = text; }

// MARK: formatting

function fmt(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  const d = digits === undefined ? (Math.abs(n) >= 100 ? 0 : 1) : digits;
  return n.toLocaleString(undefined, { maximumFractionDigits: d, minimumFractionDigits: 0 });
}
function pct(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(1) + " %"; }
function time(seconds) { return new Date(seconds * 1000).toLocaleTimeString(); }
function pairs(obj) {
  const entries = Object.entries(obj || {}).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => k + " " + v).join(", ") : "none yet";
}

/// Fills a table body with rows of cells; a cell is text or {text, cls}.
function fillTable(id, rows, empty) {
  const body = $(id).tBodies[0];
  const fresh = document.createElement("tbody");
  if (!rows.length) {
    const tr = fresh.insertRow();
    const td = tr.insertCell();
    td.colSpan = $(id).tHead.rows[0].cells.length;
    td.className = "empty";
    td.textContent = empty;
  }
  for (const row of rows) {
    const tr = fresh.insertRow();
    if (row.id) tr.dataset.id = row.id;
    for (const cell of row.cells) {
      const td = tr.insertCell();
      if (cell instanceof Node) { td.appendChild(cell); continue; }
      const c = typeof cell === "object" && cell !== null ? cell : { text: cell };
      td.textContent = c.text === undefined || c.text === null ? "–" : String(c.text);
      if (c.cls) td.className = c.cls;
      if (c.title) td.title = c.title;
    }
  }
  body.replaceWith(fresh);
}

// MARK: charts (canvas, drawn at the device's pixel ratio)

function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const style = getComputedStyle(document.body);
  return { g, w, h, fg: style.color, muted: style.getPropertyValue("--muted") || "#888", line: style.getPropertyValue("--line") || "#ccc" };
}

/// A line chart of one series (numbers or null), scaled to its maximum.
function lineChart(canvas, values, color) {
  const { g, w, h, muted, line } = prepare(canvas);
  const top = Math.max(1e-9, ...values.filter((v) => v !== null));
  g.strokeStyle = line; g.lineWidth = 1;
  g.beginPath(); g.moveTo(0, h - 0.5); g.lineTo(w, h - 0.5); g.stroke();
  g.fillStyle = muted; g.font = "10px system-ui, sans-serif"; g.textBaseline = "top";
  g.fillText(fmt(top), 2, 2);
  g.strokeStyle = color; g.lineWidth = 1.5; g.beginPath();
  let started = false;
  values.forEach((v, i) => {
    if (v === null) { started = false; return; }
    const x = w - 3 - (values.length - 1 - i) * ((w - 6) / (POINTS - 1));
    const y = h - 2 - (v / top) * (h - 14);
    if (started) g.lineTo(x, y); else { g.moveTo(x, y); started = true; }
  });
  g.stroke();
  const lastIndex = values.length - 1;
  if (lastIndex >= 0 && values[lastIndex] !== null) {
    g.fillStyle = color; g.beginPath();
    g.arc(w - 3, h - 2 - (values[lastIndex] / top) * (h - 14), 2.5, 0, 2 * Math.PI); g.fill();
  }
}

/// Stacked bars: one bar per bucket, one colour per group.
function stackedBars(canvas, buckets, groups, start, end, width) {
  const { g, w, h, muted, line } = prepare(canvas);
  const n = Math.max(1, Math.round((end - start) / width));
  const totals = new Map();
  for (const b of buckets) totals.set(b.start, (totals.get(b.start) || 0) + b.requests);
  const top = Math.max(1, ...totals.values());
  const bw = w / n, base = h - 14;
  g.strokeStyle = line; g.beginPath(); g.moveTo(0, base + 0.5); g.lineTo(w, base + 0.5); g.stroke();
  g.fillStyle = muted; g.font = "10px system-ui, sans-serif"; g.textBaseline = "top";
  g.fillText("max " + fmt(top) + (top === 1 ? " request" : " requests") + " per bucket", 2, 2);
  g.fillText(time(start), 2, base + 2);
  const endLabel = time(end);
  g.fillText(endLabel, w - g.measureText(endLabel).width - 2, base + 2);
  const stacked = new Map();
  for (const b of buckets) {
    const i = Math.floor((b.start - start) / width);
    if (i < 0 || i >= n) continue;
    const below = stacked.get(i) || 0;
    const height = (b.requests / top) * (base - 14);
    g.fillStyle = PALETTE[groups.indexOf(b.group) % PALETTE.length];
    g.fillRect(i * bw + 1, base - below - height, Math.max(1, bw - 2), height);
    stacked.set(i, below + height);
  }
}

function push(series, v) { series.push(v); while (series.length > POINTS) series.shift(); }

// MARK: live

function totalRequests(snapshot) {
  return snapshot.traffic.requests.reduce((s, r) => s + r.count, 0);
}

function renderLive(s) {
  const prev = state.previous;
  const dt = prev ? Math.max(0.001, s.time - prev.time) : 0;
  const rowKey = (r) => [r.model, r.tier, r.backend, r.status].join("\u0000");
  const before = new Map((prev ? prev.traffic.requests : []).map((r) => [rowKey(r), r.count]));
  const rate = prev ? (totalRequests(s) - totalRequests(prev)) / dt : null;
  push(state.rate, rate);
  const t = s.traffic;
  push(state.ttft, t.timeToFirstTokenMs ? t.timeToFirstTokenMs.p50 : null);
  push(state.tps, t.tokensPerSecond ? t.tokensPerSecond.p50 : null);
  state.previous = s;

  $("rate-now").textContent = rate === null ? "–" : fmt(rate, 2);
  lineChart($("chart-rate"), state.rate, PALETTE[0]);
  const p = t.timeToFirstTokenMs, q = t.tokensPerSecond;
  $("ttft-p50").textContent = p ? fmt(p.p50) : "–";
  $("ttft-p90").textContent = p ? fmt(p.p90) : "–";
  $("ttft-p99").textContent = p ? fmt(p.p99) : "–";
  lineChart($("chart-ttft"), state.ttft, PALETTE[1]);
  $("tps-p50").textContent = q ? fmt(q.p50) : "–";
  $("tps-p90").textContent = q ? fmt(q.p90) : "–";
  $("tps-max").textContent = q ? fmt(q.max) : "–";
  lineChart($("chart-tps"), state.tps, PALETTE[2]);

  const prompt = s.engines.reduce((a, e) => a + e.promptTokens, 0);
  const cached = s.engines.reduce((a, e) => a + e.cachedPromptTokens, 0);
  $("prefix-hit").textContent = s.engines.length ? pct(prompt ? cached / prompt : 0) + " of " + fmt(prompt, 0) + " prompt tokens" : "no local engine";
  $("escalations").textContent = pairs(t.escalations);
  const found = Object.fromEntries(Object.entries(t.personalData).map(([k, v]) => [k === "none" ? "none found" : k, v]));
  $("personal-data").textContent = pairs(found);

  fillTable("live-requests", t.requests.map((r) => ({
    cells: [r.model, r.tier, r.backend, { text: r.status, cls: "status-" + r.status }, { text: r.count, cls: "num" },
      { text: prev ? fmt((r.count - (before.get(rowKey(r)) || 0)) / dt, 2) : "–", cls: "num" }],
  })), "No request has finished since the gateway started.");

  fillTable("engines", s.engines.map((e) => {
    const meter = document.createElement("meter");
    meter.min = 0; meter.max = Math.max(1, e.kvBlocksTotal); meter.value = e.kvBlocksUsed;
    meter.high = meter.max * 0.9;
    const wrap = document.createElement("span");
    wrap.append(meter, " " + e.kvBlocksUsed + " / " + e.kvBlocksTotal + " (+" + e.kvBlocksCached + " cached)");
    meter.setAttribute("aria-label", "KV blocks used by " + e.backend);
    return { cells: [e.backend, { text: e.waiting, cls: "num" }, { text: e.running, cls: "num" }, wrap,
      { text: pct(e.prefixHitRate), cls: "num" }, { text: e.preemptions, cls: "num" }] };
  }), "No engine runs in this process.");

  fillTable("replicas", s.replicas.map((r) => ({
    cells: [r.model, r.backend + (r.kind === "local" ? " (in process)" : ""), r.tier,
      { text: r.circuit === "closed" ? "closed (healthy)" : "open (failing)", cls: "circuit-" + r.circuit },
      { text: r.outstanding, cls: "num" }],
  })), "No replica.");
  $("live-updated").textContent = "updated " + time(s.time) + ", up " + fmt(s.uptimeSeconds / 60, 0) + " min";
}

// MARK: history

function renderRequests(data) {
  if (!data.ledger) {
    fillTable("recent-requests", [], "This server runs without a ledger (serve --no-ledger), so there is no history.");
    return;
  }
  fillTable("recent-requests", data.requests.map((r) => ({
    id: r.id,
    cells: [time(r.started), { text: r.id, cls: "id" }, r.key || (r.keyID === undefined || r.keyID === null ? "–" : "#" + r.keyID),
      r.model, r.tier, r.backend, { text: r.status + (r.httpStatus ? " " + r.httpStatus : ""), cls: "status-" + r.status, title: r.error || "" },
      { text: r.promptTokens + " / " + r.completionTokens, cls: "num" },
      { text: fmt(r.timeToFirstTokenMs, 0), cls: "num" }, { text: fmt(r.totalMs, 0), cls: "num" },
      // An in-progress row's route text is the ledger's placeholder until the request is routed.
      { text: r.status === "in_progress" ? "…" : r.route || "–", title: [r.routeCode, r.policy, r.escalation && "escalation " + r.escalation, r.personalData && "personal data " + r.personalData].filter(Boolean).join(" · ") }],
  })), "No request yet.");
}

function renderUsage(data) {
  const totals = new Map();
  for (const b of data.buckets) {
    const t = totals.get(b.group) || { requests: 0, errors: 0, prompt: 0, completion: 0 };
    t.requests += b.requests; t.errors += b.errors; t.prompt += b.promptTokens; t.completion += b.completionTokens;
    totals.set(b.group, t);
  }
  const groups = [...totals.keys()].sort((a, b) => totals.get(b).requests - totals.get(a).requests);
  const end = Math.ceil(Date.now() / 1000 / data.bucketSeconds) * data.bucketSeconds;
  const start = Math.floor(data.since / data.bucketSeconds) * data.bucketSeconds;
  stackedBars($("chart-usage"), data.buckets, groups, start, end, data.bucketSeconds);
  fillTable("usage-table", groups.map((g, i) => {
    const swatch = document.createElement("span");
    swatch.className = "swatch c" + (i % PALETTE.length);
    const label = document.createElement("span");
    label.append(swatch, g);
    const t = totals.get(g);
    return { cells: [label, { text: t.requests, cls: "num" }, { text: t.errors, cls: "num" }, { text: t.prompt, cls: "num" }, { text: t.completion, cls: "num" }] };
  }), data.ledger ? "No request in this period." : "This server runs without a ledger (serve --no-ledger).");
}

function usagePath() {
  const hours = Number($("usage-hours").value);
  const bucket = hours <= 1 ? 60 : hours <= 24 ? 900 : 3600 * 3;
  return "/ui/api/usage?by=" + encodeURIComponent($("usage-by").value) + "&hours=" + hours + "&bucket=" + bucket;
}

// MARK: polling

async function refresh() {
  try {
    const live = await api("/ui/api/live");
    if (state.denied || !$("key-panel").hidden) { state.denied = false; keyAccepted(); }
    renderLive(live);
    renderRequests(await api("/ui/api/requests?limit=50"));
    if (Date.now() - state.lastUsage > 10000) {
      state.lastUsage = Date.now();
      renderUsage(await api(usagePath()));
    }
    setStatus("Live: refreshing every " + LIVE_MS / 1000 + " s" + (state.key ? " (with your key)" : ""));
  } catch (error) {
    if (error instanceof HTTPError && (error.status === 401 || error.status === 403)) handleDenied(error);
    else setStatus("Cannot reach the gateway: " + error.message);
  }
}

async function loop() {
  await refresh();
  setTimeout(loop, LIVE_MS);
}

// MARK: playground

async function loadModels() {
  const select = $("pg-model");
  try {
    const list = await api("/v1/models");
    const current = select.value;
    select.replaceChildren(...list.data.map((m) => new Option(m.id, m.id)));
    if (current && list.data.some((m) => m.id === current)) select.value = current;
    $("pg-send").disabled = list.data.length === 0;
    $("pg-error").textContent = list.data.length ? "" : "This key may use no model.";
  } catch (error) {
    $("pg-error").textContent = "Models could not be listed: " + error.message;
  }
}

function meta(values) {
  for (const [id, v] of Object.entries(values)) $(id).textContent = v;
}

function appendTurn(role, text) {
  const li = document.createElement("li");
  li.className = role;
  const who = document.createElement("strong");
  who.textContent = role === "user" ? "You: " : "Model: ";
  const body = document.createElement("span");
  body.textContent = text;
  li.append(who, body);
  $("pg-transcript").appendChild(li);
  return { li, body };
}

/// Sends the conversation, streams the answer into the page (SSE over fetch), and shows
/// where it went (x-continuum-* headers) and how fast it came (measured here).
async function send(event) {
  event.preventDefault();
  const text = $("pg-prompt").value.trim();
  if (!text || state.abort) return;
  $("pg-error").textContent = "";
  state.messages.push({ role: "user", content: text });
  appendTurn("user", text);
  $("pg-prompt").value = "";
  const turn = appendTurn("assistant", "");
  const output = $("pg-output");
  output.textContent = "";
  meta({ "pg-tier": "…", "pg-backend": "…", "pg-route": "…", "pg-id": "…", "pg-ttft": "…", "pg-tps": "…" });
  const controller = new AbortController();
  state.abort = controller;
  $("pg-send").disabled = true; $("pg-stop").disabled = false;
  const sent = performance.now();
  let first = null, last = null, chunks = 0, usage = null, answer = "";
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", signal: controller.signal,
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ model: $("pg-model").value, messages: state.messages, stream: true,
        stream_options: { include_usage: true }, max_tokens: Number($("pg-max").value) || 128 }),
    });
    const h = response.headers;
    meta({ "pg-tier": h.get("x-continuum-tier") || "–", "pg-backend": h.get("x-continuum-backend") || "–",
      "pg-route": [h.get("x-continuum-route"), h.get("x-continuum-route-code") && "(" + h.get("x-continuum-route-code") + ")"].filter(Boolean).join(" ") || "–",
      "pg-id": h.get("x-request-id") || "–" });
    if (!response.ok) throw await errorOf(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        const data = block.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
        if (!data || data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message || "the stream ended with an error");
        if (chunk.usage) usage = chunk.usage;
        const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
        if (delta && delta.content) {
          const now = performance.now();
          if (first === null) { first = now; meta({ "pg-ttft": fmt(now - sent, 0) + " ms" }); }
          last = now; chunks += 1;
          answer += delta.content;
          output.textContent = answer;
          turn.body.textContent = answer;
        }
      }
    }
    const tokens = usage ? usage.completion_tokens : chunks;
    meta({ "pg-ttft": first === null ? "no token" : fmt(first - sent, 0) + " ms",
      "pg-tps": first !== null && last > first && tokens > 1 ? fmt((tokens - 1) / ((last - first) / 1000), 1) + " (" + tokens + " tokens)" : "–" });
    state.messages.push({ role: "assistant", content: answer });
    const note = document.createElement("span");
    note.className = "meta";
    note.textContent = [$("pg-tier").textContent, $("pg-backend").textContent, $("pg-route").textContent,
      "TTFT " + $("pg-ttft").textContent, $("pg-tps").textContent.replace(" (", " tokens/s (")].join(" · ");
    turn.li.appendChild(note);
  } catch (error) {
    state.messages.pop();
    if (error.name === "AbortError") {
      $("pg-error").textContent = "Stopped.";
    } else {
      $("pg-error").textContent = (error.status === 403 ? "Refused (403): " : error.status === 401 ? "Key needed (401): " : "") + error.message;
      if (error.status === 401) askForKey("The playground needs a key with the inference scope.");
    }
    if (!answer) turn.li.remove();
    if (first === null) meta({ "pg-ttft": "–", "pg-tps": "–" });
  } finally {
    state.abort = null;
    $("pg-send").disabled = false; $("pg-stop").disabled = true;
  }
}

// MARK: start

function start() {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = $("key-input").value.trim();
    $("key-input").value = "";
    if (state.key) sessionStorage.setItem(KEY_STORE, state.key); else sessionStorage.removeItem(KEY_STORE);
    $("key-message").textContent = "Checking…";
    state.lastUsage = 0;
    refresh();
    loadModels();
  });
  $("key-forget").addEventListener("click", () => {
    state.key = ""; sessionStorage.removeItem(KEY_STORE);
    askForKey("Key forgotten.");
  });
  $("change-key").addEventListener("click", () => askForKey(""));
  for (const id of ["usage-by", "usage-hours"]) $(id).addEventListener("change", () => { state.lastUsage = 0; refresh(); });
  $("pg-form").addEventListener("submit", send);
  $("pg-prompt").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("pg-form").requestSubmit();
  });
  $("pg-stop").addEventListener("click", () => state.abort && state.abort.abort());
  $("pg-clear").addEventListener("click", () => {
    state.messages = []; $("pg-transcript").replaceChildren(); $("pg-output").textContent = ""; $("pg-error").textContent = "";
  });
  loop();
  loadModels();
}

start();
