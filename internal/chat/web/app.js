// mcpkit chat's page: no framework, no build step. Everything that happens arrives on api/events.
"use strict";
(function () {
  const log = document.getElementById("log");
  const text = document.getElementById("text");
  const sendBtn = document.getElementById("send");
  const status = document.getElementById("status");
  const dialog = document.getElementById("dialog");
  const dform = document.getElementById("dform");
  const calls = {}; // tool call id -> its <details>
  const queue = []; // requests waiting for the dialog
  let current = null;

  function el(tag, cls, txt) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined) e.textContent = txt;
    return e;
  }
  function add(node) {
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }
  function pretty(s) {
    try { return JSON.stringify(JSON.parse(s), null, 2); } catch (_) { return s; }
  }
  function setBusy(b) {
    sendBtn.disabled = b;
    status.textContent = b ? "the model is working…" : "";
  }

  fetch("api/tools").then(r => r.json()).then(list => {
    const box = document.getElementById("servers");
    box.textContent = "";
    for (const s of list.servers || []) {
      const d = el("div", "server");
      d.appendChild(el("b", "", s.name + " (" + s.tools.length + " tools)"));
      for (const t of s.tools) {
        const row = el("div", "tool", t.name);
        if (t.description) row.appendChild(el("span", "", t.description));
        d.appendChild(row);
      }
      box.appendChild(d);
    }
  });

  function onEvent(ev) {
    switch (ev.kind) {
      case "user":
        add(el("div", "msg user", ev.text));
        setBusy(true);
        break;
      case "tool_call": {
        const d = el("details", "call");
        d.dataset.tool = ev.name;
        const sum = el("summary", "pending", "call " + ev.name + " " + (ev.args || "{}"));
        d.appendChild(sum);
        d.appendChild(el("pre", "args", pretty(ev.args || "{}")));
        calls[ev.id] = d;
        add(d);
        break;
      }
      case "tool_result": {
        let d = calls[ev.id];
        if (!d) { d = add(el("details", "call")); d.appendChild(el("summary", "", "call " + ev.name)); }
        const sum = d.querySelector("summary");
        sum.classList.remove("pending");
        sum.textContent += ev.isError ? "  ✗ failed" : "  ✓";
        if (ev.isError) d.classList.add("failed");
        const pre = el("pre", "result", pretty(ev.text || ""));
        d.appendChild(pre);
        d.open = true;
        log.scrollTop = log.scrollHeight;
        break;
      }
      case "sampling":
        add(el("div", "msg note", (ev.isError ? "Sampling for " + ev.server + " refused: " : "Sampling for " + ev.server + " answered: ") + ev.text));
        break;
      case "answer":
        add(el("div", "msg assistant", ev.text));
        break;
      case "error":
        add(el("div", "msg error", ev.text));
        break;
      case "idle":
        setBusy(false);
        break;
      case "approve":
      case "elicit":
        queue.push(ev);
        nextDialog();
        break;
      case "answered":
        if (current && current.id === ev.id) { dialog.close(); current = null; nextDialog(); }
        for (let i = queue.length - 1; i >= 0; i--) if (queue[i].id === ev.id) queue.splice(i, 1);
        break;
    }
  }

  function reply(id, action, content) {
    return fetch("api/answer", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: id, action: action, content: content || undefined }),
    });
  }

  function buttons(specs) {
    const b = el("div", "buttons");
    for (const [label, fn, primary] of specs) {
      const btn = el("button", primary ? "primary" : "", label);
      btn.type = "button";
      btn.addEventListener("click", fn);
      b.appendChild(btn);
    }
    return b;
  }

  function field(name, prop, required) {
    const wrap = el("div");
    const label = el("label", "", (prop.title || name) + (required ? " *" : ""));
    wrap.appendChild(label);
    if (prop.description) wrap.appendChild(el("div", "note", prop.description));
    let input;
    const choices = prop.enum || (prop.oneOf && prop.oneOf.map(o => o.const));
    if (choices) {
      input = el("select");
      for (const [i, c] of choices.entries()) {
        const o = el("option", "", (prop.enumNames && prop.enumNames[i]) || (prop.oneOf && prop.oneOf[i].title) || String(c));
        o.value = String(c);
        input.appendChild(o);
      }
    } else if (prop.type === "boolean") {
      input = el("input");
      input.type = "checkbox";
      input.style.width = "auto";
      if (prop.default === true) input.checked = true;
    } else {
      input = el("input");
      input.type = prop.type === "number" || prop.type === "integer" ? "number" : "text";
      if (prop.default !== undefined) input.value = String(prop.default);
    }
    input.name = name;
    label.htmlFor = input.id = "f-" + name;
    wrap.appendChild(input);
    return wrap;
  }

  function collect(schema) {
    const out = {};
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      const input = dform.querySelector("[name='" + CSS.escape(name) + "']");
      if (prop.type === "boolean") { out[name] = input.checked; continue; }
      if (input.value === "") continue;
      out[name] = prop.type === "number" || prop.type === "integer" ? Number(input.value) : input.value;
    }
    return out;
  }

  function nextDialog() {
    if (current || queue.length === 0) return;
    const ev = current = queue.shift();
    dform.textContent = "";
    if (ev.kind === "approve") {
      dform.appendChild(el("h3", "", "The server " + ev.server + " asks the model (sampling)"));
      const r = ev.request || {};
      const lines = [];
      if (r.systemPrompt) lines.push("system: " + r.systemPrompt);
      for (const m of r.messages || []) {
        const blocks = Array.isArray(m.content) ? m.content : [m.content];
        lines.push(m.role + ": " + blocks.map(b => b.text || "[" + b.type + "]").join(" "));
      }
      dform.appendChild(el("pre", "", lines.join("\n")));
      dform.appendChild(buttons([["Decline", () => reply(ev.id, "decline")], ["Send to the model", () => reply(ev.id, "accept"), true]]));
    } else if (ev.url) {
      dform.appendChild(el("h3", "", ev.server + " asks you to open a page"));
      dform.appendChild(el("p", "", ev.message));
      const a = el("a", "", ev.url); a.href = ev.url; a.target = "_blank"; a.rel = "noopener";
      dform.appendChild(a);
      dform.appendChild(buttons([["Cancel", () => reply(ev.id, "cancel")], ["Decline", () => reply(ev.id, "decline")], ["Done", () => reply(ev.id, "accept"), true]]));
    } else {
      dform.appendChild(el("h3", "", ev.server + " asks"));
      dform.appendChild(el("p", "", ev.message));
      const schema = ev.schema || {};
      const problem = el("div", "problem");
      const req = schema.required || [];
      for (const [name, prop] of Object.entries(schema.properties || {})) dform.appendChild(field(name, prop, req.includes(name)));
      dform.appendChild(problem);
      dform.appendChild(buttons([["Cancel", () => reply(ev.id, "cancel")], ["Decline", () => reply(ev.id, "decline")],
        ["Send", () => reply(ev.id, "accept", collect(schema)).then(r => {
          if (!r.ok) r.json().then(j => { problem.textContent = j.error; });
        }), true]]));
    }
    dialog.showModal();
  }
  dialog.addEventListener("cancel", e => { e.preventDefault(); if (current) reply(current.id, "cancel"); });

  document.getElementById("ask").addEventListener("submit", e => {
    e.preventDefault();
    const t = text.value.trim();
    if (!t) return;
    fetch("api/send", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: t }) })
      .then(r => { if (r.ok) text.value = ""; else r.json().then(j => { status.textContent = j.error; }); });
  });

  let seen = 0; // events already shown: a reconnection replays the whole log
  function connect() {
    let n = 0;
    const es = new EventSource("api/events");
    es.onmessage = m => { n++; if (n > seen) { seen = n; onEvent(JSON.parse(m.data)); } };
    es.onerror = () => { status.textContent = "disconnected; retrying…"; };
    es.onopen = () => { n = 0; status.textContent = ""; };
  }
  connect();
})();
