(function () {
  "use strict";

  var PAGE = 50;
  var index = JSON.parse(document.getElementById("report-index").textContent);
  var chunks = {};
  var waiting = {};

  // External detail files call this when they load (see the <script src> in loadChunk).
  window.corpusReport = {
    chunk: function (n, data) {
      chunks[n] = data;
      (waiting[n] || []).forEach(function (w) { w.resolve(data); });
      delete waiting[n];
    }
  };

  function pad(n) { return ("00000" + n).slice(-5); }

  function loadChunk(n) {
    if (chunks[n]) { return Promise.resolve(chunks[n]); }
    if (index.chunks.mode === "inline") {
      var el = document.getElementById("chunk-" + n);
      if (!el) { return Promise.reject(new Error("cluster details " + n + " are missing from the page")); }
      chunks[n] = JSON.parse(el.textContent);
      return Promise.resolve(chunks[n]);
    }
    return new Promise(function (resolve, reject) {
      var first = !waiting[n];
      (waiting[n] = waiting[n] || []).push({ resolve: resolve, reject: reject });
      if (!first) { return; }
      var file = index.chunks.dir + "/clusters-" + pad(n) + ".js";
      var s = document.createElement("script");
      s.src = file;
      s.onerror = function () {
        var err = new Error("cannot load " + file + ": keep the folder " + index.chunks.dir +
          "/ next to this page");
        (waiting[n] || []).forEach(function (w) { w.reject(err); });
        delete waiting[n];
      };
      document.head.appendChild(s);
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function badge(kind, text) { return el("span", "badge " + kind, text || kind); }
  function fmt(x) { return Number(x).toFixed(2); }

  // Members: [id, title, relation, language, score, words, path]
  var clusters = index.clusters.map(function (c) {
    var members = c[2].map(function (m) {
      return { id: m[0], title: m[1], relation: m[2], language: m[3], score: m[4], words: m[5], path: m[6] };
    });
    var relations = [], languages = [];
    members.forEach(function (m) {
      if (m.relation !== "canonical" && relations.indexOf(m.relation) < 0) { relations.push(m.relation); }
      if (m.language && languages.indexOf(m.language) < 0) { languages.push(m.language); }
    });
    var text = members.map(function (m) { return m.id + "\n" + m.title + "\n" + m.path; }).join("\n").toLowerCase();
    return { id: c[0], chunk: c[1], members: members, relations: relations, languages: languages, text: text,
             weakest: c.length > 3 ? c[3] : null };
  });
  var rejects = index.rejects.map(function (r) {
    return { path: r[0], line: r[1], rule: r[2], message: r[3],
             text: (r[0] + "\n" + r[2] + "\n" + r[3]).toLowerCase() };
  });

  var search = document.getElementById("search");
  var relation = document.getElementById("relation");
  var language = document.getElementById("language");
  var state = { clusterPage: 0, rejectPage: 0, open: {} };

  function matchesCluster(c, q, rel, lang) {
    if (q && c.text.indexOf(q) < 0) { return false; }
    if (rel && c.relations.indexOf(rel) < 0) { return false; }
    if (lang && c.languages.indexOf(lang) < 0) { return false; }
    return true;
  }

  function pager(node, page, total, onPage) {
    node.textContent = "";
    var pages = Math.max(1, Math.ceil(total / PAGE));
    var prev = el("button", "prev", "← Previous");
    var next = el("button", "next", "Next →");
    prev.disabled = page <= 0;
    next.disabled = page >= pages - 1;
    prev.addEventListener("click", function () { onPage(page - 1); });
    next.addEventListener("click", function () { onPage(page + 1); });
    node.appendChild(prev);
    node.appendChild(el("span", "status", "page " + (page + 1) + " of " + pages));
    node.appendChild(next);
  }

  // Function words every English passage shares; marking them would hide the words that matter.
  var COMMON = {};
  ("a an and are as at be by for from has have he her his in is it its of on or she that the " +
   "their they this to was were will with").split(" ").forEach(function (w) { COMMON[w] = true; });

  function highlight(text, other) {
    var words = {};
    (other.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []).forEach(function (w) {
      if (!COMMON[w]) { words[w] = true; }
    });
    var frag = document.createDocumentFragment();
    var re = /[\p{L}\p{N}]+/gu, last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (!words[m[0].toLowerCase()]) { continue; }
      if (m.index > last) { frag.appendChild(document.createTextNode(text.slice(last, m.index))); }
      frag.appendChild(el("mark", null, m[0]));
      last = m.index + m[0].length;
    }
    if (last < text.length) { frag.appendChild(document.createTextNode(text.slice(last))); }
    return frag;
  }

  function side(cls, doc, label) {
    var box = el("div", "side " + cls);
    var head = el("div");
    head.appendChild(badge(doc.relation));
    head.appendChild(el("span", "title", doc.title || "(untitled)"));
    box.appendChild(head);
    box.appendChild(el("div", "meta", label + " · " + doc.id + " · " + doc.path + " · " +
      (doc.language || "?") + " · " + doc.words + " words"));
    return box;
  }

  function passage(cls, where, text, other) {
    var p = el("div", "passage " + cls);
    p.appendChild(el("span", "where", where));
    p.appendChild(highlight(text, other));
    return p;
  }

  function renderDetails(cell, cluster, detail) {
    cell.textContent = "";
    var byId = {};
    cluster.members.forEach(function (m) { byId[m.id] = m; });
    var kept = el("p", "kept");
    kept.appendChild(el("b", null, "Kept " + cluster.members[0].id + ": "));
    kept.appendChild(document.createTextNode(detail.k || "the keep policy chose it"));
    cell.appendChild(kept);
    detail.m.forEach(function (d) {
      // d: [id, matched_with, jaccard, containment, coverage, aligned, passages]
      var member = byId[d[0]];
      var left = byId[d[1]] || cluster.members[0];
      var box = el("div", "comparison");
      box.setAttribute("data-member", member.id);
      var sides = el("div", "sides");
      sides.appendChild(side("left", left, left.relation === "canonical" ? "canonical" : "matched with"));
      sides.appendChild(side("right", member, member.relation + " " + fmt(member.score)));
      box.appendChild(sides);
      box.appendChild(el("div", "measures", "verified link to the canonical document: score " +
        Number(member.score).toFixed(3) + " · n-gram Jaccard " +
        fmt(d[2]) + " · containment " + fmt(d[3]) + " · alignment coverage " + fmt(d[4]) + " · " +
        d[5] + " aligned sentence pair(s)" + (d[6].length ? ", the best " + d[6].length + " below" : "")));
      var pairs = el("div", "pairs");
      d[6].forEach(function (p, i) {
        // p: [cs, cp, ctext, ms, mp, mtext, similarity, jaccard, containment]
        var row = el("div", "pair pair-" + (i % 6));
        row.appendChild(passage("left", "¶" + p[1] + " sentence " + p[0], p[2], p[5]));
        var score = el("div", "score");
        score.appendChild(el("b", null, fmt(p[6])));
        score.appendChild(document.createTextNode("similarity"));
        score.appendChild(el("div", null, "J " + fmt(p[7])));
        row.appendChild(score);
        row.appendChild(passage("right", "¶" + p[4] + " sentence " + p[3], p[5], p[2]));
        pairs.appendChild(row);
      });
      if (!d[6].length) {
        pairs.appendChild(el("p", "empty measures", member.relation === "exact"
          ? "identical text: no passages to align" : "no aligned passages stored"));
      }
      box.appendChild(pairs);
      cell.appendChild(box);
    });
  }

  function toggle(row, cluster) {
    var next = row.nextSibling;
    if (next && next.classList && next.classList.contains("details")) {
      next.remove();
      row.classList.remove("open");
      row.setAttribute("aria-expanded", "false");
      delete state.open[cluster.id];
      return;
    }
    row.classList.add("open");
    row.setAttribute("aria-expanded", "true");
    state.open[cluster.id] = true;
    var details = el("tr", "details");
    details.setAttribute("data-cluster", cluster.id);
    var cell = el("td", null, "loading…");
    cell.colSpan = 6;
    details.appendChild(cell);
    row.parentNode.insertBefore(details, row.nextSibling);
    loadChunk(cluster.chunk).then(function (data) {
      var detail = data[cluster.id];
      if (!detail) { throw new Error("no details for cluster " + cluster.id); }
      renderDetails(cell, cluster, detail);
    }).catch(function (err) {
      cell.textContent = "";
      cell.appendChild(el("span", "error", String(err.message || err)));
      console.error(err);
    });
  }

  function renderClusters() {
    var q = search.value.trim().toLowerCase(), rel = relation.value, lang = language.value;
    var shown = clusters.filter(function (c) { return matchesCluster(c, q, rel, lang); });
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.clusterPage = Math.min(state.clusterPage, pages - 1);
    var body = document.querySelector("#clusters tbody");
    body.textContent = "";
    shown.slice(state.clusterPage * PAGE, (state.clusterPage + 1) * PAGE).forEach(function (c) {
      var canon = c.members[0];
      var row = el("tr", "cluster");
      row.setAttribute("data-cluster", c.id);
      row.appendChild(el("td", "toggle"));
      var t = el("td");
      t.appendChild(el("div", "title", canon.title || "(untitled)"));
      t.appendChild(el("div", "id", canon.id + " · " + canon.path));
      row.appendChild(t);
      row.appendChild(el("td", "num", c.members.length));
      var r = el("td");
      c.relations.forEach(function (x) { r.appendChild(badge(x)); });
      row.appendChild(r);
      var l = el("td");
      c.languages.forEach(function (x) { l.appendChild(badge("lang", x)); });
      row.appendChild(l);
      var scores = c.members.slice(1).map(function (m) { return m.score; });
      var weakest = c.weakest !== null ? c.weakest : (scores.length ? Math.min.apply(null, scores) : null);
      row.appendChild(el("td", "num", weakest !== null ? Number(weakest).toFixed(3) : ""));
      row.tabIndex = 0;
      row.setAttribute("aria-expanded", "false");
      row.addEventListener("click", function () { toggle(row, c); });
      row.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(row, c); }
      });
      body.appendChild(row);
      if (state.open[c.id]) { delete state.open[c.id]; toggle(row, c); }
    });
    if (!shown.length) {
      var empty = el("tr");
      var cell = el("td", "empty", clusters.length ? "No cluster matches." : "No duplicate clusters in this release.");
      cell.colSpan = 6;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    document.getElementById("cluster-status").textContent =
      shown.length + " of " + clusters.length + " cluster(s)";
    pager(document.getElementById("cluster-pager"), state.clusterPage, shown.length,
      function (p) { state.clusterPage = p; renderClusters(); });
  }

  function renderRejects() {
    var q = search.value.trim().toLowerCase();
    var shown = rejects.filter(function (r) { return !q || r.text.indexOf(q) >= 0; });
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.rejectPage = Math.min(state.rejectPage, pages - 1);
    var body = document.querySelector("#rejects tbody");
    body.textContent = "";
    shown.slice(state.rejectPage * PAGE, (state.rejectPage + 1) * PAGE).forEach(function (r) {
      var row = el("tr", "reject");
      row.appendChild(el("td", "id", r.path));
      row.appendChild(el("td", "num", r.line));
      row.appendChild(el("td", null, r.rule));
      row.appendChild(el("td", null, r.message));
      body.appendChild(row);
    });
    if (!shown.length) {
      var empty = el("tr");
      var cell = el("td", "empty", rejects.length ? "No reject matches." : "No file was rejected.");
      cell.colSpan = 4;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    document.getElementById("reject-status").textContent =
      shown.length + " of " + rejects.length + " reject(s)";
    pager(document.getElementById("reject-pager"), state.rejectPage, shown.length,
      function (p) { state.rejectPage = p; renderRejects(); });
  }

  function options(select, values) {
    values.forEach(function (v) {
      var o = el("option", null, v);
      o.value = v;
      select.appendChild(o);
    });
  }

  options(relation, index.relations);
  options(language, index.languages);
  var timer = null;
  function refresh() {
    state.clusterPage = 0;
    state.rejectPage = 0;
    renderClusters();
    renderRejects();
  }
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, clusters.length > 5000 ? 150 : 0);
  });
  relation.addEventListener("change", refresh);
  language.addEventListener("change", refresh);
  renderClusters();
  renderRejects();
  document.body.setAttribute("data-ready", "true");
})();
