import PatronCore
import PatronSMS
import Testing

@Suite struct IngestorTests {
    init() { TestChannels.register() }

    func customer(_ store: InMemoryStore, ref: String, source: String = "shop") throws -> CustomerRecord? {
        try store.read { transaction in
            try transaction.customerID(ref: ExternalRef(source: source, id: ref)).flatMap {
                try transaction.customer($0)
            }
        }
    }

    @Test func appliesEachEventOnceAndKeepsAggregates() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        let events = [
            Make.order("1", customer: "c1", day: "2024-01-10", total: 1000),
            Make.order("2", customer: "c1", day: "2024-03-05", total: 0),
            Make.order("3", customer: "c2", day: "2024-02-01", total: 2550),
        ]
        let first = try ingestor.ingest(events)
        #expect(first.ordersPlaced == 3)
        #expect(first.customersCreated == 2)
        let again = try ingestor.ingest(events)
        #expect(again.appliedCount == 0)
        #expect(again.duplicates == 3)
        let c1 = try #require(try customer(store, ref: "c1"))
        #expect(c1.aggregates.orderCount == 2)  // the $0 order counts for frequency
        #expect(c1.aggregates.revenueMinor == 1000)
        #expect(c1.aggregates.firstOrderAt.map { Day(epochSeconds: $0).description } == "2024-01-10")
        #expect(c1.aggregates.lastOrderAt.map { Day(epochSeconds: $0).description } == "2024-03-05")
        #expect(store.allOrders().count == 3)
    }

    @Test func matchesByRefThenEmailThenPhone() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest([
            Make.order("1", customer: "c1", email: "Ann@Example.com", day: "2024-01-10", total: 100),
            // Another source, no ref known: matched by normalised email.
            Make.order(
                "w1", customer: "woo-9", email: " ann@example.COM", day: "2024-01-11", total: 200, source: "woo"),
            // A third source with only a phone: new customer.
            Make.order("s1", phone: "+44 7700 900123", day: "2024-01-12", total: 300, source: "pos"),
            // The phone in another format matches the same customer.
            Make.order("s2", phone: "0044 7700 900 123", day: "2024-01-13", total: 400, source: "pos"),
        ])
        let customers = store.allCustomers()
        #expect(customers.count == 2)
        let ann = try #require(try customer(store, ref: "c1"))
        #expect(try customer(store, ref: "woo-9", source: "woo")?.id == ann.id)
        #expect(ann.aggregates.orderCount == 2)
        #expect(ann.email == "ann@example.com")
        let byPhone = try #require(customers.first { $0.id != ann.id })
        #expect(byPhone.phone == "+447700900123")
        #expect(byPhone.aggregates.orderCount == 2)
    }

    @Test func mergesTwoCustomersThatTurnOutToBeOnePerson() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest([
            Make.order("1", customer: "c1", day: "2024-01-10", total: 1000),
            Make.order("p1", email: "bo@example.com", day: "2024-02-10", total: 500, source: "pos"),
            Make.event(
                "cart",
                .cartUpdated(
                    CartData(
                        ref: "k1", customer: CustomerIdentity(email: "bo@example.com"), currency: .usd, valueMinor: 700,
                        lines: []))),
        ])
        #expect(store.allCustomers().count == 2)
        // The shop now tells us c1's email is bo@example.com: one person.
        try ingestor.ingest([
            Make.event(
                "profile",
                .customerUpserted(
                    CustomerUpsert(
                        identity: CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")], email: "bo@example.com"),
                        firstName: "Bo")),
                day: "2024-03-01")
        ])
        let customers = store.allCustomers()
        #expect(customers.count == 1)
        let bo = try #require(customers.first)
        #expect(bo.firstName == "Bo")
        #expect(bo.email == "bo@example.com")
        #expect(bo.aggregates.orderCount == 2)
        #expect(bo.aggregates.revenueMinor == 1500)
        #expect(bo.aggregates.openCartCount == 1)
        #expect(bo.aggregates.openCartValueMinor == 700)
        #expect(store.allOrders().allSatisfy { $0.customerID == bo.id })
        #expect(store.merges().count == 1)
        #expect(store.merges().first?.into == bo.id)
    }

    @Test func cancellationsAndRefundsAdjustAggregates() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest([
            Make.order("1", customer: "c1", day: "2024-01-10", total: 1000),
            Make.order("2", customer: "c1", day: "2024-02-10", total: 3000),
            Make.event("cancel", .orderCancelled(orderRef: "2")),
            Make.event("refund", .orderRefunded(RefundData(orderRef: "1", amountMinor: 250, currency: .usd))),
        ])
        let c1 = try #require(try customer(store, ref: "c1"))
        #expect(c1.aggregates.orderCount == 1)
        #expect(c1.aggregates.revenueMinor == 750)
        #expect(c1.aggregates.lastOrderAt.map { Day(epochSeconds: $0).description } == "2024-01-10")
    }

    @Test func aFailedBatchLeavesNothingBehind() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest([Make.order("1", customer: "c1", day: "2024-01-10", total: 1000)])
        let before = store.allCustomers()
        #expect(throws: PatronError.self) {
            try ingestor.ingest([
                Make.order("2", customer: "c2", day: "2024-01-11", total: 500),
                Make.event("refund", .orderRefunded(RefundData(orderRef: "1", amountMinor: 5000, currency: .usd))),
            ])
        }
        #expect(store.allCustomers() == before)
        #expect(store.allOrders().count == 1)
        // The failed batch's first event was not marked applied either.
        #expect(try ingestor.ingest([Make.order("2", customer: "c2", day: "2024-01-11", total: 500)]).ordersPlaced == 1)
    }

    @Test func oneCurrencyPerStore() throws {
        let ingestor = Ingestor(store: InMemoryStore())
        try ingestor.ingest([Make.order("1", customer: "c1", day: "2024-01-10", total: 1000, currency: .eur)])
        let error = try #require(throws: PatronError.self) {
            try ingestor.ingest([Make.order("2", customer: "c1", day: "2024-01-11", total: 1000, currency: .usd)])
        }
        #expect(error.code == .conflict)
        #expect(error.location?.field == "order.currency")
    }

    @Test func rejectsNegativeQuantitiesWithTheField() throws {
        let ingestor = Ingestor(store: InMemoryStore())
        var event = Make.order(
            "1", customer: "c1", day: "2024-01-10", total: 1000,
            lines: [
                OrderLine(sku: "A", quantity: 1, unitPriceMinor: 500),
                OrderLine(sku: "B", quantity: -2, unitPriceMinor: 250),
            ])
        event.origin = InputLocation(file: "x.ndjson", line: 7)
        let error = try #require(throws: PatronError.self) { try ingestor.ingest([event]) }
        #expect(error.description == "x.ndjson:7: field 'order.lines[1].quantity': negative quantity -2")
    }

    @Test func refundOfAnUnknownOrderIsAnError() throws {
        let ingestor = Ingestor(store: InMemoryStore())
        let error = try #require(throws: PatronError.self) {
            try ingestor.ingest([
                Make.event("r", .orderRefunded(RefundData(orderRef: "nope", amountMinor: 1, currency: .usd)))
            ])
        }
        #expect(error.code == .notFound)
    }

    @Test func erasureForgetsThePersonButKeepsRevenue() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest([
            Make.order(
                "1", customer: "c1", email: "eve@example.com", phone: "+15555550100", day: "2024-01-10", total: 1000),
            Make.event("erase", .customerErased(CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")]))),
        ])
        let eve = try #require(store.allCustomers().first)
        #expect(eve.email == nil && eve.phone == nil && eve.erasedAt != nil)
        #expect(eve.consent[.email].status == .revoked)
        #expect(eve.aggregates.revenueMinor == 1000)
        #expect(try customer(store, ref: "c1") == nil)
        // The same email later is a new person.
        try ingestor.ingest([Make.order("2", email: "eve@example.com", day: "2024-02-10", total: 10)])
        #expect(store.allCustomers().count == 2)
    }

    @Test func laterConsentWinsOverAnOlderOneArrivingLate() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")])
        try ingestor.ingest([
            Make.event(
                "c-new", .consentChanged(ConsentChange(customer: who, channel: .sms, status: .revoked)),
                day: "2024-05-01"),
            Make.event(
                "c-old", .consentChanged(ConsentChange(customer: who, channel: .sms, status: .granted)),
                day: "2024-04-01"),
        ])
        #expect(try customer(store, ref: "c1")?.consent["sms"].status == .revoked)
    }

    @Test func convertedCartsAreNoLongerOpen() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")])
        try ingestor.ingest([
            Make.event(
                "k", .cartUpdated(CartData(ref: "k1", customer: who, currency: .usd, valueMinor: 900, lines: []))),
            Make.event(
                "k2", .cartUpdated(CartData(ref: "k2", customer: who, currency: .usd, valueMinor: 100, lines: []))),
        ])
        #expect(try customer(store, ref: "c1")?.aggregates.openCartCount == 2)
        var order = Make.order("1", customer: "c1", day: "2024-06-02", total: 900)
        if case .orderPlaced(var data) = order.kind {
            data.cartRef = "k1"
            order.kind = .orderPlaced(data)
        }
        try ingestor.ingest([order])
        let c1 = try #require(try customer(store, ref: "c1"))
        #expect(c1.aggregates.openCartCount == 1)
        #expect(c1.aggregates.openCartValueMinor == 100)
    }

    func ref(_ id: String) -> [ExternalRef] { [ExternalRef(source: "", id: id)] }

    @Test func erasureErasesEveryMatchNotJustTheFirst() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "c1", day: "2024-01-10", total: 1000),
            Make.order("p1", email: "eve@example.com", day: "2024-01-11", total: 500, source: "pos"),
            Make.event("erase", .customerErased(CustomerIdentity(refs: ref("c1"), email: "eve@example.com"))),
        ])
        let customers = store.allCustomers()
        #expect(customers.count == 2)
        #expect(customers.allSatisfy { $0.erasedAt != nil && $0.email == nil })
    }

    @Test func aMergeKeepsTheKeyThatCausedIt() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        try ingestor.ingest([
            Make.order("1", customer: "c1", email: "a@example.com", day: "2024-01-10", total: 100),
            Make.order(
                "p1", email: "b@example.com", phone: "+15555550199", day: "2024-01-11", total: 100, source: "pos"),
            // The shop's order names c1 with b@: one person, merged.
            Make.order("2", customer: "c1", email: "b@example.com", day: "2024-01-12", total: 100),
        ])
        #expect(store.allCustomers().count == 1)
        // Later the POS knows only b@ or the phone: still the same person, no new customer.
        try ingestor.ingest([
            Make.order("p2", email: "b@example.com", day: "2024-01-13", total: 100, source: "pos"),
            Make.order("p3", phone: "+1 555 555 0199", day: "2024-01-14", total: 100, source: "pos"),
        ])
        let customers = store.allCustomers()
        #expect(customers.count == 1)
        #expect(customers.first?.aggregates.orderCount == 5)
        #expect(customers.first?.email == "a@example.com")
    }

    @Test func aTicketMovesToItsNewOwnerAndTheOldOwnersCountsFollow() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.event(
                "t1",
                .ticketUpdated(
                    TicketData(
                        ref: "T", customer: CustomerIdentity(email: "ann@example.com"), subject: "Hi", status: .open)),
                day: "2024-01-01"),
            Make.event(
                "t2",
                .ticketUpdated(
                    TicketData(ref: "T", customer: CustomerIdentity(refs: ref("c9")), subject: "Hi", status: .closed)),
                day: "2024-01-02"),
        ])
        let ann = try #require(store.allCustomers().first { $0.email == "ann@example.com" })
        #expect(ann.aggregates.openTicketCount == 0)
        #expect(ann.aggregates.lastTicketAt == nil)
        let c9 = try #require(try customer(store, ref: "c9"))
        #expect(c9.aggregates.lastTicketAt != nil)
    }

    @Test func anEmptyCustomerIDIsNotAnIdentity() throws {
        let error = try #require(throws: PatronError.self) {
            try Ingestor(store: InMemoryStore()).ingest([Make.order("1", customer: "", day: "2024-01-10", total: 100)])
        }
        #expect(error.location?.field == "order.customer.id")
    }

    @Test func aPhoneWithoutCountryCodeDoesNotReplaceAMatchableOne() throws {
        let store = InMemoryStore()
        try Ingestor(store: store).ingest([
            Make.order("1", customer: "c1", phone: "+4915123456789", day: "2024-01-10", total: 100),
            Make.event(
                "u",
                .customerUpserted(CustomerUpsert(identity: CustomerIdentity(refs: ref("c1"), phone: "0151 23456789")))),
        ])
        #expect(try customer(store, ref: "c1")?.phone == "+4915123456789")
    }

    @Test func eventIDsAreUniquePerSource() throws {
        let store = InMemoryStore()
        var a = Make.order("1", customer: "c1", day: "2024-01-10", total: 100, source: "shop")
        var b = Make.order("1", customer: "c1", day: "2024-01-10", total: 100, source: "pos")
        a.id = "1"
        b.id = "1"
        let report = try Ingestor(store: store).ingest([a, b])
        #expect(report.ordersPlaced == 2)
        #expect(report.duplicates == 0)
    }
}
