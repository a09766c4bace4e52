import Foundation
import PatronCore

extension StoreConformance {
    /// Product views: anonymous views become a customer's when the visitor is linked, and count
    /// in the customer's totals; a withdrawn visitor's anonymous views go; pruning keeps totals;
    /// a merge moves views, totals (summed) and links; erasure removes them; the tracker keeps
    /// no view without consent, a call sent twice once, and stitches on identification.
    static func views<S: Store>(_ store: S) throws {
        let rule = "views"
        try Ingestor(store: store).ingest([
            order("v1", who("va", email: "va@x.com"), day: 1, total: 100),
            order("v2", who("vb", email: "vb@x.com"), day: 1, total: 100),
        ])
        let (a, b) = try store.read { t in (try t.customerID(email: "va@x.com")!, try t.customerID(email: "vb@x.com")!)
        }
        try store.write { t in
            try t.recordViews([
                ProductView(customerID: nil, visitorID: "w1", sku: "MUG", at: at(2)),
                ProductView(customerID: a, visitorID: nil, sku: "TEA", at: at(2, 40_000)),
                ProductView(customerID: nil, visitorID: "w1", sku: "MUG", at: at(3)),
                ProductView(customerID: nil, visitorID: "w2", sku: "POT", at: at(3)),
            ])
        }
        let (unlinked, before) = try store.read { t in (try t.visitorCustomers(["w1", "w2"]), try t.viewTotals(of: a)) }
        try require(
            unlinked.isEmpty
                && before == [ViewTotal(sku: "TEA", views: 1, firstAt: at(2, 40_000), lastAt: at(2, 40_000))],
            rule, "before linking: \(unlinked), \(before)")
        let given = try store.write { t in try t.linkVisitor("w1", to: a, at: at(4)) }
        let (links, views, totals) = try store.read { t in
            (try t.visitorCustomers(["w1", "w2"]), try t.views(of: a), try t.viewTotals(of: a))
        }
        try require(
            given == 2 && links == ["w1": a] && views.map(\.sku) == ["MUG", "TEA", "MUG"]
                && views.map(\.at) == [at(2), at(2, 40_000), at(3)], rule,
            "linked: \(given) given, \(links), \(views)")
        try require(
            totals == [
                ViewTotal(sku: "MUG", views: 2, firstAt: at(2), lastAt: at(3)),
                ViewTotal(sku: "TEA", views: 1, firstAt: at(2, 40_000), lastAt: at(2, 40_000)),
            ], rule, "totals after linking: \(totals)")
        let forgotten = try store.write { t in try t.forgetVisitor("w2") }
        try require(forgotten == 1, rule, "forgetting w2 removed \(forgotten) views")
        // Pruning removes raw views, never totals.
        let pruned = try store.write { t in try t.pruneViews(before: at(3)) }
        let (left, kept) = try store.read { t in (try t.views(of: a), try t.viewTotals(of: a)) }
        try require(
            pruned == 2 && left.map(\.at) == [at(3)] && kept == totals, rule,
            "pruned \(pruned): left \(left), totals \(kept)")

        // A merge moves views, totals (summed) and links to the survivor.
        try store.write { t in
            try t.recordViews([ProductView(customerID: b, visitorID: "w3", sku: "MUG", at: at(5))])
            _ = try t.linkVisitor("w3", to: b, at: at(5))
        }
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "v-merge", source: "shop", occurredAt: at(6),
                kind: .customerUpserted(CustomerUpsert(identity: who("va", email: "vb@x.com"))))
        ])
        let survivor = try store.read { try $0.customerID(email: "va@x.com") ?? $0.customerID(email: "vb@x.com")! }
        let loser = survivor == a ? b : a
        let (merged, mergedTotals, mergedLinks, loserViews) = try store.read { t in
            (
                try t.views(of: survivor), try t.viewTotals(of: survivor), try t.visitorCustomers(["w1", "w3"]),
                try t.views(of: loser)
            )
        }
        try require(
            merged.map(\.sku) == ["MUG", "MUG"] && loserViews.isEmpty
                && mergedTotals.first { $0.sku == "MUG" }
                    == ViewTotal(sku: "MUG", views: 3, firstAt: at(2), lastAt: at(5))
                && mergedLinks == ["w1": survivor, "w3": survivor], rule,
            "after a merge: \(merged), \(mergedTotals), \(mergedLinks)")
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "v-erase", source: "shop", occurredAt: at(7), kind: .customerErased(who("va")))
        ])
        let (erased, erasedTotals, erasedLinks) = try store.read { t in
            (try t.views(of: survivor), try t.viewTotals(of: survivor), try t.visitorCustomers(["w1", "w3"]))
        }
        try require(
            erased.isEmpty && erasedTotals.isEmpty && erasedLinks.isEmpty, rule,
            "after erasure: \(erased), \(erasedTotals), \(erasedLinks)")

        // The tracker: consent, duplicates, stitching on identification.
        let report = try ViewTracker.track(
            store,
            [
                .view(TrackedView(visitorID: "t1", sku: "CUP", at: at(8), messageID: "m1", consent: true)),
                .view(TrackedView(visitorID: "t1", sku: "CUP", at: at(8), messageID: "m1", consent: true)),
                .view(TrackedView(visitorID: "t2", sku: "CUP", at: at(8), messageID: "m2", consent: false)),
                .identify(
                    TrackedIdentity(
                        visitorID: "t1", customer: .identity(CustomerIdentity(email: "new@x.com")), at: at(8, 39_000))),
                .view(TrackedView(visitorID: "t1", sku: "SAUCER", at: at(8, 40_000), consent: true)),
            ], source: "web")
        let newcomer = try store.read { try $0.customerID(email: "new@x.com") }
        let stitched = try newcomer.map { id in try store.read { try $0.views(of: id) } } ?? []
        try require(
            report.kept == 2 && report.duplicates == 1 && report.withoutConsent == 1 && report.identified == 1
                && report.stitched == 1 && stitched.map(\.sku) == ["CUP", "SAUCER"], rule,
            "tracked: \(report), the identified visitor's views \(stitched)")
    }
}

