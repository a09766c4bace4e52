import GRDB
import PatronCore

/// The store's schema, as versioned migrations. `PRAGMA user_version` holds the number of
/// migrations applied and `PRAGMA application_id` marks the file as Patron's.
enum SQLiteSchema {
    /// 'PATR'.
    static let applicationID: Int32 = 0x5041_5452

    /// Migrations in order; never edit a shipped one, add the next.
    static let migrations: [(name: String, sql: String)] = [
        (
            "v1-core",
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE applied_events (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE customers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                primary_source TEXT,
                primary_ref TEXT,
                email TEXT UNIQUE,
                phone TEXT,
                phone_e164 TEXT UNIQUE,
                first_name TEXT,
                last_name TEXT,
                country TEXT,
                timezone TEXT,
                birthday TEXT,
                tags TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL,
                consent_email TEXT NOT NULL DEFAULT 'unknown',
                consent_email_at INTEGER,
                consent_sms TEXT NOT NULL DEFAULT 'unknown',
                consent_sms_at INTEGER,
                order_count INTEGER NOT NULL DEFAULT 0,
                revenue_minor INTEGER NOT NULL DEFAULT 0,
                first_order_at INTEGER,
                last_order_at INTEGER,
                open_cart_count INTEGER NOT NULL DEFAULT 0,
                open_cart_value_minor INTEGER NOT NULL DEFAULT 0,
                last_cart_activity_at INTEGER,
                open_ticket_count INTEGER NOT NULL DEFAULT 0,
                last_ticket_at INTEGER,
                erased_at INTEGER
            );
            CREATE TABLE customer_refs (
                source TEXT NOT NULL,
                ref TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                PRIMARY KEY (source, ref)
            ) WITHOUT ROWID;
            CREATE INDEX customer_refs_by_customer ON customer_refs(customer_id);
            CREATE TABLE customer_merges (
                from_id INTEGER NOT NULL,
                into_id INTEGER NOT NULL,
                merged_at INTEGER NOT NULL
            );
            CREATE TABLE orders (
                id INTEGER PRIMARY KEY,
                source TEXT NOT NULL,
                ref TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                placed_at INTEGER NOT NULL,
                currency TEXT NOT NULL,
                total_minor INTEGER NOT NULL,
                refunded_minor INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (source, ref)
            );
            CREATE INDEX orders_by_customer ON orders(customer_id, placed_at);
            CREATE TABLE order_lines (
                order_id INTEGER NOT NULL,
                line_no INTEGER NOT NULL,
                sku TEXT NOT NULL,
                name TEXT,
                quantity INTEGER NOT NULL,
                unit_price_minor INTEGER NOT NULL,
                PRIMARY KEY (order_id, line_no)
            ) WITHOUT ROWID;
            CREATE TABLE carts (
                id INTEGER PRIMARY KEY,
                source TEXT NOT NULL,
                ref TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                currency TEXT NOT NULL,
                value_minor INTEGER NOT NULL,
                status TEXT NOT NULL,
                lines TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (source, ref)
            );
            CREATE INDEX carts_by_customer ON carts(customer_id);
            CREATE TABLE tickets (
                id INTEGER PRIMARY KEY,
                source TEXT NOT NULL,
                ref TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                subject TEXT NOT NULL,
                status TEXT NOT NULL,
                opened_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (source, ref)
            );
            CREATE INDEX tickets_by_customer ON tickets(customer_id);
            CREATE TABLE rfm_snapshots (
                id INTEGER PRIMARY KEY,
                taken_at INTEGER NOT NULL,
                as_of TEXT NOT NULL,
                parameters TEXT NOT NULL
            );
            CREATE TABLE rfm_snapshot_rows (
                snapshot_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                r INTEGER NOT NULL,
                f INTEGER NOT NULL,
                m INTEGER NOT NULL,
                segment TEXT NOT NULL,
                PRIMARY KEY (snapshot_id, customer_id)
            ) WITHOUT ROWID;
            CREATE TABLE segment_moves (
                id INTEGER PRIMARY KEY,
                snapshot_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                from_segment TEXT,
                to_segment TEXT,
                moved_at INTEGER NOT NULL
            );
            """
        ),
        (
            "v2-rfm-covering-index",
            """
            -- RFM reads five columns of every customer in id order; this narrow covering index lets
            -- that scan read a fraction of the pages of the wide customers table.
            CREATE INDEX customers_rfm ON customers(id, last_order_at, order_count, revenue_minor, primary_ref);
            """
        ),
        (
            "v3-orders-covering-index",
            """
            -- Metrics, windowed and past-dated RFM, and aggregate refreshes read orders per customer in
            -- time order with their status and amounts; carrying those in the index makes the scan
            -- index-only instead of one table lookup per order.
            DROP INDEX orders_by_customer;
            CREATE INDEX orders_by_customer ON orders(customer_id, placed_at, status, total_minor, refunded_minor);
            """
        ),
        (
            "v4-saved-segments",
            """
            CREATE TABLE segments (
                name TEXT PRIMARY KEY,
                expression TEXT NOT NULL,
                saved_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE segment_snapshots (
                id INTEGER PRIMARY KEY,
                segment TEXT NOT NULL,
                taken_at INTEGER NOT NULL
            );
            CREATE INDEX segment_snapshots_by_segment ON segment_snapshots(segment, id);
            CREATE TABLE segment_snapshot_members (
                snapshot_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                PRIMARY KEY (snapshot_id, customer_id)
            ) WITHOUT ROWID;
            -- Entered / left events between snapshots, for campaigns to trigger on.
            CREATE TABLE segment_membership_changes (
                id INTEGER PRIMARY KEY,
                segment TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                change TEXT NOT NULL,
                at INTEGER NOT NULL
            );
            """
        ),
        (
            "v5-order-lines-by-sku",
            """
            -- bought(sku: …) finds the lines of one SKU without scanning every line.
            CREATE INDEX order_lines_by_sku ON order_lines(sku, order_id);
            """
        ),
        (
            "v6-customers-audiences",
            """
            -- Campaign audiences nearly always start from consent on one channel; these let a
            -- segment count seek to one consent state and read the order aggregates from the
            -- index alone instead of scanning every customer row.
            CREATE INDEX customers_email_audience
                ON customers(consent_email, order_count, last_order_at, revenue_minor);
            CREATE INDEX customers_sms_audience
                ON customers(consent_sms, order_count, last_order_at, revenue_minor);
            """
        ),
        (
            "v7-predictions",
            """
            -- The saved predictive fit (one row) and each customer's predictions from it, in the
            -- integer terms segments compare (scaled by 10^6; CLV in minor units).
            CREATE TABLE prediction_fit (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                fits TEXT NOT NULL,
                calibration_end TEXT NOT NULL,
                saved_at INTEGER NOT NULL
            );
            CREATE TABLE customer_predictions (
                customer_id INTEGER PRIMARY KEY,
                p_alive INTEGER NOT NULL,
                orders_52w INTEGER NOT NULL,
                clv_12m INTEGER
            );
            """
        ),
        (
            "v8-order-lines-placed-at",
            """
            -- bought(sku:, within:) reads only the SKU's lines inside the window: each line carries
            -- its order's time (kept equal to orders.placed_at by every write of the order).
            ALTER TABLE order_lines ADD COLUMN placed_at INTEGER;
            UPDATE order_lines SET placed_at = (SELECT o.placed_at FROM orders o WHERE o.id = order_lines.order_id);
            DROP INDEX order_lines_by_sku;
            CREATE INDEX order_lines_by_sku ON order_lines(sku, placed_at, order_id);
            """
        ),
        (
            "v9-api-keys",
            """
            -- Keys of the HTTP API: only a SHA-256 of each key is kept, with its scopes.
            CREATE TABLE api_keys (
                name TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            );
            """
        ),
        (
            "v10-audit-log",
            """
            -- Privacy requests and erasures (who asked, about whom, when); a data request keeps the
            -- document it produced so the operator can hand it over.
            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                actor TEXT NOT NULL,
                detail TEXT NOT NULL,
                document TEXT
            );
            -- Webhook deliveries of topics Patron does not act on: answered 200, kept for ops.
            CREATE TABLE ignored_deliveries (
                delivery_id TEXT PRIMARY KEY,
                topic TEXT NOT NULL,
                received_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """
        ),
        (
            "v11-mail",
            """
            -- Tickets from mail: priority, first response and resolution; every message on a
            -- ticket and the customer's timeline; how far each mailbox has been read.
            ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
            ALTER TABLE tickets ADD COLUMN first_response_at INTEGER;
            ALTER TABLE tickets ADD COLUMN resolved_at INTEGER;
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY,
                message_id TEXT NOT NULL UNIQUE,
                ticket_id INTEGER,
                customer_id INTEGER,
                direction TEXT NOT NULL,
                kind TEXT NOT NULL,
                sender TEXT,
                recipients TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                attachments TEXT NOT NULL,
                sent_at INTEGER NOT NULL
            );
            CREATE INDEX messages_by_ticket ON messages(ticket_id);
            CREATE INDEX messages_by_customer ON messages(customer_id, sent_at);
            CREATE TABLE mailboxes (
                key TEXT PRIMARY KEY,
                uid_validity INTEGER NOT NULL,
                last_uid INTEGER NOT NULL
            ) WITHOUT ROWID;
            """
        ),
        (
            "v12-campaigns",
            """
            -- Campaigns: flows (the flow file's text and whether it runs), runs of customers
            -- through flows (unique per trigger firing), the decision log that explains every
            -- message not sent, the outbox, the scheduler's lease, and replenishment due days.
            CREATE TABLE flows (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                source TEXT NOT NULL,
                path TEXT,
                status TEXT NOT NULL,
                activated_at INTEGER,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE flow_runs (
                id INTEGER PRIMARY KEY,
                flow_id TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                trigger_key TEXT NOT NULL,
                triggered_at INTEGER NOT NULL,
                context TEXT NOT NULL,
                holdout INTEGER NOT NULL,
                pc INTEGER NOT NULL,
                wake_at INTEGER NOT NULL,
                state TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (flow_id, customer_id, trigger_key)
            );
            CREATE INDEX flow_runs_due ON flow_runs(flow_id, wake_at) WHERE state = 'active';
            CREATE INDEX flow_runs_by_customer ON flow_runs(customer_id, flow_id, triggered_at);
            CREATE TABLE campaign_decisions (
                id INTEGER PRIMARY KEY,
                flow_id TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                trigger_key TEXT NOT NULL,
                step INTEGER NOT NULL,
                reason TEXT NOT NULL,
                detail TEXT NOT NULL,
                at INTEGER NOT NULL,
                UNIQUE (flow_id, customer_id, trigger_key, step, reason)
            );
            CREATE INDEX campaign_decisions_by_customer ON campaign_decisions(customer_id);
            CREATE INDEX campaign_decisions_by_flow ON campaign_decisions(flow_id, reason);
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                flow_id TEXT NOT NULL,
                step INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                channel TEXT NOT NULL,
                recipient TEXT NOT NULL,
                subject TEXT,
                body TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                planned_at INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                claimed_at INTEGER,
                sent_at INTEGER,
                delivered_at INTEGER,
                provider_id TEXT,
                provider_status TEXT,
                last_error TEXT,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'planned';
            CREATE INDEX outbox_sending ON outbox(claimed_at) WHERE status = 'sending';
            CREATE INDEX outbox_by_customer ON outbox(customer_id, planned_at);
            CREATE INDEX outbox_by_provider ON outbox(provider_id) WHERE provider_id IS NOT NULL;
            CREATE INDEX outbox_by_flow ON outbox(flow_id, status);
            -- A receipt that arrives before the send's outcome is recorded waits here.
            CREATE TABLE pending_receipts (
                provider_id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                error TEXT,
                at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE replenishment_due (
                customer_id INTEGER NOT NULL,
                sku TEXT NOT NULL,
                last_bought_at INTEGER NOT NULL,
                interval_days INTEGER NOT NULL,
                due_at INTEGER NOT NULL,
                PRIMARY KEY (customer_id, sku)
            ) WITHOUT ROWID;
            CREATE INDEX replenishment_due_at ON replenishment_due(due_at);
            """
        ),
        (
            "v13-open-consent",
            """
            -- Consent per channel, for any channel a connector registers: one JSON object per
            -- customer ({"email":{"status":"granted","at":…},…}, the current state) and a ledger
            -- of every statement (when, which source, what evidence). The per-channel columns
            -- and their audience indexes go; each channel stated gets an audience index on its
            -- status expression when its first statement is stored (see consentIndex(for:)).
            ALTER TABLE customers ADD COLUMN consent TEXT NOT NULL DEFAULT '{}';
            UPDATE customers SET consent = json_patch(
                CASE WHEN consent_email_at IS NOT NULL OR consent_email != 'unknown'
                  THEN json_object('email', json_object('status', consent_email, 'at', consent_email_at)) ELSE '{}' END,
                CASE WHEN consent_sms_at IS NOT NULL OR consent_sms != 'unknown'
                  THEN json_object('sms', json_object('status', consent_sms, 'at', consent_sms_at)) ELSE '{}' END)
              WHERE consent_email_at IS NOT NULL OR consent_email != 'unknown' OR consent_sms_at IS NOT NULL
                OR consent_sms != 'unknown';
            CREATE TABLE consent_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                customer_id INTEGER NOT NULL,
                channel TEXT NOT NULL,
                status TEXT NOT NULL,
                at INTEGER NOT NULL,
                source TEXT NOT NULL,
                evidence TEXT
            );
            CREATE INDEX consent_events_by_customer ON consent_events(customer_id, id);
            INSERT INTO consent_events(customer_id, channel, status, at, source, evidence)
              SELECT id, 'email', consent_email, consent_email_at, 'migration', 'the store before schema 13'
              FROM customers WHERE consent_email_at IS NOT NULL
              UNION ALL
              SELECT id, 'sms', consent_sms, consent_sms_at, 'migration', 'the store before schema 13'
              FROM customers WHERE consent_sms_at IS NOT NULL;
            DROP INDEX customers_email_audience;
            DROP INDEX customers_sms_audience;
            ALTER TABLE customers DROP COLUMN consent_email;
            ALTER TABLE customers DROP COLUMN consent_email_at;
            ALTER TABLE customers DROP COLUMN consent_sms;
            ALTER TABLE customers DROP COLUMN consent_sms_at;
            CREATE INDEX customers_consent_email
              ON customers(coalesce(json_extract(consent, '$.email.status'), 'unknown'), order_count, last_order_at, revenue_minor);
            CREATE INDEX customers_consent_sms
              ON customers(coalesce(json_extract(consent, '$.sms.status'), 'unknown'), order_count, last_order_at, revenue_minor);
            """
        ),
        (
            "v14-contact-points",
            """
            -- Addresses customers gave for channels that need their own (push subscriptions), as
            -- one JSON array per customer: [{"channel":"push","address":"…","added_at":…}, …].
            ALTER TABLE customers ADD COLUMN contact_points TEXT NOT NULL DEFAULT '[]';
            """
        ),
        (
            "v15-loyalty",
            """
            -- The points ledgers: entries are appended, never rewritten; what an entry draws from
            -- which awards is its allocations, a JSON array. The active rules file is in meta.
            CREATE TABLE loyalty_entries (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT NOT NULL UNIQUE,
                customer_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                points INTEGER NOT NULL,
                at INTEGER NOT NULL,
                available_at INTEGER NOT NULL,
                expires_at INTEGER,
                reason TEXT NOT NULL,
                actor TEXT,
                order_ref TEXT,
                unrecovered INTEGER NOT NULL DEFAULT 0,
                allocations TEXT NOT NULL DEFAULT '[]',
                -- What an award has left (NULL for other entries), kept as allocations are appended.
                remaining INTEGER
            );
            CREATE INDEX loyalty_entries_by_customer ON loyalty_entries(customer_id, id);
            CREATE INDEX loyalty_awards_by_expiry ON loyalty_entries(expires_at) WHERE remaining > 0;
            """
        ),
        (
            "v16-loyalty-tiers",
            """
            -- Each customer's tier as the last tier run left it, and every change it recorded.
            CREATE TABLE loyalty_tiers (
                customer_id INTEGER PRIMARY KEY,
                tier TEXT,
                since INTEGER NOT NULL
            );
            CREATE TABLE loyalty_tier_changes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                customer_id INTEGER NOT NULL,
                from_tier TEXT,
                to_tier TEXT,
                at INTEGER NOT NULL
            );
            CREATE INDEX loyalty_tier_changes_by_customer ON loyalty_tier_changes(customer_id, id);
            """
        ),
        (
            "v17-loyalty-tier-overrides",
            """
            -- A tier set by hand: who, why, from when until when (the last one per customer).
            CREATE TABLE loyalty_tier_overrides (
                customer_id INTEGER PRIMARY KEY,
                tier TEXT NOT NULL,
                from_at INTEGER NOT NULL,
                until_at INTEGER,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL
            );
            """
        ),
        (
            "v18-feedback",
            """
            -- Survey responses (NPS, CSAT, product reviews): one per key, replaced by a second answer.
            CREATE TABLE feedback_responses (
                key TEXT PRIMARY KEY,
                customer_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                score INTEGER NOT NULL,
                text TEXT,
                sku TEXT,
                order_ref TEXT,
                flow_id TEXT,
                message_id INTEGER,
                channel TEXT NOT NULL,
                answered_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX feedback_by_customer ON feedback_responses(customer_id, answered_at);
            CREATE INDEX feedback_by_kind ON feedback_responses(kind, answered_at);
            """
        ),
        (
            "v19-survey-messages",
            """
            -- What a survey message asks (nps, csat, review): replies to it can be answers.
            ALTER TABLE outbox ADD COLUMN survey TEXT;
            CREATE INDEX outbox_surveys ON outbox(survey, planned_at) WHERE survey IS NOT NULL;
            """
        ),
        (
            "v20-review-moderation",
            """
            -- Reviews wait for a moderator; those stored before moderation existed were published.
            ALTER TABLE feedback_responses ADD COLUMN moderation TEXT NOT NULL DEFAULT 'approved';
            -- How long a survey message takes answers, and the SKUs a review survey asks about.
            ALTER TABLE outbox ADD COLUMN survey_until INTEGER;
            ALTER TABLE outbox ADD COLUMN survey_skus TEXT;
            """
        ),
        (
            "v21-recommendation-model",
            """
            -- The learnt recommendation model, replaced whole by each rebuild: each SKU's closest
            -- SKUs, the best sellers, and what it was learnt from (one row).
            CREATE TABLE recommendation_neighbours (
                sku TEXT NOT NULL,
                rank INTEGER NOT NULL,
                neighbour TEXT NOT NULL,
                score REAL NOT NULL,
                together INTEGER NOT NULL,
                PRIMARY KEY (sku, rank)
            ) WITHOUT ROWID;
            CREATE TABLE recommendation_popular (
                rank INTEGER PRIMARY KEY,
                sku TEXT NOT NULL,
                score REAL NOT NULL,
                buyers INTEGER NOT NULL
            );
            CREATE TABLE recommendation_model (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                as_of INTEGER NOT NULL,
                built_at INTEGER NOT NULL,
                lines INTEGER NOT NULL,
                customers INTEGER NOT NULL,
                options TEXT NOT NULL
            );
            """
        ),
        (
            "v22-catalogue-and-views",
            """
            -- The shop's catalogue: one row per variant, by SKU; variants of a product share
            -- (source, product_ref). Prices in minor units of `currency`.
            CREATE TABLE products (
                sku TEXT PRIMARY KEY,
                source TEXT NOT NULL,
                product_ref TEXT NOT NULL,
                name TEXT NOT NULL,
                url TEXT,
                image_url TEXT,
                price_minor INTEGER,
                currency TEXT,
                category TEXT,
                in_stock INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX products_by_product ON products(source, product_ref);
            -- Product views: raw rows (pruned after the retention), a customer's totals per SKU
            -- (kept), and which customer each anonymous visitor turned out to be.
            CREATE TABLE product_views (
                id INTEGER PRIMARY KEY,
                customer_id INTEGER,
                visitor_id TEXT,
                sku TEXT NOT NULL,
                at INTEGER NOT NULL
            );
            CREATE INDEX product_views_by_customer ON product_views(customer_id, at) WHERE customer_id IS NOT NULL;
            CREATE INDEX product_views_by_visitor ON product_views(visitor_id) WHERE customer_id IS NULL;
            CREATE INDEX product_views_by_time ON product_views(at);
            CREATE TABLE product_view_totals (
                customer_id INTEGER NOT NULL,
                sku TEXT NOT NULL,
                views INTEGER NOT NULL,
                first_at INTEGER NOT NULL,
                last_at INTEGER NOT NULL,
                PRIMARY KEY (customer_id, sku)
            ) WITHOUT ROWID;
            CREATE TABLE visitors (
                visitor_id TEXT PRIMARY KEY,
                customer_id INTEGER NOT NULL,
                linked_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX visitors_by_customer ON visitors(customer_id);
            """
        ),
        (
            "v23-product-tombstones",
            """
            -- When each deleted product was deleted: a late update stamped before it changes nothing.
            CREATE TABLE product_tombstones (
                source TEXT NOT NULL,
                product_ref TEXT NOT NULL,
                deleted_at INTEGER NOT NULL,
                PRIMARY KEY (source, product_ref)
            ) WITHOUT ROWID;
            """
        ),
        (
            "v24-segment-moves-by-snapshot",
            """
            -- The moves saved with a snapshot (the dashboard's RFM page reads the newest's).
            CREATE INDEX segment_moves_by_snapshot ON segment_moves(snapshot_id);
            """
        ),
    ]

    /// The indexes that find trigger firings by time. They are built when the first flow is
    /// activated, not by a migration: kept during a bulk import of history (orders in no time
    /// order) they would cost a random B-tree write per order; live ingest, in time order, appends.
    static let campaignIndexes = """
        CREATE INDEX IF NOT EXISTS orders_by_placed_at ON orders(placed_at);
        CREATE INDEX IF NOT EXISTS carts_open_by_updated ON carts(updated_at) WHERE status = 'open';
        CREATE INDEX IF NOT EXISTS customers_by_created_at ON customers(created_at);
        CREATE INDEX IF NOT EXISTS customers_by_last_order ON customers(last_order_at);
        CREATE INDEX IF NOT EXISTS customers_by_birthday ON customers(substr(birthday, -5)) WHERE birthday IS NOT NULL;
        CREATE INDEX IF NOT EXISTS segment_moves_by_time ON segment_moves(moved_at);
        CREATE INDEX IF NOT EXISTS segment_changes_by_time ON segment_membership_changes(at);
        CREATE INDEX IF NOT EXISTS loyalty_tier_changes_by_time ON loyalty_tier_changes(at);
        CREATE INDEX IF NOT EXISTS tickets_closed_by_time ON tickets(resolved_at) WHERE status = 'closed';
        """

    /// The SQL a segment reads a channel's consent status by; the channel's audience index is on
    /// exactly this expression, so SQLite can seek by it.
    static func consentStatus(_ channel: ConsentChannel, table: String = "c") -> String {
        "coalesce(json_extract(\(table.isEmpty ? "" : table + ".")consent, '$.\(channel.rawValue).status'), 'unknown')"
    }

    /// The audience index of a channel: its consent status, then the order aggregates, so a
    /// campaign audience counts from the index alone. Channel names are `[a-z0-9_]`.
    static func consentIndex(for channel: ConsentChannel) -> String {
        """
        CREATE INDEX IF NOT EXISTS customers_consent_\(channel.rawValue)
          ON customers(\(consentStatus(channel, table: "")), order_count, last_order_at, revenue_minor)
        """
    }

    /// The RFM index as the schema defines it (built by a v2 store; owed after a load).
    static let rfmIndex =
        "CREATE INDEX customers_rfm ON customers(id, last_order_at, order_count, revenue_minor, primary_ref)"
    /// The channels whose audience indexes the open-consent migration made for every store
    /// (the old per-channel columns); others get theirs with their first consent statement.
    static let migratedAudienceChannels: [ConsentChannel] = ["email", "sms"]
    /// The SKU index of order lines as the schema defines it now.
    static let skuIndex = "CREATE INDEX order_lines_by_sku ON order_lines(sku, placed_at, order_id)"

    /// The schema version this build writes.
    static var version: Int32 { Int32(migrations.count) }
}
