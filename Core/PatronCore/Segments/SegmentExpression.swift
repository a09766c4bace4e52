import Foundation

/// A parsed, type-checked segment expression.
///
/// `and` and `or` are lists, so a chain `a or b or c` is one node however long it is: the tree's
/// depth grows only with parentheses (bounded by ``SegmentLimits/maxDepth``), never with the
/// length of a chain. Build them with ``all(_:)`` and ``any(_:)``, which keep the shape every
/// back end relies on: two or more operands, none of them the same operator.
public indirect enum SegmentExpression: Hashable, Sendable {
    /// Every operand holds.
    case and([SegmentExpression])
    /// At least one operand holds.
    case or([SegmentExpression])
    case not(SegmentExpression)
    case test(SegmentField, SegmentTest)
    /// Behaviour over the customer's history (never unknown: true or false).
    case behaviour(SegmentBehaviour)
}

/// Questions about a customer's history rather than their aggregates.
public enum SegmentBehaviour: Hashable, Sendable {
    /// A counting order with a line of this SKU, placed in the last `within` seconds (or ever).
    case bought(sku: String, within: Int64?)
    /// The number of counting orders placed in the last `within` seconds (or ever), compared.
    case ordered(SegmentComparison, Int64, within: Int64?)
    /// An open cart worth at least `minValue` (minor units), active in the last `within` seconds (or ever).
    case abandonedCart(within: Int64?, minValue: Int64)
    /// Loyalty points (spendable or pending) whose awards expire within the next `within`
    /// seconds, compared: `loyalty.points_expiring(within: 30 days) >= 100`.
    case pointsExpiring(SegmentComparison, Int64, within: Int64)
    /// Product views (of `sku`, or of any product) in the last `within` seconds (or as far as
    /// raw views are kept), counted and compared: `viewed(sku: "MUG-1", within: 1 day, count >= 2)`.
    case viewed(sku: String?, SegmentComparison, Int64, within: Int64?)
}

/// What a predicate asks of one field.
public enum SegmentTest: Hashable, Sendable {
    case compare(SegmentComparison, SegmentOperand)
    case oneOf([SegmentOperand], negated: Bool)
    case contains(String)
    case startsWith(String)
    case between(SegmentOperand, SegmentOperand)
    case isNull(negated: Bool)
    /// Instants in the last N seconds up to now.
    case within(seconds: Int64)
    /// Anniversaries (birthdays) from the customer's local today through the next N days.
    case upcoming(days: Int)
}

public enum SegmentComparison: String, Hashable, Sendable, CaseIterable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// A literal, already in the field's terms (money in minor units, dates in epoch seconds).
public enum SegmentOperand: Hashable, Sendable {
    case integer(Int64)
    case string(String)
    /// Seconds before the evaluation's `now` (`90 days ago`).
    case ago(seconds: Int64)

    /// The value as an integer at `now` (instants, integers, money).
    func integer(now: Int64) -> Int64? {
        switch self {
        case .integer(let value): value
        case .ago(let seconds): now - seconds
        case .string: nil
        }
    }
}

extension SegmentExpression {
    /// All of `operands`, with nested `and`s flattened (one operand is itself).
    public static func all(_ operands: [SegmentExpression]) -> SegmentExpression {
        let flat = operands.flatMap { operand -> [SegmentExpression] in
            if case .and(let inner) = operand { return inner }
            return [operand]
        }
        return flat.count == 1 ? flat[0] : .and(flat)
    }

    /// Any of `operands`, with nested `or`s flattened (one operand is itself).
    public static func any(_ operands: [SegmentExpression]) -> SegmentExpression {
        let flat = operands.flatMap { operand -> [SegmentExpression] in
            if case .or(let inner) = operand { return inner }
            return [operand]
        }
        return flat.count == 1 ? flat[0] : .or(flat)
    }

    /// The negation; `not not x` is `x` (true in three-valued logic too).
    public static func negation(_ operand: SegmentExpression) -> SegmentExpression {
        if case .not(let inner) = operand { return inner }
        return .not(operand)
    }

    /// Whether any test is an anniversary (the SQL back end then needs the store's time zones).
    public var readsAnniversaries: Bool {
        switch self {
        case .and(let all), .or(let all): all.contains { $0.readsAnniversaries }
        case .not(let a): a.readsAnniversaries
        case .test(_, .upcoming): true
        case .test, .behaviour: false
        }
    }

    /// Whether any test reads the saved predictions (the SQL back end joins them only then).
    public var readsPredictions: Bool {
        switch self {
        case .and(let all), .or(let all): all.contains { $0.readsPredictions }
        case .not(let a): a.readsPredictions
        case .test(let field, _): SegmentCatalogue.readsPredictions(field)
        case .behaviour: false
        }
    }