extension StoreConformance {
    /// What views drive: `viewed(…)` segments select who looked at what, how often, how
    /// recently (as the in-memory evaluator does), and the `product_viewed` trigger fires at the
    /// view that makes the count, once, with its SKU.
    static func browsing<S: Store & SegmentRepository & CampaignStore>(_ store: S) throws {
        let rule = "browsing"
        try Ingestor(store: store).ingest([
            order("b1", who("ba", email: "ba@x.com"), day: 1, total: 100),
            order("b2", who("bb", email: "bb@x.com"), day: 1, total: 100),
        ])
        let (a, b) = try store.read { t in (try t.customerID(email: "ba@x.com")!, try t.customerID(email: "bb@x.com")!)
        }
        try store.write { t in
            try t.recordViews([
                ProductView(customerID: a, visitorID: nil, sku: "MUG", at: at(5)),
                ProductView(customerID: a, visitorID: nil, sku: "MUG", at: at(5, 50_000)),
                ProductView(customerID: a, visitorID: nil, sku: "MUG", at: at(5, 60_000)),
                ProductView(customerID: b, visitorID: nil, sku: "MUG", at: at(2)),
                ProductView(customerID: b, visitorID: nil, sku: "MUG", at: at(5)),
                ProductView(customerID: b, visitorID: nil, sku: "TEA", at: at(6)),
                ProductView(customerID: nil, visitorID: "anon", sku: "MUG", at: at(6)),
            ])
        }
        let now = at(7)
        for (source, expected) in [
            (#"viewed(sku: "MUG", count >= 3)"#, [a]), (#"viewed(sku: "MUG", within: 3 days, count >= 2)"#, [a]),
            (#"viewed(sku: "MUG", count >= 2)"#, [a, b]), (#"viewed(within: 36 hours)"#, [b]),
            (#"viewed(sku: "TEA")"#, [b]), (#"not viewed(sku: "POT")"#, [a, b]),
        ] {
            let expression = try SegmentParser.parse(source)
            let members = try store.members(expression, now: now).filter { $0 == a || $0 == b }.sorted()
            try require(members == expected.sorted(), rule, "\(source): \(members) instead of \(expected)")
        }
        let fired = try store.triggerInstances(
            of: .productViewed(count: 2, withinSeconds: 86_400), flowID: "browse", from: at(1), through: now)
        let expected = [
            FlowTriggerInstance(
                customerID: a, key: "viewed:MUG@\(at(5, 50_000))", at: at(5, 50_000),
                context: EnrollmentContext(sku: "MUG"))
        ]
        try require(fired == expected, rule, "product_viewed fired \(fired) instead of \(expected)")
    }
}
