/// The dashboard's style sheet and its one script, served from `/app/static/` (same origin, so
/// the Content-Security-Policy allows them and nothing inline). The script only enhances: every
/// page works without it (the segment form counts on submit; tables are in a sensible order).
enum DashboardAssets {
    static let css = """
        :root{--ink:#111;--muted:#4a4a4a;--line:#c8c8c8;--accent:#08519c;--bg:#fff;--soft:#f3f5f8}
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:2}
        header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding:.5rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
        nav{display:flex;flex-wrap:wrap;gap:.25rem}
        nav a{padding:.4rem .7rem;border-radius:.3rem;color:var(--ink);text-decoration:none}
        nav a[aria-current=page]{background:var(--accent);color:#fff}
        nav a:hover{text-decoration:underline}
        a{color:var(--accent)}
        :focus-visible{outline:3px solid #000;outline-offset:2px}
        .signout{display:flex;align-items:center;gap:.5rem;font-size:.9rem;color:var(--muted)}
        main{max-width:1200px;margin:0 auto;padding:1rem}
        h1{font-size:1.6rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
        button{font:inherit;padding:.4rem 1rem;border:2px solid var(--ink);background:var(--ink);color:#fff;border-radius:.3rem;cursor:pointer}
        input,textarea{font:inherit;padding:.4rem;border:2px solid var(--muted);border-radius:.3rem;width:100%}
        textarea{font-family:ui-monospace,monospace}
        label{display:block;font-weight:600;margin:.5rem 0 .25rem}
        .login{max-width:28rem}.login button{margin-top:.75rem}
        .hint,.asof{color:var(--muted);font-size:.9rem}
        .notice{border-left:4px solid var(--accent);background:var(--soft);padding:.5rem .75rem}
        .error{border-left:4px solid #b00020;background:#fdecee;padding:.5rem .75rem}
        .caret{margin:0;font-size:.85rem;overflow-x:auto}
        .kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.75rem;margin:0}
        .kpi{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem}
        .kpi dt{font-size:.85rem;color:var(--muted)}.kpi dd{margin:0;font-size:1.4rem;font-weight:600}.kpi dd.hint{font-size:.8rem;font-weight:400}
        .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.25rem 1rem}
        .facts dt{font-size:.85rem;color:var(--muted)}.facts dd{margin:0 0 .4rem;overflow-wrap:anywhere}
        table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.95rem}
        th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        th[aria-sort]{cursor:pointer}th button.sort{all:unset;cursor:pointer;font-weight:600}
        caption{text-align:left;color:var(--muted);font-size:.9rem}
        .scroll{overflow-x:auto}.chart{max-width:100%;height:auto}
        .chart text{font-size:13px}.chart text.value{fill:var(--ink)}.chart text.tick{font-size:11px;fill:var(--muted)}.chart text.axis{font-size:12px;font-weight:600}
        .chart a:focus rect{stroke:#000;stroke-width:3}
        .source{background:var(--soft);padding:.75rem;overflow-x:auto;font-size:.85rem}
        .pages{display:flex;gap:1rem;align-items:center}
        .search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;max-width:36rem}.search input{flex:1}
        .search label{width:100%}
        @media (max-width:600px){main{padding:.5rem}.kpi dd{font-size:1.15rem}th,td{padding:.3rem}}
        """

    static let javascript = """
        "use strict";
        // Live count: the segment expression is counted as it is typed (the form counts on submit without this).
        document.addEventListener("DOMContentLoaded", () => {
          const area = document.getElementById("expression");
          const result = document.getElementById("segment-result");
          if (area && result) {
            let timer = null, asked = 0;
            area.addEventListener("input", () => {
              clearTimeout(timer);
              timer = setTimeout(async () => {
                const ask = ++asked;
                const url = area.dataset.countUrl + "?expression=" + encodeURIComponent(area.value);
                try {
                  const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
                  const answer = await response.json();
                  if (ask !== asked) return;
                  result.textContent = "";
                  const p = document.createElement("p");
                  if (answer.count !== undefined) {
                    p.className = "count";
                    const strong = document.createElement("strong");
                    strong.id = "segment-count";
                    strong.textContent = answer.count;
                    p.append(strong, " customers match.");
                    result.append(p);
                  } else {
                    p.className = "error";
                    p.id = "segment-error";
                    p.textContent = answer.error || "the expression could not be counted";
                    result.append(p);
                    if (answer.line !== undefined) {
                      const pre = document.createElement("pre");
                      pre.className = "caret";
                      pre.setAttribute("aria-hidden", "true");
                      pre.textContent = answer.line + "\\n" + answer.caret;
                      result.append(pre);
                    }
                  }
                } catch (error) { /* the form still counts on submit */ }
              }, 250);
            });
          }
          // Sorting: a table of class "sortable" sorts by a column when its heading is pressed.
          for (const table of document.querySelectorAll("table.sortable")) {
            const headings = table.querySelectorAll("thead th");
            headings.forEach((th, column) => {
              const button = document.createElement("button");
              button.className = "sort";
              button.type = "button";
              button.textContent = th.textContent;
              th.textContent = "";
              th.append(button);
              th.setAttribute("aria-sort", "none");
              button.addEventListener("click", () => {
                const ascending = th.getAttribute("aria-sort") !== "ascending";
                headings.forEach(h => h.setAttribute("aria-sort", "none"));
                th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
                const body = table.tBodies[0];
                const rows = Array.from(body.rows);
                const key = row => {
                  const text = (row.cells[column] || {}).textContent || "";
                  const number = parseFloat(text.replace(/[^0-9.\\-]/g, ""));
                  return /^[\\s\\-0-9.,%]+$/.test(text) && !isNaN(number) ? number : text.toLowerCase();
                };
                rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1); });
                body.append(...rows);
              });
            });
          }
        });
        """
}
