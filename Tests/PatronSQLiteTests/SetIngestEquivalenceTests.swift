import Foundation
import PatronCore
import PatronSQLite
import Testing

/// The set-based ingest path (look-ahead per chunk, orders written together, customers once
/// per batch) must leave exactly the store that applying one event at a time leaves: random
/// streams with merges by email and phone, erasures, refunds, cancellations, out-of-order and
/// stale updates, replays and unknown customers, split into batches at random places, through
/// both stores, compared whole.
@Suite struct SetIngestEquivalenceTests {
    init() { TestChannels.register() }

    /// A seeded stream of valid events (every refund and cancellation names an order placed
    /// earlier; refunds never exceed what any later total can be).
    static func stream(seed: UInt64, count: Int) -> [IngestEvent] {
        var random = SeededRandom(seed: seed)
        let people = 30
        let base: Int64 = 1_700_000_000
        var events: [IngestEvent] = []
        var orders: [(source: String, ref: String, total: Int64, refunded: Int64, customer: CustomerIdentity)] = []
        var carts: [(ref: String, customer: CustomerIdentity)] = []
        var next = 0
        func email(_ person: Int) -> String { "p\(person)@example.com" }
        func phone(_ person: Int) -> String { "+447700900\(String(format: "%03d", person))" }
        func ref(_ person: Int) -> CustomerIdentity {
            CustomerIdentity(refs: [ExternalRef(source: "", id: "c\(person)")])
        }
        func someone() -> CustomerIdentity {
            let person = Int.random(in: 0..<people, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return CustomerIdentity(email: email(person).uppercased())
            case 1: return CustomerIdentity(phone: phone(person))
            case 2:
                // Names another person's email: the two are one (a merge), sometimes.
                let other = Int.random(in: 0..<people, using: &random)
                return CustomerIdentity(refs: ref(person).refs, email: email(other))
            case 3: return CustomerIdentity(email: "new\(Int.random(in: 0..<1000, using: &random))@example.com")
            default: return ref(person)
            }
        }
        func add(_ source: String, _ kind: IngestEvent.Kind) {
            next += 1
            let at = base + Int64.random(in: 0..<86_400 * 30, using: &random)  // out of order
            events.append(IngestEvent(id: "e\(next)", source: source, occurredAt: at, kind: kind))
        }
        func lines() -> [OrderLine] {
            (0..<Int.random(in: 1...3, using: &random)).map {
                OrderLine(
                    sku: "SKU-\($0)-\(Int.random(in: 0..<5, using: &random))",
                    quantity: Int.random(in: 1...3, using: &random),
                    unitPriceMinor: Int64.random(in: 100...5_000, using: &random))
            }
        }
        while events.count < count {
            let roll = Int.random(in: 0..<100, using: &random)
            switch roll {
            case 0..<12:
                let person = Int.random(in: 0..<people, using: &random)
                // Sometimes a second ref from another system, or a phone that is someone else's
                // (the profile's phone changes, or two people turn out to be one).
                let crm =
                    Int.random(in: 0..<4, using: &random) == 0 ? [ExternalRef(source: "crm", id: "x\(person)")] : []
                let phoneOf =
                    Int.random(in: 0..<6, using: &random) == 0 ? Int.random(in: 0..<people, using: &random) : person
                let identity = CustomerIdentity(
                    refs: ref(person).refs + crm, email: Bool.random(using: &random) ? email(person) : nil,
                    phone: Bool.random(using: &random) ? phone(phoneOf) : nil)
                add(
                    "shop",
                    .customerUpserted(
                        CustomerUpsert(
                            identity: identity, firstName: "F\(Int.random(in: 0..<9, using: &random))",
                            tags: Bool.random(using: &random) ? ["vip"] : nil)))
            case 12..<55:
                let source = roll < 50 ? "shop" : "pos"
                let items = lines()
                let total = items.reduce(0) { $0 + $1.unitPriceMinor * Int64($1.quantity) }
                let customer = someone()
                let orderRef = "o\(orders.count)"
                let cart = carts.isEmpty || roll % 3 != 0 ? nil : carts.randomElement(using: &random)
                add(
                    source,
                    .orderPlaced(
                        OrderData(
                            ref: orderRef, customer: cart?.customer ?? customer,
                            placedAt: base + Int64.random(in: 0..<86_400 * 30, using: &random), currency: .usd,
                            totalMinor: total, lines: items, cartRef: source == "shop" ? cart?.ref : nil)))
                orders.append((source, orderRef, total, 0, cart?.customer ?? customer))
            case 55..<65 where !orders.isEmpty:
                // Placed again or updated: a new total no lower than the first, maybe stale.
                let index = Int.random(in: 0..<orders.count, using: &random)
                let order = orders[index]
                let data = OrderData(
                    ref: order.ref, customer: order.customer,
                    placedAt: base + Int64.random(in: 0..<86_400, using: &random),
                    currency: .usd, totalMinor: order.total + Int64.random(in: 0...500, using: &random), lines: lines())
                add(order.source, Bool.random(using: &random) ? .orderUpdated(data) : .orderPlaced(data))
            case 65..<70 where !orders.isEmpty:
                let order = orders.randomElement(using: &random)!
                add(order.source, .orderCancelled(orderRef: order.ref))
            case 70..<76 where !orders.isEmpty:
                let index = Int.random(in: 0..<orders.count, using: &random)
                let amount = orders[index].total / 4
                guard amount > 0, orders[index].refunded + amount <= orders[index].total / 2 else { continue }
                orders[index].refunded += amount
                add(
                    orders[index].source,
                    .orderRefunded(RefundData(orderRef: orders[index].ref, amountMinor: amount, currency: .usd)))
            case 76..<84:
                let customer = someone()
                let cartRef = "k\(carts.count)"
                carts.append((cartRef, customer))
                let items = lines()
                add(
                    "shop",
                    .cartUpdated(
                        CartData(
                            ref: cartRef, customer: customer, currency: .usd,
                            valueMinor: items.reduce(0) { $0 + $1.unitPriceMinor * Int64($1.quantity) }, lines: items)))
            case 84..<89:
                add(
                    "shop",
                    .ticketUpdated(
                        TicketData(
                            ref: "t\(Int.random(in: 0..<20, using: &random))", customer: someone(), subject: "Help",
                            status: [.open, .pending, .closed].randomElement(using: &random)!)))
            case 89..<93:
                add(
                    "shop",
                    .consentChanged(
                        ConsentChange(
                            customer: someone(), channel: .email,
                            status: [.granted, .revoked, .unsubscribed].randomElement(using: &random)!)))
            case 93..<95:
                add("shop", .customerErased(someone()))
            case 95..<100 where !events.isEmpty:
                events.append(events.randomElement(using: &random)!)  // a replay: same id, same event
            default:
                continue
            }
        }
        return events
    }

