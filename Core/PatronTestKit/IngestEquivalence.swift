import Foundation
import PatronCore

/// Tools for proving that two ways of ingesting agree (a store's batch path and one event at a
/// time, two stores, two back ends): seeded random streams of valid events, batches cut at
/// random places, and a whole store written out as comparable text.
///
/// ```swift
/// let events = IngestEquivalence.stream(seed: 7, count: 700)
/// // ingest into a reference and into the store under test, then:
/// #expect(try IngestEquivalence.dump(mine, customers: n) == IngestEquivalence.dump(reference, customers: n))
/// ```
public enum IngestEquivalence {
    /// A seeded stream of valid events (every refund and cancellation names an order placed
    /// earlier; refunds never exceed what any later total can be).
    public static func stream(seed: UInt64, count: Int) -> [IngestEvent] {
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
                // A new cart, or a later (or stale) state of one: emptied, or now someone else's.
                let customer = someone()
                let cartRef: String
                if !carts.isEmpty, roll % 2 == 0 {
                    let index = Int.random(in: 0..<carts.count, using: &random)
                    cartRef = carts[index].ref
                    carts[index].customer = customer
                } else {
                    cartRef = "k\(carts.count)"
                    carts.append((cartRef, customer))
                }
                let items = lines()
                add(
                    "shop",
                    .cartUpdated(
                        CartData(
                            ref: cartRef, customer: customer, currency: .usd,
                            valueMinor: items.reduce(0) { $0 + $1.unitPriceMinor * Int64($1.quantity) }, lines: items,
                            status: Int.random(in: 0..<4, using: &random) == 0 ? .deleted : .open)))
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
    public static func dump<S: Store>(_ store: S, customers: Int) throws -> [String] {
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
    public static func appliedIDs<S: Store>(_ store: S, _ events: [IngestEvent]) throws -> [Bool] {
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
    public static func batches(_ events: [IngestEvent], seed: UInt64, largest: Int) -> [[IngestEvent]] {
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

    /// The events applied one at a time to the in-memory reference: the summed report and the
    /// whole store's dump (every customer id the stream created).
    public static func reference(_ events: [IngestEvent]) throws -> (report: IngestReport, dump: [String]) {
        let reference = InMemoryStore()
        var oneByOne = Ingestor(store: reference)
        oneByOne.setBased = false
        var report = IngestReport()
        for event in events { report = report + (try oneByOne.ingest([event])) }
        return (report, try dump(reference, customers: report.customersCreated))
    }
}
