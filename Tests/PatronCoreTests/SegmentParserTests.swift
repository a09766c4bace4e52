import PatronCore
import PatronSMS
import Testing

@Suite struct SegmentParserTests {
    init() { TestChannels.register() }

    @Test func parsesWithTheUsualPrecedence() throws {
        let expression = try SegmentParser.parse(
            #"orders.count >= 2 or country = "DE" and not consent.sms = "granted""#)
        #expect(expression.description == #"(orders.count >= 2 or (country = "DE" and not consent.sms = "granted"))"#)
        let grouped = try SegmentParser.parse(#"(orders.count >= 2 OR country = "DE") AND tags contains "vip""#)
        #expect(grouped.description == #"((orders.count >= 2 or country = "DE") and tags contains "vip")"#)
    }

    @Test func readsEveryOperator() throws {
        let source = """
            orders.total between 50 and 120.5 and country in ("DE", "AT") and country not in ("FR")
            and email contains "@example" and phone starts with "+49" and birthday is not null
            and orders.last_at < 90 days ago and orders.first_at >= 2024-01-31 and created_at within 2 weeks
            and cart.abandoned_at is null and tickets.open != 0
            """
        let expression = try SegmentParser.parse(source)
        let text = expression.description
        #expect(text.contains("orders.total between 5000 and 12050"))
        #expect(text.contains(#"country in ("DE", "AT")"#))
        #expect(text.contains(#"country not in ("FR")"#))
        #expect(text.contains("orders.last_at < 90 days ago"))
        #expect(text.contains("created_at within 14 days"))
        #expect(text.contains("orders.first_at >= \(Day(iso: "2024-01-31")!.epochSeconds)"))
    }

    @Test(arguments: [
        ("orders.count > 2 and ordrs.count > 1", "1:22: unknown field 'ordrs.count' — did you mean 'orders.count'?"),
        (#"orders.count > "abc""#, #"1:16: orders.count is integer; "abc" is not"#),
        ("(orders.count > 2", "1:1: unbalanced '(': expected ')' before the end"),
        ("orders.count > 2)", "1:17: unbalanced ')'"),
        (#"bougth(sku: "MUG")"#, "1:1: unknown function 'bougth'"),
        ("orders.last_at > 2024-02-30", "1:18: bad date '2024-02-30'"),
        ("", "1:1: empty expression"),
        ("   ", "1:4: empty expression"),
        (
            #"consent.sms = "yes""#,
            #"1:15: consent.sms is one of unknown, granted, revoked, bounced, unsubscribed; "yes" is not"#
        ),
        (#"country > "DE""#, "1:9: country is text: only =, !=, in, contains and starts with apply"),
        ("orders.total > 12.345", "1:16: \"12.345\" is not an amount: more than 2 decimal places"),
        ("orders.count >", "1:15: expected a value for orders.count, found the end"),
        ("tags = \"vip\"", "1:6: tags is a list: use 'contains'"),
        ("orders.last_at within 3 months", "1:25: expected days, weeks or hours, found 'months'"),
        ("orders.count >= 2\nand ordrs.total > 5", "2:5: unknown field 'ordrs.total' — did you mean 'orders.total'?"),
        ("bought(within: 3 days)", "1:1: bought(…) needs sku"),
        ("ordered(total > 3)", "1:9: ordered(…) has no argument 'total' (arguments: count, within)"),
        ("abandoned_cart(min_value: 1.234)", "1:27: \"1.234\" is not an amount"),
        ("loyalty.points_expiring(30 days) > 0", "1:25: loyalty.points_expiring(…) needs within: N days"),
        ("loyalty.points_expiring(within: 30 days)", "1:41: expected a comparison after loyalty.points_expiring(…)"),
        ("loyalty.points_expiring(within: 9 days) >= 1.5", "1:44: expected a whole number of points"),
        ("loyalty.points >= \"many\"", "1:19: "),
    ])
    func badInputGetsAPositionedError(source: String, expected: String) {
        do {
            _ = try SegmentParser.parse(source)
            Issue.record("expected an error for \(source)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }

    @Test func readsBehaviourClauses() throws {
        let expression = try SegmentParser.parse(
            #"bought(sku: "MUG-1", within: 30 days) and ordered(count >= 2, within: 365 days) or abandoned_cart(within: 2 days, min_value: 50)"#
        )
        #expect(
            expression.description
                == #"((bought(sku: "MUG-1", within: 30 days) and ordered(count >= 2, within: 365 days)) or abandoned_cart(min_value: 5000, within: 2 days))"#
        )
        let loyalty = try SegmentParser.parse("loyalty.points_expiring(within: 30 days) >= 100 and loyalty.points > 5")
        #expect(
            loyalty.description == "(loyalty.points_expiring(within: 30 days) >= 100 and loyalty.points > 5)")
        #expect(loyalty.readsHistory)
    }

    @Test func theErrorShowsACaretUnderTheSpot() {
        do {
            _ = try SegmentParser.parse("orders.count > 2 and ordrs.count > 1")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.rendered == """
                    1:22: unknown field 'ordrs.count' — did you mean 'orders.count'?
                      orders.count > 2 and ordrs.count > 1
                                           ^
                    """)
        }
    }
}

@Suite struct AnniversaryTests {
    init() { TestChannels.register() }

    @Test func birthdaysAreCountedInTheCustomersTimeZone() throws {
        // 2024-06-30 12:00 UTC is already 1 July in Auckland, still 30 June in Los Angeles.
        let now = Day(iso: "2024-06-30")!.epochSeconds + 12 * 3600
        let expression = try SegmentParser.parse("birthday within 0 days")
        func customer(_ zone: String?) -> CustomerRecord {
            CustomerRecord(id: CustomerID(1), timeZone: zone, birthday: "1990-07-01", createdAt: 0)
        }
        #expect(SegmentEvaluator(expression, now: now).matches(customer("Pacific/Auckland")))
        #expect(!SegmentEvaluator(expression, now: now).matches(customer("America/Los_Angeles")))
        #expect(!SegmentEvaluator(expression, now: now).matches(customer(nil)))
        #expect(SegmentEvaluator(try SegmentParser.parse("birthday within 1 days"), now: now).matches(customer(nil)))
    }

    @Test func leapDayBirthdaysAreCelebratedOnTheTwentyEighth() {
        let nonLeap = Day(iso: "2025-02-28")!.epochSeconds + 3600
        #expect(Anniversary.monthDays(now: nonLeap, days: 0, timeZone: "UTC") == ["02-28", "02-29"])
        let leap = Day(iso: "2024-02-28")!.epochSeconds + 3600
        #expect(Anniversary.monthDays(now: leap, days: 0, timeZone: "UTC") == ["02-28"])
        #expect(Anniversary.monthDays(now: leap, days: 1, timeZone: "UTC") == ["02-28", "02-29"])
    }
}

@Suite struct SegmentEvaluatorTests {
    init() { TestChannels.register() }

    let now = Day(iso: "2024-06-30")!.epochSeconds

    func customer(orders: Int, lastOrder: String?, country: String? = "DE", tags: [String] = []) -> CustomerRecord {
        CustomerRecord(
            id: CustomerID(1), email: "ann@example.com", country: country, tags: tags, createdAt: 0,
            aggregates: CustomerAggregates(
                orderCount: orders, revenueMinor: Int64(orders) * 2500,
                lastOrderAt: lastOrder.map { Day(iso: $0)!.epochSeconds }))
    }

    func matches(_ source: String, _ customer: CustomerRecord) throws -> Bool {
        SegmentEvaluator(try SegmentParser.parse(source), now: now).matches(customer)
    }

    @Test func evaluatesOneCustomer() throws {
        let ann = customer(orders: 3, lastOrder: "2024-01-10", tags: ["vip"])
        #expect(try matches("orders.count >= 2 and orders.last_at < 90 days ago", ann))
        #expect(try !matches("orders.last_at within 30 days", ann))
        #expect(try matches(#"tags contains "vip" and aov = 25"#, ann))
        #expect(try matches(#"email starts with "ann@" and email contains "example""#, ann))
    }

    @Test func missingValuesAreUnknownAsInSQL() throws {
        let nobody = customer(orders: 0, lastOrder: nil, country: nil)
        // Unknown is not true, and neither is its negation.
        #expect(try !matches("orders.last_at < 90 days ago", nobody))
        #expect(try !matches("not orders.last_at < 90 days ago", nobody))
        #expect(try !matches(#"country != "DE""#, nobody))
        #expect(try matches("orders.last_at is null", nobody))
        #expect(try matches(#"orders.last_at is null or country = "DE""#, nobody))
        #expect(try !matches("aov > 0", nobody))
    }
}
