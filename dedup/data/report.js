"use strict";
const errors = [];
window.addEventListener("error", (e) => { errors.push(String(e.message)); showErrors(); });
document.addEventListener("securitypolicyviolation", (e) => {
  errors.push("blocked: " + e.violatedDirective + " " + e.blockedURI); showErrors(); });
function showErrors() { document.getElementById("js-errors").textContent = errors.join("\n"); }
const DATA = JSON.parse(document.getElementById("data").textContent);
const COLOURS = DATA.colours;
const CONTROL = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}
function appendText(parent, text) {
  // Bidi controls are shown, never obeyed.
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (CONTROL.test(text[i])) {
      if (i > start) parent.appendChild(document.createTextNode(text.slice(start, i)));
      parent.appendChild(el("span", "ctl", "U+" + text.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")));
      start = i + 1;
    }
  }
  if (start < text.length) parent.appendChild(document.createTextNode(text.slice(start)));
}
// marks: [start, end, kind, index] with kind "hl" (passage index), "diff", "attr" (label)
function renderText(text, marks) {
  const cuts = new Set([0, text.length]);
  for (const m of marks) { cuts.add(Math.max(0, m[0])); cuts.add(Math.min(text.length, m[1])); }
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") { cuts.add(i); cuts.add(i + 1); }
  const points = Array.from(cuts).sort((a, b) => a - b);
  const box = el("div", "doc");
  let p = el("p"); p.dir = "auto"; box.appendChild(p);
  for (let k = 0; k + 1 < points.length; k++) {
    const s = points[k], e = points[k + 1];
    const piece = text.slice(s, e);
    if (piece === "\n") { p = el("p"); p.dir = "auto"; box.appendChild(p); continue; }
    let node = p;
    const hl = marks.find((m) => m[2] === "hl" && m[0] <= s && e <= m[1]);
    if (hl) { const mk = el("mark", "hl"); mk.style.background = COLOURS[hl[3] % COLOURS.length];
              mk.dataset.passage = String(hl[3]); node.appendChild(mk); node = mk; }
    const attr = marks.find((m) => m[2] === "attr" && m[0] <= s && e <= m[1]);
    if (attr) { const a = el("span", "attr"); a.title = attr[3]; node.appendChild(a); node = a;
                if (s === attr[0]) node.appendChild(el("span", "badge", attr[3])); }
    if (marks.some((m) => m[2] === "diff" && m[0] <= s && e <= m[1])) {
      const d = el("span", "diff"); node.appendChild(d); node = d; }
    appendText(node, piece);
  }
  return box;
}
function docMarks(docId, passages, side) {
  const marks = [];
  passages.forEach((p, i) => {
    const span = side === "a" ? p.a : p.b;
    marks.push([span[0], span[1], "hl", p.colour]);
    for (const d of (side === "a" ? p.a_diff : p.b_diff)) marks.push([d[0], d[1], "diff", i]);
  });
  for (const a of DATA.docs[docId].attribution) marks.push([a[0], a[1], "attr", a[2]]);
  return marks;
}
function renderPair(details) {
  if (details.dataset.rendered) return;
  details.dataset.rendered = "1";
  const pair = DATA.pairs[Number(details.dataset.pair)];
  const grid = el("div", "pair");
  for (const side of ["a", "b"]) {
    const id = pair[side];
    const col = el("div");
    const doc = DATA.docs[id];
    col.appendChild(el("h3", "", id + (doc.outlet ? " · " + doc.outlet : "")));
    col.appendChild(renderText(doc.text, docMarks(id, pair.passages, side)));
    grid.appendChild(col);
  }
  details.appendChild(grid);
}
function pager(containerId, items, render, size) {
  const box = document.getElementById(containerId);
  if (!box) return;
  const list = el("div"); const nav = el("div", "pager");
  box.appendChild(nav); box.appendChild(list);
  let page = 0;
  const pages = Math.max(1, Math.ceil(items.length / size));
  function show() {
    list.replaceChildren();
    for (const item of items.slice(page * size, (page + 1) * size)) list.appendChild(render(item));
    nav.replaceChildren();
    if (pages > 1) {
      const prev = el("button", "", "‹"); prev.disabled = page === 0;
      prev.onclick = () => { page--; show(); };
      const next = el("button", "", "›"); next.disabled = page === pages - 1;
      next.onclick = () => { page++; show(); };
      nav.append(prev, el("span", "muted", ` page ${page + 1} of ${pages} `), next);
    }
  }
  show();
}
function pairSummary(pair, index) {
  const d = el("details"); d.dataset.pair = String(index);
  const s = el("summary");
  s.appendChild(el("b", "", pair.a + "  ↔  " + pair.b));
  s.appendChild(el("span", "muted", `  ${pair.passages.length} shared passage(s), ${pair.chars} characters`));
  if (pair.uncredited) s.appendChild(el("span", "uncredited", "  uncredited"));
  d.appendChild(s);
  d.addEventListener("toggle", () => { if (d.open) renderPair(d); });
  return d;
}
function docRow(id) {
  const doc = DATA.docs[id];
  const row = el("div", "muted");
  row.appendChild(el("b", "", id));
  row.appendChild(document.createTextNode(
    `  ${doc.outlet || ""}  ${doc.date || ""}  ${doc.chars} chars, ${Math.round(100 * doc.shared)}% shared` +
    (doc.cluster ? `, cluster ${doc.cluster}` : "")));
  for (const a of doc.attribution) if (a[2] !== "cited_source") row.appendChild(el("span", "badge", a[2]));
  return row;
}
function clusterDetails(c) {
  const d = el("details");
  const s = el("summary");
  s.appendChild(el("b", "", c.cluster));
  s.appendChild(el("span", "muted", `  ${c.documents.length} near-duplicates, representative ${c.representative}`));
  d.appendChild(s);
  d.addEventListener("toggle", () => {
    if (!d.open || d.dataset.rendered) return;
    d.dataset.rendered = "1";
    const grid = el("div", "pair");
    const rep = c.representative;
    const other = c.documents.find((x) => x !== rep);
    for (const id of [rep, other]) {
      const col = el("div");
      col.appendChild(el("h3", "", id + (id === rep ? " (representative)" : "")));
      col.appendChild(renderText(DATA.docs[id].text, DATA.docs[id].attribution.map((a) => [a[0], a[1], "attr", a[2]])));
      grid.appendChild(col);
    }
    d.appendChild(grid);
    const rest = c.documents.filter((x) => x !== rep && x !== other);
    if (rest.length) d.appendChild(el("p", "muted", "also: " + rest.join(", ")));
  });
  return d;
}
try {
  pager("pairs", DATA.pairs.map((p, i) => [p, i]), (x) => pairSummary(x[0], x[1]), 100);
  pager("clusters", DATA.clusters, clusterDetails, 100);
  pager("documents", Object.keys(DATA.docs), docRow, 200);
  const first = document.querySelector("#pairs details");
  if (first) { first.open = true; renderPair(first); }
} catch (e) { errors.push(String(e)); showErrors(); }