    /// Whether any test reads the newest RFM snapshot (the SQL back end joins it only then).
    public var readsRFMSnapshot: Bool {
        switch self {
        case .and(let all), .or(let all): all.contains { $0.readsRFMSnapshot }
        case .not(let a): a.readsRFMSnapshot
        case .test(let field, _): SegmentCatalogue.readsSnapshot(field)
        case .behaviour: false
        }
    }
}

extension SegmentExpression: CustomStringConvertible {
    /// The tree, fully parenthesised (what `patron segment explain` shows).
    public var description: String {
        switch self {
        case .and(let all): "(" + all.map(\.description).joined(separator: " and ") + ")"
        case .or(let all): "(" + all.map(\.description).joined(separator: " or ") + ")"
        case .not(let a): "not \(a)"
        case .test(let field, let test): "\(field.name) \(test)"
        case .behaviour(let behaviour): behaviour.description
        }
    }
}

extension SegmentTest: CustomStringConvertible {
    public var description: String {
        switch self {
        case .compare(let op, let value): "\(op.rawValue) \(value)"
        case .oneOf(let values, let negated):
            "\(negated ? "not in" : "in") (\(values.map(\.description).joined(separator: ", ")))"
        case .contains(let text): "contains \"\(text)\""
        case .startsWith(let text): "starts with \"\(text)\""
        case .between(let low, let high): "between \(low) and \(high)"
        case .isNull(let negated): negated ? "is not null" : "is null"
        case .within(let seconds): "within \(seconds / 86_400) days"
        case .upcoming(let days): "within \(days) days (anniversary)"
        }
    }
}

extension SegmentOperand: CustomStringConvertible {
    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .string(let text): "\"\(text)\""
        case .ago(let seconds): "\(seconds / 86_400) days ago"
        }
    }
}

extension SegmentBehaviour: CustomStringConvertible {
    public var description: String {
        func window(_ seconds: Int64?) -> String { seconds.map { ", within: \($0 / 86_400) days" } ?? "" }
        switch self {
        case .bought(let sku, let within): return "bought(sku: \"\(sku)\"\(window(within)))"
        case .ordered(let op, let count, let within): return "ordered(count \(op.rawValue) \(count)\(window(within)))"
        case .abandonedCart(let within, let minValue):
            return "abandoned_cart(min_value: \(minValue)\(window(within)))"
        case .pointsExpiring(let op, let points, let within):
            return "loyalty.points_expiring(within: \(within / 86_400) days) \(op.rawValue) \(points)"
        case .viewed(let sku, let op, let count, let within):
            let hours = within.map {
                $0 % 86_400 == 0 ? ", within: \($0 / 86_400) days" : ", within: \($0 / 3_600) hours"
            }
            return "viewed(\(sku.map { "sku: \"\($0)\", " } ?? "")count \(op.rawValue) \(count)\(hours ?? ""))"
        }
    }
}

extension SegmentExpression {
    /// The tree as a person reads it (what `patron segment explain` shows): like
    /// ``description``, with amounts in the currency's units (`aov between 20.00 and 80.00`, not
    /// minor units), dates as dates and decimals as decimals.
    public func explained(currencyDigits digits: Int) -> String {
        switch self {
        case .and(let all): "(" + all.map { $0.explained(currencyDigits: digits) }.joined(separator: " and ") + ")"
        case .or(let all): "(" + all.map { $0.explained(currencyDigits: digits) }.joined(separator: " or ") + ")"
        case .not(let a): "not \(a.explained(currencyDigits: digits))"
        case .test(let field, let test): "\(field.name) \(test.explained(field: field, digits: digits))"
        case .behaviour(.abandonedCart(let within, let minValue)):
            "abandoned_cart(min_value: \(Money.decimalString(minValue, digits: digits))"
                + (within.map { ", within: \($0 / 86_400) days" } ?? "") + ")"
        case .behaviour(let behaviour): behaviour.description
        }
    }
}

extension SegmentTest {
    /// The test with its operands in `field`'s terms (see ``SegmentExpression/explained(currencyDigits:)``).
    func explained(field: SegmentField, digits: Int) -> String {
        func value(_ operand: SegmentOperand) -> String {
            guard case .integer(let number) = operand else { return operand.description }
            switch field.type {
            case .money: return Money.decimalString(number, digits: digits)
            case .decimal(let places):
                var text = Money.decimalString(number, digits: places)
                while text.contains("."), text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
                return text
            case .instant:
                return number % 86_400 == 0 ? Day(epochSeconds: number).description : Timestamp.format(number)
            default: return operand.description
            }
        }
        switch self {
        case .compare(let op, let operand): return "\(op.rawValue) \(value(operand))"
        case .oneOf(let values, let negated):
            return "\(negated ? "not in" : "in") (\(values.map(value).joined(separator: ", ")))"
        case .between(let low, let high): return "between \(value(low)) and \(value(high))"
        default: return description
        }
    }
}
