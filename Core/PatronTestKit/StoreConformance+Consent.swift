import Foundation
import PatronCore

extension StoreConformance {
    /// Consent on a channel no store was written for: every statement kept in the ledger (a
    /// late one too, which does not change the current state), with source and evidence; the
    /// current state and `consent.<channel>` in segments; a merge moves the ledger, an erasure
    /// removes it.
    static func consentLedger<S: Store & SegmentRepository>(_ store: S) throws {
        let rule = "consent ledger"
        let channel = kitMail.channel
        func statement(_ id: String, _ who: CustomerIdentity, _ status: ConsentStatus, day: Int, evidence: String?)
            -> IngestEvent
        {
            IngestEvent(
                id: id, source: "shop", occurredAt: at(day),
                kind: .consentChanged(
                    ConsentChange(customer: who, channel: channel, status: status, evidence: evidence)))
        }
        try Ingestor(store: store).ingest([
            statement("c1", who("a", email: "a@x.com"), .granted, day: 1, evidence: "signup form"),
            statement("c2", who("a"), .revoked, day: 5, evidence: nil),
            // Arrives late: kept in the ledger, the current state stays revoked.
            statement("c3", who("a"), .granted, day: 3, evidence: "checkout box"),
            statement("c4", who("b", email: "b@x.com"), .granted, day: 2, evidence: nil),
        ])
        let (a, b) = try store.read { t in (try t.customerID(email: "a@x.com")!, try t.customerID(email: "b@x.com")!) }
        let history = try store.read { try $0.consentHistory(of: a) }
        try require(
            history
                == [
                    ConsentStatement(
                        channel: channel, status: .granted, at: at(1), source: "shop", evidence: "signup form"),
                    ConsentStatement(
                        channel: channel, status: .revoked, at: at(5), source: "shop", evidence: "event c2"),
                    ConsentStatement(
                        channel: channel, status: .granted, at: at(3), source: "shop", evidence: "checkout box"),
                ], rule, "the ledger in the order recorded: \(history)")
        let current = try store.read { try $0.customer(a)?.consent[channel] }
        try require(
            current == ConsentEntry(status: .revoked, at: at(5)), rule,
            "the current state: \(String(describing: current))")
        let granted = try store.members(try SegmentParser.parse(#"consent.kit_mail = "granted""#), now: at(9))
        let revoked = try store.members(try SegmentParser.parse(#"consent.kit_mail = "revoked""#), now: at(9))
        try require(granted == [b] && revoked == [a], rule, "segments: granted \(granted), revoked \(revoked)")
        // b turns out to be a: the ledgers join.
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "m1", source: "shop", occurredAt: at(6),
                kind: .customerUpserted(
                    CustomerUpsert(
                        identity: CustomerIdentity(refs: [ExternalRef(source: "", id: "b")], email: "a@x.com"))))
        ])
        let survivor = try store.read { try $0.customerID(email: "a@x.com")! }
        let merged = try store.read { try $0.consentHistory(of: survivor) }
        try require(merged.count == 4, rule, "a merge moves the ledger: \(merged.count) statements")
        try Ingestor(store: store).ingest([
            IngestEvent(id: "e1", source: "shop", occurredAt: at(7), kind: .customerErased(who("a")))
        ])
        try require(
            try store.read { try $0.consentHistory(of: survivor) }.isEmpty, rule, "an erasure removes the ledger")
    }

    /// Contact points (as push subscriptions): kept with the customer, the newest last; giving
    /// one is an opt-in, taking the last one back makes consent `unsubscribed`; erasure forgets
    /// them.
    static func contactPoints<S: Store>(_ store: S) throws {
        let rule = "contact points"
        let channel = kitPoint.channel
        func change(_ id: String, _ address: String, added: Bool, day: Int) -> IngestEvent {
            IngestEvent(
                id: id, source: "shop", occurredAt: at(day),
                kind: .contactPointChanged(
                    ContactPointChange(
                        customer: who("a", email: "a@x.com"), channel: channel, address: address, added: added)))
        }
        try Ingestor(store: store).ingest([change("p1", #"{"endpoint":"one"}"#, added: true, day: 1)])
        try Ingestor(store: store).ingest([change("p2", #"{"endpoint":"two"}"#, added: true, day: 2)])
        let id = try store.read { try $0.customerID(email: "a@x.com")! }
        var customer = try store.read { try $0.customer(id)! }
        try require(
            customer.contactPoints.map(\.address) == [#"{"endpoint":"one"}"#, #"{"endpoint":"two"}"#]
                && customer.contactPoint(for: channel)?.addedAt == at(2), rule,
            "both kept, newest last: \(customer.contactPoints)")
        try require(customer.consent[channel].status == .granted, rule, "subscribing is an opt-in")
        try Ingestor(store: store).ingest([change("p3", #"{"endpoint":"two"}"#, added: false, day: 3)])
        customer = try store.read { try $0.customer(id)! }
        try require(
            customer.contactPoints.map(\.address) == [#"{"endpoint":"one"}"#]
                && customer.consent[channel].status == .granted, rule, "one taken back, one left")
        try Ingestor(store: store).ingest([change("p4", #"{"endpoint":"one"}"#, added: false, day: 4)])
        customer = try store.read { try $0.customer(id)! }
        try require(
            customer.contactPoints.isEmpty
                && customer.consent[channel] == ConsentEntry(status: .unsubscribed, at: at(4)),
            rule, "the last taken back: \(customer.consent[channel])")
        try Ingestor(store: store).ingest([
            change("p5", #"{"endpoint":"three"}"#, added: true, day: 5),
            IngestEvent(id: "e1", source: "shop", occurredAt: at(6), kind: .customerErased(who("a"))),
        ])
        customer = try store.read { try $0.customer(id)! }
        try require(customer.contactPoints.isEmpty, rule, "an erasure forgets the contact points")
    }
}