    /// The whole store, as text: every customer id the stream could have made, with its
    /// profile, refs, orders and lines, carts, tickets and consent ledger.
    static func dump<S: Store>(_ store: S, customers: Int) throws -> [String] {
        try store.read { t in
            var lines: [String] = []
            for raw in 1...max(1, Int64(customers)) {
                let id = CustomerID(rawValue: raw)
                guard let c = try t.customer(id) else {
                    lines.append("\(raw): gone")
                    continue
                }
                lines.append(
                    "\(raw): \(c.primaryRef?.description ?? "-") \(c.email ?? "-") \(c.phone ?? "-") \(c.firstName ?? "-") "
                        + "\(c.tags) \(c.consent) \(c.aggregates) \(c.createdAt) \(c.erasedAt ?? 0) "
                        + "refs=\(try t.refs(of: id).map(\.description).sorted())")
                for order in try t.orders(of: id).sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
                    lines.append("  \(order)")
                }
                for cart in try t.carts(of: id).sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
                    lines.append("  \(cart)")
                }
                for ticket in try t.tickets(of: id).sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
                    lines.append("  \(ticket)")
                }
                for statement in try t.consentHistory(of: id) { lines.append("  \(statement)") }
            }
            return lines
        }
    }

    /// Whether every id is recorded as applied (checked in a transaction that is rolled back).
    static func appliedIDs<S: Store>(_ store: S, _ events: [IngestEvent]) throws -> [Bool] {
        do {
            try store.write { t -> Void in
                throw Rollback(seen: try t.markApplied(events.map { $0.source + ":" + $0.id }).map { !$0 })
            }
        } catch let rollback as Rollback {
            return rollback.seen
        }
        return []
    }

    struct Rollback: Error { var seen: [Bool] }

    /// Splits `events` into batches at random places (seeded).
    static func batches(_ events: [IngestEvent], seed: UInt64, largest: Int) -> [[IngestEvent]] {
        var random = SeededRandom(seed: seed &+ 99)
        var result: [[IngestEvent]] = []
        var start = 0
        while start < events.count {
            let end = min(events.count, start + Int.random(in: 1...largest, using: &random))
            result.append(Array(events[start..<end]))
            start = end
        }
        return result
    }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func batchesLeaveTheStoreOneEventAtATimeLeaves(seed: UInt64) throws {
        // Some streams are longer than the ingestor's chunk (1,024), so that what a chunk learnt
        // (absent refs, contacts, cached and dirty customers) carries into the next.
        let events = Self.stream(seed: seed, count: seed <= 3 ? 2_600 : 700)
        let reference = InMemoryStore()
        var oneByOne = Ingestor(store: reference)
        oneByOne.setBased = false
        var expected = IngestReport()
        for event in events { expected = expected + (try oneByOne.ingest([event])) }
        let people = expected.customersCreated
        let want = try Self.dump(reference, customers: people)
        #expect(expected.customersMerged > 0 && expected.ordersUpdated > 0 && expected.duplicates > 0)

        // Small batches, large ones (several chunks in one transaction), one batch: both stores.
        for (largest, label) in [(37, "small"), (2_500, "whole")] {
            let memory = InMemoryStore()
            let sqlite = try SQLiteStore()
            var reports = (IngestReport(), IngestReport())
            for batch in Self.batches(events, seed: seed, largest: largest) {
                reports.0 = reports.0 + (try Ingestor(store: memory).ingest(batch))
                reports.1 = reports.1 + (try Ingestor(store: sqlite).ingest(batch))
            }
            #expect(reports.0 == expected && reports.1 == expected, "\(label)")
            let gotMemory = try Self.dump(memory, customers: people)
            let gotSQLite = try Self.dump(sqlite, customers: people)
            for (name, got) in [("memory", gotMemory), ("sqlite", gotSQLite)] {
                let first = zip(want, got).first { $0 != $1 }
                #expect(
                    got == want,
                    "\(name), \(label) batches: first difference \(first.map { "\($0.0)\n  vs \($0.1)" } ?? "in length")"
                )
            }
            #expect(try Self.appliedIDs(sqlite, events).allSatisfy { $0 })
            #expect(try Self.appliedIDs(memory, events).allSatisfy { $0 })
        }

        // The webhook coalescer's path: groups in one transaction, each with its own report.
        let grouped = try SQLiteStore()
        var groupReports = IngestReport()
        for batch in Self.batches(events, seed: seed &+ 7, largest: 300) {
            let groups = Self.batches(batch, seed: seed &+ UInt64(batch.count), largest: 9)
            let reports = try Ingestor(store: grouped).ingest(groups: groups)
            #expect(reports.count == groups.count)
            groupReports = reports.reduce(groupReports, +)
        }
        #expect(groupReports == expected)
        #expect(try Self.dump(grouped, customers: people) == want)
    }

    /// A batch that fails part-way (a refund above the order's total, after hundreds of events
    /// the look-ahead read and orders it kept back) leaves the store exactly as before it, and
    /// the same batch without the bad event then applies as one event at a time would.
    @Test func aFailingBatchLeavesNothingBehind() throws {
        let events = Self.stream(seed: 42, count: 1_500)
        let head = Array(events.prefix(400))
        let tail = Array(events.dropFirst(400))
        let sqlite = try SQLiteStore()
        try Ingestor(store: sqlite).ingest(head)
        let customers = 2_000
        let before = try Self.dump(sqlite, customers: customers)
        let order = try #require(
            tail.compactMap { event -> String? in
                if case .orderPlaced(let data) = event.kind, event.source == "shop" { return data.ref }
                return nil
            }.first)
        let bad = IngestEvent(
            id: "bad", source: "shop", occurredAt: 1_700_000_000,
            kind: .orderRefunded(RefundData(orderRef: order, amountMinor: 1_000_000_000, currency: .usd)))
        var poisoned = tail
        poisoned.insert(bad, at: 900)
        #expect(throws: PatronError.self) { try Ingestor(store: sqlite).ingest(poisoned) }
        #expect(try Self.dump(sqlite, customers: customers) == before)
        // None of the batch's own events is recorded as applied (replays of the head's are).
        var seen = Set(head.map(\.id))
        let own = tail.filter { seen.insert($0.id).inserted }
        #expect(try Self.appliedIDs(sqlite, own).allSatisfy { !$0 })

        try Ingestor(store: sqlite).ingest(tail)
        let reference = InMemoryStore()
        var oneByOne = Ingestor(store: reference)
        oneByOne.setBased = false
        for event in events { try oneByOne.ingest([event]) }
        #expect(try Self.dump(sqlite, customers: customers) == (try Self.dump(reference, customers: customers)))
    }
}
