// The what-if page: read the controls, post them, show the figures. No external asset.
(function () {
  "use strict";
  var W = window.WORDS;
  var lang = document.documentElement.getAttribute("data-lang") === "en" ? "en" : "id";
  var info = null;      // /ui/state
  var last = null;      // last figures shown
  var lastMarginal = null;
  var lastControls = null;
  var seq = 0;
  var PALETTE = ["#1f6f5c", "#d98c1f", "#3b6fb6", "#8e4c9e", "#b23b3b", "#5c8a2e", "#7a6a4f", "#2b8a9e"];
  var STEP = 500000000;

  function $(id) { return document.getElementById(id); }
  function t(key, vals) {
    var s = (W[lang] && W[lang][key]) || W.en[key] || key;
    if (vals) { Object.keys(vals).forEach(function (k) { s = s.split("{" + k + "}").join(String(vals[k])); }); }
    return s;
  }
  function num(n) { return Number(n).toLocaleString(lang === "id" ? "id-ID" : "en-US", { maximumFractionDigits: 0 }); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c]; });
  }
  // data-seq counts applies: a test (or a script) can wait for the answer to its own change
  function setState(s) { var el = $("state"); el.setAttribute("data-state", s); el.setAttribute("data-seq", String(seq)); el.textContent = t(s); el.className = "state " + s; }
  function period(start) {
    var m = /^(\d{4})-(\d{2})$/.exec(start);
    return m ? W[lang].months[parseInt(m[2], 10) - 1] + " " + m[1] : start;
  }

  // ----------------------------------------------------------------- controls
  function buildControls() {
    var box = $("budgets");
    box.innerHTML = "";
    info.sources.forEach(function (s) {
      var row = document.createElement("div");
      row.className = "control";
      row.innerHTML =
        '<label for="b-' + esc(s.id) + '"><b>' + esc(s.id) + "</b> <span class=\"kind\" data-source-kind=\"" + esc(s.id) + "\"></span> " +
        '<span class="scope" data-scope="' + esc(s.scope) + '" data-n="' + s.villages + '"></span></label>' +
        '<div class="budget-line"><button type="button" class="step" data-step="-1"></button>' +
        '<input id="b-' + esc(s.id) + '" data-testid="budget-' + esc(s.id) + '" data-source="' + esc(s.id) + '" inputmode="numeric" value="' + s.total + '">' +
        '<button type="button" class="step" data-step="1"></button></div>' +
        '<div class="hint" data-hint="' + esc(s.id) + '"></div>';
      box.appendChild(row);
      var input = row.querySelector("input");
      input.addEventListener("input", function () { hint(input); });
      input.addEventListener("change", function () { apply(); });
      row.querySelectorAll(".step").forEach(function (b) {
        b.addEventListener("click", function () {
          var v = parseRupiah(input.value);
          if (v === null) { v = s.total; }
          input.value = String(Math.max(0, v + Number(b.getAttribute("data-step")) * STEP));
          hint(input);
          apply();
        });
      });
    });
    var pm = $("phase-months");
    pm.innerHTML = "";
    info.phases.forEach(function (p) {
      var row = document.createElement("div");
      row.className = "control small";
      row.innerHTML = '<label for="m-' + esc(p.id) + '" data-months-label="' + esc(p.id) + '"></label>' +
        '<input id="m-' + esc(p.id) + '" data-testid="months-' + esc(p.id) + '" data-phase="' + esc(p.id) + '" type="number" min="1" max="' + p.max_months + '" data-max="' + p.max_months + '" step="1" value="' + p.months + '">';
      pm.appendChild(row);
      row.querySelector("input").addEventListener("change", function () { apply(); });
    });
    var pr = $("programs");
    pr.innerHTML = "";
    info.switchable.forEach(function (name) {
      var row = document.createElement("div");
      row.className = "control small";
      var on = info.programs.indexOf(name) >= 0;
      row.innerHTML = '<label><input type="checkbox" data-testid="program-' + esc(name) + '" data-program="' + esc(name) + '"' + (on ? " checked" : "") + '> <span data-program-label="' + esc(name) + '"></span></label>';
      pr.appendChild(row);
      row.querySelector("input").addEventListener("change", function () { apply(); });
    });
    document.querySelectorAll("input[data-source]").forEach(hint);
  }

  function parseRupiah(text) {
    var s = String(text).trim();
    if (!/^\d[\d.,\s_]*$/.test(s)) { return null; }
    var digits = s.replace(/[.,\s_]/g, "");
    var v = Number(digits);
    return Number.isSafeInteger(v) ? v : null;
  }
  function hint(input) {
    var v = parseRupiah(input.value);
    var el = document.querySelector('[data-hint="' + CSS.escape(input.getAttribute("data-source")) + '"]');
    if (el) { el.textContent = v === null ? "" : t("budget_hint", { v: num(v) }); }
  }

  function readControls() {
    var problems = [];
    var budgets = {}, months = {}, programs = info.programs.filter(function (p) { return info.switchable.indexOf(p) < 0; });
    document.querySelectorAll("input[data-source]").forEach(function (el) {
      var v = parseRupiah(el.value);
      if (v === null) { problems.push(t("budget_bad", { src: el.getAttribute("data-source"), v: el.value })); }
      else { budgets[el.getAttribute("data-source")] = v; }
    });
    document.querySelectorAll("input[data-phase]").forEach(function (el) {
      var s = String(el.value).trim();
      var v = /^\d+$/.test(s) ? Number(s) : NaN;
      var max = Number(el.getAttribute("data-max"));
      if (!(v >= 1 && v <= max)) { problems.push(t("months_bad", { p: el.getAttribute("data-phase"), v: el.value, max: max })); }
      else { months[el.getAttribute("data-phase")] = v; }
    });
    document.querySelectorAll("input[data-program]").forEach(function (el) {
      if (el.checked) { programs.push(el.getAttribute("data-program")); }
    });
    return { problems: problems, controls: { budgets: budgets, months: months, programs: programs } };
  }

  // ----------------------------------------------------------------- talking to the server
  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, status: r.status, body: j }; }, function () { return { ok: false, status: r.status, body: {} }; });
      });
  }
  function showError(lines) {
    var el = $("error");
    el.hidden = false;
    el.textContent = lines.join("\n");
    setState("error");
  }
  function problemsOf(body) {
    if (body && body.problems) { return body.problems.map(function (p) { return (p.path ? p.path + ": " : "") + p.message; }); }
    return [String((body && body.detail) || "error")];
  }

  function apply() {
    var read = readControls();
    var my = ++seq;
    if (read.problems.length) { showError(read.problems); return; }
    $("error").hidden = true;
    setState("busy");
    $("marginal").setAttribute("data-state", "busy");
    post("/ui/whatif", read.controls).then(function (res) {
      if (my !== seq) { return; }   // a newer change is on its way
      if (!res.ok) { showError(problemsOf(res.body)); return; }
      last = res.body;
      lastControls = read.controls;
      lastMarginal = null;
      render();
      setState("ready");
      marginal(my, read.controls);
    }, function (err) {
      if (my === seq) { showError([String(err)]); }
    });
  }

  function marginal(my, controls) {
    $("marginal").innerHTML = "<li>" + esc(t("marginal_busy")) + "</li>";
    // a moment's wait: while budgets are still being tried, no re-solve is spent on a stale one
    setTimeout(function () { if (my === seq) { marginalNow(my, controls); } }, 250);
  }

  function marginalNow(my, controls) {
    post("/ui/marginal", controls).then(function (res) {
      if (my !== seq) { return; }
      if (!res.ok) { $("marginal").innerHTML = "<li class=\"error\">" + esc(problemsOf(res.body).join("; ")) + "</li>"; $("marginal").setAttribute("data-state", "error"); return; }
      lastMarginal = res.body.rows;
      renderMarginal();
      $("marginal").setAttribute("data-state", "ready");
    });
  }

  // ----------------------------------------------------------------- drawing
  function words() {
    document.documentElement.lang = lang;
    document.documentElement.setAttribute("data-lang", lang);
    document.querySelectorAll("[data-word]").forEach(function (el) { el.textContent = t(el.getAttribute("data-word")); });
    $("lang").textContent = t("switch_to");
    document.title = t("title");
    if (info) {
      $("workers-total").textContent = t("workers_total", { n: num(info.workers) });
      info.sources.forEach(function (s) {
        var el = document.querySelector('[data-source-kind="' + CSS.escape(s.id) + '"]');
        if (el) { el.textContent = (s.kind_label && s.kind_label[lang]) || s.kind; }
      });
      document.querySelectorAll(".scope").forEach(function (el) {
        el.textContent = el.getAttribute("data-scope") === "village" ? t("scope_village", { n: num(el.getAttribute("data-n")) }) : t("scope_pooled");
      });
      document.querySelectorAll(".step").forEach(function (b) { b.textContent = t(b.getAttribute("data-step") === "1" ? "step_plus" : "step_minus"); });
      document.querySelectorAll("[data-months-label]").forEach(function (el) { el.textContent = t("months_label", { p: el.getAttribute("data-months-label") }); });
      document.querySelectorAll("[data-program-label]").forEach(function (el) { el.textContent = t("program_label", { p: el.getAttribute("data-program-label") }); });
      document.querySelectorAll("input[data-source]").forEach(hint);
    }
    var st = $("state").getAttribute("data-state");
    $("state").textContent = t(st);
  }

  function render() {
    var f = last;
    // headline, one sentence per phase
    $("headline").innerHTML = f.phases.map(function (p) {
      var s = esc(t("headline", { p: "\u0000p", start: "\u0000s", months: "\u0000m", covered: "\u0000c", uncovered: "\u0000u", shortfall: "\u0000f" }));
      s = s.replace("\u0000p", esc(p.phase)).replace("\u0000s", esc(period(p.start))).replace("\u0000m", esc(p.months))
        .replace("\u0000c", '<b data-testid="covered-' + esc(p.phase) + '">' + num(p.covered) + "</b>")
        .replace("\u0000u", '<b data-testid="uncovered-' + esc(p.phase) + '">' + num(p.uncovered) + "</b>")
        .replace("\u0000f", '<b data-testid="shortfall-' + esc(p.phase) + '">' + num(p.shortfall_idr) + "</b>");
      return '<p class="headline">' + s + (p.below_floor ? " " + esc(t("headline_floor", { n: num(p.below_floor) })) : "") + "</p>";
    }).join("") + (f.status === "feasible" ? '<p class="note">' + esc(t("status_feasible", { gap: (f.gap * 100).toFixed(2) + "%" })) + "</p>" : "");
    // split by source
    var phases = f.phases.map(function (p) { return p.phase; });
    var by = {};
    f.coverage.forEach(function (c) { by[c.source + "\u0000" + c.phase] = c.workers; });
    var head = "<thead><tr><th>" + esc(t("col_source")) + "</th><th>" + esc(t("col_budget")) + "</th><th>" + esc(t("col_spent")) + "</th><th>" + esc(t("col_share")) + "</th>" +
      phases.map(function (p) { return "<th>" + esc(t("col_workers_in", { p: p })) + "</th>"; }).join("") + "</tr></thead>";
    var body = f.sources.map(function (s, i) {
      var share = s.budget_idr > 0 ? (100 * s.spent_idr / s.budget_idr).toFixed(1) + "%" : "–";
      return "<tr><td><span class=\"swatch\" style=\"background:" + PALETTE[i % PALETTE.length] + "\"></span>" + esc(s.source) + "</td><td class=\"n\">" + num(s.budget_idr) +
        '</td><td class="n" data-testid="spent-' + esc(s.source) + '">' + num(s.spent_idr) + '</td><td class="n">' + share + "</td>" +
        phases.map(function (p) { return '<td class="n">' + num(by[s.source + "\u0000" + p] || 0) + "</td>"; }).join("") + "</tr>";
    }).join("");
    $("sources").innerHTML = head + "<tbody>" + body + "</tbody>";
    chart(f, phases, by);
    // villages below their floor
    var below = f.below;
    $("h-below").textContent = t("below_title", { n: num(below.length) });
    if (!below.length) { $("below").innerHTML = "<tbody><tr><td>" + esc(t("below_none")) + "</td></tr></tbody>"; }
    else {
      var shown = below.slice(0, 200);
      $("below").innerHTML = "<thead><tr><th>" + esc(t("col_village")) + "</th><th>" + esc(t("col_phase")) + "</th><th>" + esc(t("col_covered")) + "</th><th>" + esc(t("col_missing")) + "</th></tr></thead><tbody>" +
        shown.map(function (v) {
          return '<tr data-village="' + esc(v.village) + '"><td>' + esc(v.name) + ' <span class="vid">' + esc(v.village) + "</span></td><td>" + esc(v.phase) + '</td><td class="n">' + num(v.covered) + " / " + num(v.target) + '</td><td class="n">' + num(v.missing) + "</td></tr>";
        }).join("") + (below.length > shown.length ? '<tr><td colspan="4">' + esc(t("below_more", { n: num(below.length - shown.length) })) + "</td></tr>" : "") + "</tbody>";
    }
    $("warnings").innerHTML = (lang === "id" && f.warnings_id ? f.warnings_id : f.warnings).map(function (w) { return "<li>" + esc(w) + "</li>"; }).join("");
    links();
  }

  function renderMarginal() {
    if (!lastMarginal) { return; }
    $("marginal").innerHTML = lastMarginal.map(function (r) {
      var gains = Object.keys(r.covered_gain).filter(function (p) { return r.covered_gain[p] !== 0; })
        .map(function (p) { return t("marginal_gain", { n: (r.covered_gain[p] > 0 ? "+" : "") + num(r.covered_gain[p]), p: p }); });
      var text = gains.length ? t("marginal_row", { src: r.source, gains: gains.join(", "), short: num(r.shortfall_gain_idr) }) : t("marginal_none", { src: r.source });
      return '<li data-marginal="' + esc(r.source) + '">' + esc(text) + "</li>";
    }).join("");
  }

  function chart(f, phases, by) {
    // one stacked bar per phase: workers paid by each source, then the uncovered
    var width = 640, bar = 26, gap = 18, left = 48, right = 8;
    var height = phases.length * (bar + gap) + 24;
    var total = f.phases.length ? f.phases[0].eligible : 0;
    var scale = total > 0 ? (width - left - right) / total : 0;
    var parts = [];
    f.phases.forEach(function (p, k) {
      var y = 8 + k * (bar + gap), x = left;
      parts.push('<text x="0" y="' + (y + bar * 0.68) + '" class="axis">' + esc(p.phase) + "</text>");
      f.sources.forEach(function (s, i) {
        var n = by[s.source + "\u0000" + p.phase] || 0;
        if (n > 0) {
          var w = n * scale;
          parts.push('<rect x="' + x.toFixed(1) + '" y="' + y + '" width="' + w.toFixed(1) + '" height="' + bar + '" fill="' + PALETTE[i % PALETTE.length] + '"><title>' + esc(s.source + ": " + num(n)) + "</title></rect>");
          x += w;
        }
      });
      if (p.uncovered > 0) {
        parts.push('<rect x="' + x.toFixed(1) + '" y="' + y + '" width="' + (p.uncovered * scale).toFixed(1) + '" height="' + bar + '" class="uncovered"><title>' + esc(t("uncovered") + ": " + num(p.uncovered)) + "</title></rect>");
      }
    });
    var ly = height - 6, lx = left, legend = [];
    f.sources.forEach(function (s, i) {
      legend.push('<rect x="' + lx + '" y="' + (ly - 9) + '" width="10" height="10" fill="' + PALETTE[i % PALETTE.length] + '"></rect><text x="' + (lx + 14) + '" y="' + ly + '" class="axis">' + esc(s.source) + "</text>");
      lx += 24 + 8 * s.source.length;
    });
    legend.push('<rect x="' + lx + '" y="' + (ly - 9) + '" width="10" height="10" class="uncovered"></rect><text x="' + (lx + 14) + '" y="' + ly + '" class="axis">' + esc(t("uncovered")) + "</text>");
    $("chart").innerHTML = '<svg viewBox="0 0 ' + width + " " + height + '" width="100%" role="img">' + parts.join("") + legend.join("") + "</svg>";
  }

  function links() {
    var q = "?controls=" + encodeURIComponent(JSON.stringify(lastControls || {})) + "&lang=" + lang;
    $("dl-plan").href = "/ui/plan.xlsx" + q;
    $("dl-scenario").href = "/ui/scenario.xlsx" + q;
  }

  // ----------------------------------------------------------------- start
  $("form").addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  $("reset").addEventListener("click", function () { buildControls(); words(); apply(); });
  $("lang").addEventListener("click", function () {
    lang = lang === "id" ? "en" : "id";
    words();
    if (last) { render(); renderMarginal(); }
  });
  words();
  fetch("/ui/state").then(function (r) { return r.json(); }).then(function (s) {
    info = s;
    $("scenario-name").textContent = s.name || s.label;
    $("version").textContent = s.version;
    buildControls();
    words();
    apply();
  }, function (err) { showError([String(err)]); });
})();
