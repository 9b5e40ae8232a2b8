/// The dashboard: one page and its script, served by spoold itself (no CDN,
/// no framework). The page opens `events` (relative, so it works behind a
/// reverse proxy under any path) and redraws on every sample pushed; all
/// text from the queue (tube names, failure reasons) goes in as text nodes,
/// never as markup.
enum DashboardPage {
    /// Scripts from spoold only (no inline script), styles inline, the feed from the same origin.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Spool</title>
    <style>
    :root { --fg:#1d2430; --muted:#667085; --line:#e4e7ec; --bg:#f8f9fb; --ok:#12805c; --warn:#b54708; --bad:#c01048; --put:#2e6bd6; --done:#12805c; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 16px; padding: 12px 20px; background: #fff; border-bottom: 1px solid var(--line); }
    h1 { font-size: 18px; margin: 0; }
    h2 { font-size: 15px; margin: 0 0 8px; }
    .pill { padding: 2px 10px; border-radius: 999px; font-size: 12px; background: var(--line); }
    .pill.live { background: #d1fadf; color: var(--ok); }
    .pill.down { background: #fee4e2; color: var(--bad); }
    dl { display: flex; gap: 18px; margin: 0; }
    dt { color: var(--muted); font-size: 12px; }
    dd { margin: 0; font-weight: 600; }
    main { padding: 16px 20px; display: grid; gap: 16px; }
    section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: right; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
    th:first-child, td:first-child { text-align: left; }
    th { color: var(--muted); font-weight: 500; font-size: 12px; }
    td.name { font-weight: 600; }
    .badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; }
    .badge.paused { background: #fef0c7; color: var(--warn); }
    td.alert { color: var(--bad); font-weight: 700; }
    tr.paused td { background: #fffaeb; }
    svg { display: block; }
    .legend { color: var(--muted); font-size: 12px; }
    .legend b.put { color: var(--put); } .legend b.done { color: var(--done); }
    ol { margin: 0; padding-left: 20px; }
    li { padding: 2px 0; }
    li .when { color: var(--muted); font-size: 12px; margin-right: 6px; }
    li .reason { color: var(--bad); }
    .empty { color: var(--muted); }
    </style>
    </head>
    <body>
    <header>
      <h1>Spool</h1>
      <span id="status" class="pill">connecting…</span>
      <dl>
        <div><dt>Durability</dt><dd id="durability">–</dd></div>
        <div><dt>Store</dt><dd id="store">–</dd></div>
        <div><dt>Connections</dt><dd id="connections">–</dd></div>
        <div><dt>Processing</dt><dd id="processing">–</dd></div>
        <div><dt>Jobs put /s</dt><dd id="putRate">–</dd></div>
      </dl>
    </header>
    <main>
      <section>
        <h2>Tubes</h2>
        <p class="legend">Rates over the last 10 s; plots over the last 5 minutes: <b class="put">put/s</b> and <b class="done">deleted/s</b>, and the mean wait from ready to reserve.</p>
        <table id="tubes">
          <thead><tr><th>Tube</th><th>Ready</th><th>Reserved</th><th>Delayed</th><th>Buried</th><th>Waiting workers</th><th>Put/s</th><th>Deleted/s</th><th>Mean wait</th><th>Throughput</th><th>Wait</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
      <section>
        <h2>Worker pools</h2>
        <table id="pools">
          <thead><tr><th>Tube</th><th>State</th><th>Workers</th><th>Busy</th><th>Idle</th><th>Succeeded</th><th>Retried</th><th>Buried</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
      <section>
        <h2>Recent failures</h2>
        <ol id="failures"></ol>
      </section>
    </main>
    <script src="dashboard.js"></script>
    </body>
    </html>
    """#

    static let script = #"""
    "use strict";
    (function () {
      const HISTORY = 300, RATE_WINDOW = 10;
      let samples = [];
      const $ = (id) => document.getElementById(id);
      const text = (node, value) => { if (node.textContent !== String(value)) node.textContent = String(value); };

      function cell(row, cls) {
        let td = row.querySelector("td." + cls);
        if (!td) { td = document.createElement("td"); td.className = cls; row.appendChild(td); }
        return td;
      }
      function series(name, field) {
        return samples.map((s) => { const t = s.tubes.find((x) => x.name === name); return t ? { t: s.t, v: t[field] } : null; });
      }
      function rate(name, field, window) {
        const points = series(name, field).filter(Boolean);
        if (points.length < 2) return 0;
        const last = points[points.length - 1];
        let first = points[0];
        for (const p of points) { if (last.t - p.t <= window) { first = p; break; } }
        const dt = last.t - first.t, dv = last.v - first.v;
        return dt > 0 && dv > 0 ? dv / dt : 0;
      }
      function perInterval(name, field) {
        const points = series(name, field), out = [];
        for (let i = 1; i < points.length; i++) {
          const a = points[i - 1], b = points[i];
          out.push(a && b && b.t > a.t ? Math.max(0, (b.v - a.v) / (b.t - a.t)) : 0);
        }
        return out;
      }
      function meanWaits(name) {
        const sums = series(name, "waitSum"), counts = series(name, "waitCount"), out = [];
        for (let i = 1; i < sums.length; i++) {
          const n = counts[i] && counts[i - 1] ? counts[i].v - counts[i - 1].v : 0;
          out.push(n > 0 ? (sums[i].v - sums[i - 1].v) / n : null);
        }
        return out;
      }
      function duration(seconds) {
        if (seconds === null || seconds === undefined) return "–";
        if (seconds < 0.001) return (seconds * 1e6).toFixed(0) + " µs";
        if (seconds < 1) return (seconds * 1000).toFixed(1) + " ms";
        if (seconds < 120) return seconds.toFixed(1) + " s";
        return (seconds / 60).toFixed(1) + " min";
      }
      const NS = "http://www.w3.org/2000/svg";
      function plot(td, lines) {
        const w = 160, h = 32;
        let svg = td.querySelector("svg");
        if (!svg) { svg = document.createElementNS(NS, "svg"); svg.setAttribute("width", w); svg.setAttribute("height", h); td.appendChild(svg); }
        const max = Math.max(1e-9, ...lines.flatMap((l) => l.values.filter((v) => v !== null)));
        while (svg.childNodes.length < lines.length) svg.appendChild(document.createElementNS(NS, "polyline"));
        lines.forEach((line, k) => {
          const n = line.values.length, points = [];
          line.values.forEach((v, i) => { if (v !== null) points.push(((HISTORY - n + i) / HISTORY * w).toFixed(1) + "," + (h - 1 - v / max * (h - 2)).toFixed(1)); });
          const pl = svg.childNodes[k];
          pl.setAttribute("points", points.join(" "));
          pl.setAttribute("fill", "none");
          pl.setAttribute("stroke", line.color);
          pl.setAttribute("stroke-width", "1.5");
        });
      }

      function renderTubes(latest) {
        const body = $("tubes").tBodies[0], seen = new Set();
        for (const tube of latest.tubes) {
          seen.add(tube.name);
          let row = [...body.rows].find((r) => r.dataset.tube === tube.name);
          if (!row) { row = document.createElement("tr"); row.dataset.tube = tube.name; body.appendChild(row); }
          const name = cell(row, "name");
          text(name, tube.name);
          if (tube.paused) {
            const badge = document.createElement("span");
            badge.className = "badge paused";
            badge.textContent = "paused " + tube.pauseLeft + " s";
            name.appendChild(badge);
          }
          row.classList.toggle("paused", tube.paused);
          for (const field of ["ready", "reserved", "delayed", "buried", "waiting"]) text(cell(row, field), tube[field]);
          cell(row, "buried").classList.toggle("alert", tube.buried > 0);
          text(cell(row, "putRate"), rate(tube.name, "puts", RATE_WINDOW).toFixed(1));
          text(cell(row, "deleteRate"), rate(tube.name, "deletes", RATE_WINDOW).toFixed(1));
          const waits = meanWaits(tube.name).filter((v) => v !== null);
          text(cell(row, "wait"), duration(waits.length ? waits[waits.length - 1] : null));
          plot(cell(row, "throughput"), [
            { values: perInterval(tube.name, "puts"), color: "#2e6bd6" },
            { values: perInterval(tube.name, "deletes"), color: "#12805c" },
          ]);
          plot(cell(row, "waitPlot"), [{ values: meanWaits(tube.name), color: "#b54708" }]);
        }
        for (const row of [...body.rows]) if (!seen.has(row.dataset.tube)) row.remove();
      }

      function renderPools(latest) {
        const body = $("pools").tBodies[0];
        body.replaceChildren();
        if (!latest.pools.length) {
          const row = body.insertRow(), td = row.insertCell();
          td.colSpan = 8; td.className = "empty"; td.textContent = "No worker pools (queue files in the queues directory).";
          return;
        }
        for (const pool of latest.pools) {
          const row = body.insertRow();
          row.dataset.tube = pool.tube;
          const values = [pool.tube, pool.running ? "running" : "stopped", pool.workers, pool.busy, pool.idle,
            pool.attempts - pool.failures, pool.failures - pool.buried, pool.buried];
          values.forEach((v) => { row.insertCell().textContent = String(v); });
          row.cells[7].classList.toggle("alert", pool.buried > 0);
        }
      }

      function renderFailures(failures) {
        const list = $("failures");
        list.replaceChildren();
        if (!failures.length) { const li = document.createElement("li"); li.className = "empty"; li.textContent = "None since spoold started."; list.appendChild(li); return; }
        for (const f of failures) {
          const li = document.createElement("li"), when = document.createElement("span"), reason = document.createElement("span");
          when.className = "when"; when.textContent = new Date(f.t * 1000).toLocaleTimeString();
          reason.className = "reason"; reason.textContent = f.reason;
          li.append(when, "job " + f.job + " in " + f.tube + (f.buried ? " buried: " : " will be retried: "), reason);
          list.appendChild(li);
        }
      }

      function render(failures) {
        const latest = samples[samples.length - 1];
        if (!latest) return;
        text($("durability"), latest.durability);
        text($("store"), latest.store);
        $("store").style.color = latest.store === "healthy" ? "var(--ok)" : "var(--bad)";
        text($("connections"), latest.connections);
        text($("processing"), latest.draining ? "draining" : latest.processing ? "yes" : "stopped");
        text($("putRate"), latest.tubes.reduce((sum, t) => sum + rate(t.name, "puts", RATE_WINDOW), 0).toFixed(1));
        renderTubes(latest);
        renderPools(latest);
        renderFailures(failures);
        document.body.dataset.samples = String(samples.length);
      }

      const status = $("status");
      const source = new EventSource("events");
      source.addEventListener("open", () => { status.textContent = "live"; status.className = "pill live"; });
      source.addEventListener("error", () => { status.textContent = "reconnecting…"; status.className = "pill down"; });
      source.addEventListener("history", (e) => { const d = JSON.parse(e.data); samples = d.history; render(d.failures); });
      source.addEventListener("sample", (e) => {
        const d = JSON.parse(e.data);
        samples.push(d.sample);
        if (samples.length > HISTORY) samples.shift();
        render(d.failures);
      });
    })();
    """#
}
