import Mustache

/// The dashboard's HTML: one layout and a template per page, rendered with swift-mustache,
/// which HTML-escapes every `{{value}}`. Only HTML this file's templates or ``SVGChart`` made
/// goes in unescaped (`{{{content}}}`, `{{{chart}}}`). The style sheet and the script are served
/// from `/app/static/`, so the Content-Security-Policy can forbid inline script.
enum DashboardTemplates {
    // Every template is a constant of this file: it parses.
    static func template(_ text: String) -> MustacheTemplate { try! MustacheTemplate(string: text) }

    static let layout = template(
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>{{title}} · Patron</title>
        <link rel="stylesheet" href="/app/static/app.css">
        <script src="/app/static/app.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the content</a>
        {{#signedIn}}
        <header>
        <nav aria-label="Dashboard">
        <a href="/app"{{#overview}} aria-current="page"{{/overview}}>Overview</a>
        <a href="/app/rfm"{{#rfm}} aria-current="page"{{/rfm}}>RFM</a>
        <a href="/app/cohorts"{{#cohorts}} aria-current="page"{{/cohorts}}>Cohorts</a>
        <a href="/app/segments"{{#segments}} aria-current="page"{{/segments}}>Segments</a>
        <a href="/app/flows"{{#flows}} aria-current="page"{{/flows}}>Flows</a>
        <a href="/app/customers"{{#customers}} aria-current="page"{{/customers}}>Customers</a>
        </nav>
        <form method="post" action="/app/logout" class="signout">
        <span>{{keyName}} ({{scope}})</span>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit">Sign out</button>
        </form>
        </header>
        {{/signedIn}}
        <main id="main">
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{{content}}}
        </main>
        </body>
        </html>
        """)

    static let login = template(
        """
        <form method="post" action="/app/login" class="login">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="next" value="{{next}}">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required spellcheck="false">
        <p class="hint">A key made with <code>patron apikey create NAME --scope read</code>: read keys see, write and admin keys may act. The key is not kept in the browser; a session cookie is, for {{hours}} hours.</p>
        <button type="submit">Sign in</button>
        </form>
        """)

    static let message = template(
        """
        <p>{{message}}</p>
        {{#link}}<p><a href="{{href}}">{{text}}</a></p>{{/link}}
        """)

    static let overview = template(
        """
        <p class="asof">As of {{asOf}}; churn over the last {{periodDays}} days.</p>
        <dl class="kpis">
        {{#kpis}}<div class="kpi"><dt>{{name}}</dt><dd>{{value}}</dd>{{#hint}}<dd class="hint">{{hint}}</dd>{{/hint}}</div>
        {{/kpis}}
        </dl>
        <section aria-labelledby="trend">
        <h2 id="trend">New buyers by month</h2>
        <p class="hint">First orders per month: each month's cohort, as on the cohorts page.</p>
        <div class="scroll">{{{chart}}}</div>
        </section>
        {{#moves}}
        <section aria-labelledby="moves">
        <h2 id="moves">Since the last RFM snapshot ({{since}})</h2>
        <p>{{customers}} customers moved between RFM segments. <a href="/app/rfm">See the moves</a>.</p>
        </section>
        {{/moves}}
        """)

    static let rfm = template(
        """
        <p class="asof">As of {{asOf}}: {{customers}} customers with orders, {{revenue}} {{currency}}; scores in {{bins}} quantile bins. Choose a cell to see its customers.</p>
        <div class="scroll">{{{chart}}}</div>
        <table class="grid" id="rfm-grid">
        <caption>Customers and revenue per R × F cell</caption>
        <thead><tr><th scope="col">R</th><th scope="col">F</th><th scope="col">Customers</th><th scope="col">Revenue</th><th scope="col">Segment</th></tr></thead>
        <tbody>
        {{#cells}}<tr data-r="{{r}}" data-f="{{f}}"><td>{{r}}</td><td>{{f}}</td><td class="num"><a href="{{href}}">{{customers}}</a></td><td class="num">{{revenue}}</td><td>{{segment}}</td></tr>
        {{/cells}}
        </tbody>
        </table>
        <h2>Segments</h2>
        <table class="sortable">
        <thead><tr><th scope="col">Segment</th><th scope="col">Customers</th><th scope="col">Revenue</th></tr></thead>
        <tbody>
        {{#segments}}<tr><td>{{name}}</td><td class="num">{{customers}}</td><td class="num">{{revenue}}</td></tr>
        {{/segments}}
        </tbody>
        </table>
        <h2>Moves between the last two snapshots</h2>
        {{#sinceLast}}<p>Since the last snapshot ({{since}}), {{customers}} customers have moved as of today.</p>{{/sinceLast}}
        {{#hasMoves}}
        <p>Between the snapshots of {{between}}: {{moved}} customers changed segment.</p>
        <table class="sortable" id="rfm-moves">
        <thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Customers</th></tr></thead>
        <tbody>
        {{#moves}}<tr><td>{{from}}</td><td>{{to}}</td><td class="num">{{customers}}</td></tr>
        {{/moves}}
        </tbody>
        </table>
        {{/hasMoves}}
        {{#incomparable}}<p>The snapshots of {{between}} were taken with different parameters: their segments are not compared (moves are saved only between snapshots taken alike).</p>{{/incomparable}}
        {{^hasMoves}}{{^incomparable}}<p>No saved snapshot to compare with: save one with <code>patron rfm --save</code> (the scheduler does it nightly).</p>{{/incomparable}}{{/hasMoves}}
        """)

    static let cell = template(
        """
        <p>R = {{r}}, F = {{f}} ({{segment}}): {{count}} customers as of {{asOf}}. <a href="{{export}}" download>Export this cell as CSV</a></p>
        <table class="sortable" id="cell-members">
        <thead><tr><th scope="col">Customer</th><th scope="col">Recency (days)</th><th scope="col">Orders</th><th scope="col">Revenue</th><th scope="col">M</th></tr></thead>
        <tbody>
        {{#members}}<tr><td><a href="/app/customers/{{id}}">{{key}}</a></td><td class="num">{{recency}}</td><td class="num">{{frequency}}</td><td class="num">{{monetary}}</td><td class="num">{{m}}</td></tr>
        {{/members}}
        </tbody>
        </table>
        <nav class="pages" aria-label="Pages">{{#previous}}<a href="{{previous}}" rel="prev">Previous</a>{{/previous}} <span>{{range}}</span> {{#next}}<a href="{{next}}" rel="next">Next</a>{{/next}}</nav>
        """)

    static let cohorts = template(
        """
        <p class="asof">As of {{asOf}}: the share of each month's new buyers who ordered again N months later{{#partial}} (the last month is not over){{/partial}}.</p>
        <div class="scroll">{{{chart}}}</div>
        <table class="grid" id="cohort-table">
        <caption>Retention by cohort</caption>
        <thead><tr><th scope="col">Cohort</th><th scope="col">Buyers</th>{{#offsets}}<th scope="col">+{{.}}</th>{{/offsets}}</tr></thead>
        <tbody>
        {{#rows}}<tr><th scope="row">{{cohort}}</th><td class="num">{{size}}</td>{{#cells}}<td class="num">{{.}}</td>{{/cells}}</tr>
        {{/rows}}
        </tbody>
        </table>
        """)

    static let segments = template(
        """
        <form method="get" action="/app/segments" class="segment" id="segment-form">
        <label for="expression">Segment expression</label>
        <textarea id="expression" name="expression" rows="3" spellcheck="false" aria-describedby="segment-result segment-help" data-count-url="/app/segments/count">{{expression}}</textarea>
        <p id="segment-help" class="hint">For example <code>orders.count >= 2 and rfm.recency_days > 90</code>; the fields are in docs/segments.md.</p>
        <div id="segment-result" role="status" aria-live="polite">
        {{#count}}<p class="count"><strong id="segment-count">{{count}}</strong> customers match.</p>{{/count}}
        {{#error}}<p class="error" id="segment-error">{{error}}</p>{{#caret}}<pre class="caret" aria-hidden="true">{{line}}\n{{caret}}</pre>{{/caret}}{{#suggestions}}<p class="hint">Did you mean: {{suggestions}}?</p>{{/suggestions}}{{/error}}
        </div>
        <button type="submit">Count</button>
        </form>
        {{#exportHref}}<p><a href="{{exportHref}}" download>Export these customers as CSV</a></p>{{/exportHref}}
        {{#save}}
        <form method="post" action="/app/segments/save" class="search" id="save-segment">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="expression" value="{{expression}}">
        <label for="segment-name">Save as</label>
        <input id="segment-name" name="name" required placeholder="at-risk-vips">
        <button type="submit">Save</button>
        </form>
        {{/save}}
        <h2>Saved segments</h2>
        {{#hasSaved}}
        <table class="sortable" id="saved-segments">
        <thead><tr><th scope="col">Name</th><th scope="col">Expression</th><th scope="col">Customers now</th><th scope="col">Size at its snapshots</th><th scope="col">Saved</th><th scope="col">Export</th></tr></thead>
        <tbody>
        {{#saved}}<tr><td>{{name}}</td><td><a href="/app/segments?expression={{query}}"><code>{{expression}}</code></a></td><td class="num">{{size}}</td><td>{{{spark}}} <small>{{history}}</small></td><td>{{savedAt}}</td><td><a href="/app/segments/export.csv?expression={{query}}" download>CSV</a></td></tr>
        {{/saved}}
        </tbody>
        </table>
        {{/hasSaved}}
        {{^hasSaved}}<p>None yet: save one above, or <code>patron segment save NAME EXPRESSION</code>.</p>{{/hasSaved}}
        """)

    static let flows = template(
        """
        <table class="sortable" id="flows">
        <thead><tr><th scope="col">Flow</th><th scope="col">Status</th><th scope="col">Entered</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Converted</th><th scope="col">Revenue</th><th scope="col">Lift</th>{{#admin}}<th scope="col">Action</th>{{/admin}}</tr></thead>
        <tbody>
        {{#items}}<tr data-flow="{{id}}"><td><a href="/app/flows/{{path}}">{{name}}</a><br><small>{{id}}</small></td><td class="status">{{status}}</td><td class="num">{{entered}}</td><td class="num">{{sent}}</td><td class="num">{{delivered}}</td><td class="num">{{converted}}</td><td class="num">{{revenue}}</td><td class="num">{{lift}}</td>{{#admin}}<td>{{{action}}}</td>{{/admin}}</tr>
        {{/items}}
        </tbody>
        </table>
        {{^items}}<p>No flows stored yet: <code>patron campaigns put FILE</code>.</p>{{/items}}
        """)

    static let flowAction = template(
        """
        <form method="post" action="/app/flows/{{path}}/{{verb}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" name="verb" value="{{verb}}">{{label}}</button></form>
        """)

    static let flow = template(
        """
        <p>Status: <strong class="status">{{status}}</strong>{{#activatedAt}}, active since {{activatedAt}}{{/activatedAt}}. {{{action}}}</p>
        <h2>Funnel</h2>
        <div class="scroll">{{{chart}}}</div>
        <h2>Outcomes</h2>
        <table class="sortable" id="flow-decisions">
        <thead><tr><th scope="col">Decision or skip reason</th><th scope="col">Count</th></tr></thead>
        <tbody>{{#decisions}}<tr><td>{{reason}}</td><td class="num">{{count}}</td></tr>{{/decisions}}</tbody>
        </table>
        <dl class="kpis">
        <div class="kpi"><dt>Attributed revenue</dt><dd>{{revenue}}</dd></div>
        <div class="kpi"><dt>Attributed orders</dt><dd>{{orders}}</dd></div>
        <div class="kpi"><dt>Treated / holdout</dt><dd>{{treated}} / {{holdout}}</dd></div>
        <div class="kpi"><dt>Lift over the holdout</dt><dd>{{lift}}</dd></div>
        </dl>
        <h2>Source</h2>
        <pre class="source">{{source}}</pre>
        """)

    static let customerSearch = template(
        """
        <form method="get" action="/app/customers" class="search">
        <label for="q">Customer</label>
        <input id="q" name="q" value="{{q}}" placeholder="patron:42, shopify:1001 or 42" spellcheck="false">
        <button type="submit">Open</button>
        </form>
        {{#error}}<p class="error">{{error}}</p>{{/error}}
        """)

    static let customer = template(
        """
        <section aria-labelledby="profile"><h2 id="profile">Profile</h2>
        <dl class="facts">{{#profile}}<div><dt>{{name}}</dt><dd>{{value}}</dd></div>{{/profile}}</dl>
        </section>
        <section aria-labelledby="scores"><h2 id="scores">Scores</h2>
        <dl class="facts">{{#scores}}<div><dt>{{name}}</dt><dd>{{value}}</dd></div>{{/scores}}</dl>
        {{^scores}}<p>No saved RFM snapshot or prediction for this customer.</p>{{/scores}}
        </section>
        <section aria-labelledby="consent"><h2 id="consent">Consent</h2>
        <table class="sortable"><thead><tr><th scope="col">Channel</th><th scope="col">Status</th></tr></thead>
        <tbody>{{#consent}}<tr><td>{{name}}</td><td>{{value}}</td></tr>{{/consent}}</tbody></table>
        {{#hasConsentHistory}}<h3>History</h3>
        <ul class="history">{{#consentHistory}}<li><time>{{at}}</time> {{summary}}</li>{{/consentHistory}}</ul>{{/hasConsentHistory}}
        </section>
        {{#hasRecommendations}}
        <section aria-labelledby="recs"><h2 id="recs">Recommended next</h2>
        <ol>{{#recommendations}}<li>{{name}} <small>({{sku}})</small></li>{{/recommendations}}</ol>
        </section>
        {{/hasRecommendations}}
        <section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2>
        <table class="sortable" id="customer-timeline">
        <thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Summary</th><th scope="col">Amount</th></tr></thead>
        <tbody>{{#timeline}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{summary}}</td><td class="num">{{amount}}</td></tr>{{/timeline}}</tbody>
        </table>
        </section>
        """)
}
