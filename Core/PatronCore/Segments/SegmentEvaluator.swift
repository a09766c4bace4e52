import Foundation

/// Evaluates a segment expression for one customer, in memory — when an event arrives, and in
/// the scheduler. It follows SQL's three-valued logic (a test of a missing value is *unknown*;
/// `not unknown` is unknown; a customer is in the segment only when the result is true), so it
/// selects exactly the customers the SQL back end selects.
public struct SegmentEvaluator: Sendable {
    public let expression: SegmentExpression
    /// "Now" for `N days ago` and `within`, in seconds since the epoch.
    public let now: Int64

    public init(_ expression: SegmentExpression, now: Int64) {
        self.expression = expression
        self.now = now
    }

    /// Whether the customer is in the segment; `rfm` is the customer's row of the newest saved
    /// RFM snapshot, if any (for the `rfm.*` fields).
    /// `history` holds the customer's orders and carts, for `bought`, `ordered` and
    /// `abandoned_cart` (only needed when the expression uses them).
    /// `predicted` is the customer's row of the saved predictions (for the `predicted.*` fields).
    public func matches(
        _ customer: CustomerRecord, rfm: RFMSnapshot.Row? = nil, predicted: StoredPrediction? = nil,
        history: SegmentHistory = .init()
    ) -> Bool {
        evaluate(expression, Subject(customer: customer, rfm: rfm, predicted: predicted, history: history, now: now))
            == true
    }

    struct Subject {
        let customer: CustomerRecord
        let rfm: RFMSnapshot.Row?
        let predicted: StoredPrediction?
        let history: SegmentHistory
        let now: Int64
    }

    func holds(_ behaviour: SegmentBehaviour, _ history: SegmentHistory) -> Bool {
        func inWindow(_ at: Int64, _ within: Int64?) -> Bool { at <= now && within.map { at >= now - $0 } ?? true }
        switch behaviour {
        case .bought(let sku, let within):
            return history.orders.contains { order in
                order.status.counts && inWindow(order.placedAt, within) && order.lines.contains { $0.sku == sku }
            }
        case .ordered(let op, let count, let within):
            let n = history.orders.filter { $0.status.counts && inWindow($0.placedAt, within) }.count
            return Self.compare(Int64(n), op, count)
        case .abandonedCart(let within, let minValue):
            return history.carts.contains {
                $0.status == .open && $0.valueMinor >= minValue && inWindow($0.updatedAt, within)
            }
        case .pointsExpiring(let op, let points, let within):
            let ledger = LoyaltyLedger(customerID: CustomerID(0), entries: history.loyalty)
            return Self.compare(ledger.expiring(within: within, at: now).points, op, points)
        case .viewed(let sku, let op, let count, let within):
            let n = history.views.filter { view in inWindow(view.at, within) && sku.map { view.sku == $0 } ?? true }
                .count
            return Self.compare(Int64(n), op, count)
        }
    }

    /// The value a field has for a customer, in the field's terms (nil when missing).
    public static func value(
        of field: SegmentField, for customer: CustomerRecord, rfm: RFMSnapshot.Row? = nil,
        predicted: StoredPrediction? = nil, loyalty: [LoyaltyEntry] = [], tier: String? = nil,
        feedback: [FeedbackResponse] = [], now: Int64 = 0
    ) -> SegmentValue? {
        let a = customer.aggregates
        /// The latest answer of a kind (ties: the higher score, as the SQL orders them).
        func last(_ kind: SurveyKind) -> Int? {
            feedback.filter { $0.kind == kind }.max { ($0.answeredAt, $0.score) < ($1.answeredAt, $1.score) }?.score
        }
        switch field.name {
        case "feedback.nps_last": return last(.nps).map { .integer(Int64($0)) }
        case "feedback.nps_class": return last(.nps).map { .text(NPSClass(score: $0).rawValue) }
        case "feedback.csat_last": return last(.csat).map { .integer(Int64($0)) }
        case "feedback.reviews.count": return .integer(Int64(feedback.filter { $0.kind == .review }.count))
        case "loyalty.points":
            return .integer(LoyaltyLedger(customerID: customer.id, entries: loyalty).balance(at: now))
        case "loyalty.tier": return tier.map(SegmentValue.text)
        case "loyalty.lifetime_points":
            return .integer(LoyaltyLedger(customerID: customer.id, entries: loyalty).lifetimeEarned)
        case "predicted.p_alive": return predicted.map { .integer($0.probabilityAlive) }
        case "predicted.orders_52w": return predicted.map { .integer($0.orders52Weeks) }
        case "predicted.clv_12m": return predicted?.lifetimeValue12Months.map(SegmentValue.integer)
        case "rfm.r": return rfm.map { .integer(Int64($0.r)) }
        case "rfm.f": return rfm.map { .integer(Int64($0.f)) }
        case "rfm.m": return rfm.map { .integer(Int64($0.m)) }
        case "rfm.segment": return rfm.map { .text($0.segment) }
        case "rfm.recency_days":
            return a.lastOrderAt.map { .integer(Int64(Day(epochSeconds: now) - Day(epochSeconds: $0))) }
        case "email": return customer.email.map(SegmentValue.text)
        case "phone": return customer.phone.map(SegmentValue.text)
        case "country": return customer.country.map(SegmentValue.text)
        case "timezone": return customer.timeZone.map(SegmentValue.text)
        case "tags": return .list(customer.tags)
        case "created_at": return .integer(customer.createdAt)
        case "birthday": return customer.birthday.map(SegmentValue.text)
        case "orders.count": return .integer(Int64(a.orderCount))
        case "orders.total": return .integer(a.revenueMinor)
        case "orders.first_at": return a.firstOrderAt.map(SegmentValue.integer)
        case "orders.last_at": return a.lastOrderAt.map(SegmentValue.integer)
        case "aov": return a.orderCount > 0 ? .integer(a.revenueMinor / Int64(a.orderCount)) : nil
        case "cart.open_value": return .integer(a.openCartValueMinor)
        case "cart.abandoned_at": return a.openCartCount > 0 ? a.lastCartActivityAt.map(SegmentValue.integer) : nil
        case "tickets.open": return .integer(Int64(a.openTicketCount))
        case "tickets.last_at": return a.lastTicketAt.map(SegmentValue.integer)
        default:
            if let channel = SegmentCatalogue.consentChannel(of: field) {
                return .text(customer.consent[channel].status.rawValue)
            }
            return nil
        }
    }

