import Foundation
import PatronCore

extension StoreConformance {
    /// The set-shaped writes keep the one-row rules: more rows than one statement takes are all
    /// written; a multi-row insert that fails part-way (an order already stored among new ones)
    /// leaves nothing of its transaction; a ref attached twice in one call ends with the last
    /// customer named; aggregates written alone read back; a customer sheet agrees with its parts; consent
    /// statements keep their order.
    static func setWrites<S: Store>(_ store: S) throws {
        let rule = "set writes"
        // A customer without refs, in a store without a currency: an empty sheet, not an error.
        let bare = try store.write { t in try t.insertCustomer(CustomerRecord(id: CustomerID(0), createdAt: at(0))) }
        let bareSheet = try store.quickRead { try $0.customerSheet(bare) }
        try require(
            bareSheet?.refs == [] && bareSheet?.currency == nil && bareSheet?.customer.id == bare, rule,
            "the sheet of a customer without refs: \(String(describing: bareSheet))")
        try Ingestor(store: store).ingest([
            order("1", who("a"), day: 1, total: 1000), order("2", who("b"), day: 2, total: 500),
        ])
        let shop = { (id: String) in ExternalRef(source: "shop", id: id) }
        let (a, b) = try store.read { t in (try t.customerID(ref: shop("a")), try t.customerID(ref: shop("b"))) }
        guard let a, let b else { throw ConformanceFailure(rule: rule, detail: "the customers were not stored") }
        func newOrder(_ ref: String, _ day: Int, lines: Int = 1) -> OrderRecord {
            OrderRecord(
                id: OrderID(0), ref: shop(ref), customerID: a, placedAt: at(day), currency: .usd, totalMinor: 100,
                lines: (0..<lines).map { OrderLine(sku: "TEA\($0)", quantity: $0 + 1, unitPriceMinor: 100) },
                updatedAt: at(day))
        }
        // 300 new orders (none to three lines each), then one already stored: the whole
        // transaction fails.
        let many = (0..<300).map { newOrder("n\($0)", 3, lines: $0 % 4) }
        var failed = false
        do { try store.write { t in try t.insertNewOrders(many + [newOrder("1", 3)]) } } catch { failed = true }
        try require(failed, rule, "an order already stored was inserted as new")
        try require(
            try store.read { try $0.order(ref: shop("n0")) } == nil, rule,
            "a failed multi-row insert left the orders before the failing one")
        try store.write { t in try t.insertNewOrders(many) }
        try require(
            try store.read { try $0.storedOrderRefs(many.map(\.ref)) }.count == many.count, rule,
            "not every order of a large set was written")
        // Each order with its own lines (an order without lines too), ids in the order given.
        let stored = try store.read { t in try [0, 1, 2, 3, 298, 299].map { try t.order(ref: many[$0].ref) } }
        for (index, order) in zip([0, 1, 2, 3, 298, 299], stored) {
            try require(
                order?.lines == many[index].lines, rule,
                "order \(index) of a set came back with lines \(String(describing: order?.lines))")
        }
        let ids = stored.compactMap { $0?.id.rawValue }
        try require(ids.count == 6 && ids == ids.sorted(), rule, "a set's order ids do not follow its order: \(ids)")
        // A ref named twice: the last customer named holds it.
        let moved = ExternalRef(source: "crm", id: "x")
        try store.write { t in try t.attach([(moved, a), (shop("z"), b), (moved, b)]) }
        try require(
            try store.read { try $0.customerID(ref: moved) } == b, rule, "a ref attached twice kept the first customer")
        // Aggregates written as aggregates read back as given, the rest of the record untouched.
        var changed = try store.read { try $0.customers([a, b]) }.values.sorted { $0.id < $1.id }
        for index in changed.indices {
            changed[index].aggregates.orderCount += 7
            changed[index].aggregates.revenueMinor += 12_345
            changed[index].aggregates.lastOrderAt = at(9)
            changed[index].aggregates.firstOrderAt = at(0)
            changed[index].aggregates.openCartCount = 2
            changed[index].aggregates.openCartValueMinor = 990
            changed[index].aggregates.lastCartActivityAt = at(8)
            changed[index].aggregates.openTicketCount = 1
            changed[index].aggregates.lastTicketAt = at(7)
        }
        try store.write { t in try t.updateCustomerAggregates(changed) }
        try require(
            try store.read { try $0.customers([a, b]) }.values.sorted { $0.id < $1.id } == changed, rule,
            "customers written as aggregates do not read back as written")
        // A customer's sheet is its record, refs and the currency, read in one go.
        let sheet = try store.read { try $0.customerSheet(b) }
        let parts = try store.read { t in (try t.customer(b), try t.refs(of: b), try t.reportingCurrency()) }
        try require(
            parts.0 != nil && parts.1.count == 3
                && sheet == CustomerSheet(customer: parts.0!, refs: parts.1, currency: parts.2), rule,
            "the customer sheet differs from its parts: \(String(describing: sheet))")
        try require(
            try store.quickRead { try $0.customerSheet(b) } == sheet, rule,
            "a quick read's sheet differs from a read's")
        try require(
            try store.quickRead { try $0.customerSheet(CustomerID(9_999_999)) } == nil, rule,
            "a sheet for a customer that does not exist")
        // Consent statements in the order given, more than one statement's worth.
        let statements = (0..<200).map { index in
            (
                statement: ConsentStatement(
                    channel: .email, status: index % 2 == 0 ? .granted : .unsubscribed, at: at(4), source: "kit",
                    evidence: "statement \(index)"),
                customer: b
            )
        }
        try store.write { t in try t.recordConsents(statements) }
        let history = try store.read { try $0.consentHistory(of: b) }
        try require(
            history.map(\.evidence) == statements.map(\.statement.evidence), rule,
            "consent statements were recorded out of order or lost: \(history.count) of \(statements.count)")
    }
}