    func evaluate(_ expression: SegmentExpression, _ customer: Subject) -> Bool? {
        switch expression {
        case .and(let operands):
            // Kleene: false wins, else unknown wins, else true.
            var result: Bool? = true
            for operand in operands {
                switch evaluate(operand, customer) {
                case false?: return false
                case nil: result = nil
                case true?: break
                }
            }
            return result
        case .or(let operands):
            var result: Bool? = false
            for operand in operands {
                switch evaluate(operand, customer) {
                case true?: return true
                case nil: result = nil
                case false?: break
                }
            }
            return result
        case .not(let inner):
            return evaluate(inner, customer).map { !$0 }
        case .test(let field, let test):
            return apply(
                test,
                to: Self.value(
                    of: field, for: customer.customer, rfm: customer.rfm, predicted: customer.predicted,
                    loyalty: customer.history.loyalty, tier: customer.history.tier,
                    feedback: customer.history.feedback, now: customer.now),
                zone: customer.customer.timeZone)
        case .behaviour(let behaviour):
            return holds(behaviour, customer.history)
        }
    }

    func apply(_ test: SegmentTest, to value: SegmentValue?, zone: String? = nil) -> Bool? {
        if case .upcoming(let days) = test {
            guard case .text(let birthday)? = value else { return nil }
            return Anniversary.monthDays(now: now, days: days, timeZone: zone).contains(
                Anniversary.monthDay(of: birthday))
        }
        if case .isNull(let negated) = test {
            let isNull: Bool
            switch value {
            case nil: isNull = true
            default: isNull = false
            }
            return negated ? !isNull : isNull
        }
        guard let value else { return nil }
        switch (test, value) {
        case (.compare(let op, let operand), .integer(let number)):
            guard let other = operand.integer(now: now) else { return nil }
            return Self.compare(number, op, other)
        case (.compare(let op, .string(let other)), .text(let text)):
            let equal = Array(text.utf8) == Array(other.utf8)
            return op == .equal ? equal : op == .notEqual ? !equal : nil
        case (.oneOf(let operands, let negated), .integer(let number)):
            let found = operands.contains { $0.integer(now: now) == number }
            return negated ? !found : found
        case (.oneOf(let operands, let negated), .text(let text)):
            let found = operands.contains {
                if case .string(let s) = $0 { Array(s.utf8) == Array(text.utf8) } else { false }
            }
            return negated ? !found : found
        case (.contains(let needle), .text(let text)):
            return Self.find(needle, in: text) != nil
        case (.contains(let needle), .list(let items)):
            return items.contains { Array($0.utf8) == Array(needle.utf8) }
        case (.startsWith(let prefix), .text(let text)):
            return Self.find(prefix, in: text) == 0
        case (.between(let low, let high), .integer(let number)):
            guard let low = low.integer(now: now), let high = high.integer(now: now) else { return nil }
            return number >= low && number <= high
        case (.within(let seconds), .integer(let instant)):
            return instant >= now - seconds && instant <= now
        default:
            return nil
        }
    }

    static func compare(_ a: Int64, _ op: SegmentComparison, _ b: Int64) -> Bool {
        switch op {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        }
    }

    /// The byte offset of the first occurrence of `needle` in `text` (as SQLite's `instr`).
    static func find(_ needle: String, in text: String) -> Int? {
        let haystack = Array(text.utf8)
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return 0 }
        guard pattern.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - pattern.count)
        where haystack[start..<start + pattern.count].elementsEqual(pattern) {
            return start
        }
        return nil
    }
}

/// A field's value for one customer.
public enum SegmentValue: Hashable, Sendable {
    case integer(Int64)
    case text(String)
    case list([String])
}

/// One customer's orders, carts and loyalty entries, for the behaviour clauses and the
/// `loyalty.*` fields of the segment language.
public struct SegmentHistory: Sendable {
    public var orders: [OrderRecord]
    public var carts: [CartRecord]
    public var loyalty: [LoyaltyEntry]
    /// The stored tier (``LoyaltyTransaction/loyaltyTiers()``).
    public var tier: String?
    /// The customer's survey answers, for the `feedback.*` fields.
    public var feedback: [FeedbackResponse]
    /// The customer's raw product views (`viewed(…)`).
    public var views: [ProductView] = []
    public init(
        orders: [OrderRecord] = [], carts: [CartRecord] = [], loyalty: [LoyaltyEntry] = [], tier: String? = nil,
        feedback: [FeedbackResponse] = []
    ) {
        self.orders = orders
        self.carts = carts
        self.loyalty = loyalty
        self.tier = tier
        self.feedback = feedback
    }
}

extension SegmentExpression {
    /// Whether evaluating needs the customer's history (a behaviour clause appears).
    public var readsHistory: Bool {
        switch self {
        case .and(let all), .or(let all): all.contains { $0.readsHistory }
        case .not(let a): a.readsHistory
        case .test(let field, _): SegmentCatalogue.readsLoyalty(field) || SegmentCatalogue.readsFeedback(field)
        case .behaviour: true
        }
    }
}
