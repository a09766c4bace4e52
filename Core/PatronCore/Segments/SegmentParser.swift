import Foundation

/// Parses and type-checks the segment language:
///
/// ```
/// expr      := term ("or" term)*
/// term      := factor ("and" factor)*
/// factor    := "not" factor | "(" expr ")" | predicate
/// predicate := FIELD ( op value | ["not"] "in" "(" value ("," value)* ")" | "contains" value
///            | "starts" "with" value | "between" value "and" value | "is" ["not"] "null"
///            | "within" NUMBER unit )
/// value     := NUMBER | "text" | YYYY-MM-DD | NUMBER unit "ago"      unit := days | weeks | hours
/// ```
/// `and` binds tighter than `or`; keywords are case-insensitive.
public enum SegmentParser {
    /// Parses `source`; amounts are read with `currencyDigits` fraction digits. `savedSegment`
    /// looks up the expression of a saved segment for `in_segment("name")`, which is expanded
    /// in place (a cycle of saved segments is an error).
    public static func parse(
        _ source: String, currencyDigits: Int = 2, savedSegment: @escaping (String) throws -> String? = { _ in nil }
    ) throws(SegmentError) -> SegmentExpression {
        try parse(source, currencyDigits: currencyDigits, savedSegment: savedSegment, expanding: [])
    }

    static func parse(
        _ source: String, currencyDigits: Int, savedSegment: @escaping (String) throws -> String?, expanding: [String],
        depth: Int = 0, terms: TermBudget = TermBudget()
    ) throws(SegmentError) -> SegmentExpression {
        let length = source.utf8.count
        guard length <= SegmentLimits.maxLength else {
            throw SegmentError(
                "the expression is \(length) bytes long; the limit is \(SegmentLimits.maxLength)",
                at: SegmentPosition(line: 1, column: 1), source: source)
        }
        var parser = Parser(tokens: try SegmentLexer.tokens(source), source: source, digits: currencyDigits)
        parser.savedSegment = savedSegment
        parser.expanding = expanding
        parser.depth = depth
        parser.terms = terms
        guard parser.peek.kind != .end else { throw parser.error("empty expression", at: parser.peek) }
        let expression = try parser.orExpression()
        guard parser.peek.kind == .end else {
            if case .symbol(")") = parser.peek.kind { throw parser.error("unbalanced ')'", at: parser.peek) }
            throw parser.error(
                "expected 'and', 'or' or the end, found \(parser.describe(parser.peek))", at: parser.peek)
        }
        return expression
    }

    /// Counts the predicates and list values of one expression across the saved segments it
    /// expands (a reference type so that every nested parse draws on the same budget).
    final class TermBudget {
        var used = 0
    }

    /// Known function names: `in_segment`, and those reserved for behaviour over history.
    static let functions = ["in_segment", "bought", "ordered", "abandoned_cart", "viewed", "loyalty.points_expiring"]

    struct Parser {
        let tokens: [SegmentToken]
        var index = 0
        let source: String
        let digits: Int
        var savedSegment: (String) throws -> String? = { _ in nil }
        /// Saved segments being expanded, outermost first (to report cycles).
        var expanding: [String] = []
        /// Open parentheses (and saved-segment expansions) around the current token.
        var depth = 0
        /// Predicates and list values so far, across expansions.
        var terms = TermBudget()

        init(tokens: [SegmentToken], source: String, digits: Int) {
            self.tokens = tokens
            self.source = source
            self.digits = digits
        }

        var peek: SegmentToken { tokens[index] }
        mutating func next() -> SegmentToken {
            defer { if index < tokens.count - 1 { index += 1 } }
            return tokens[index]
        }

        func error(_ message: String, at token: SegmentToken) -> SegmentError {
            SegmentError(message, at: token.position, source: source)
        }

        func describe(_ token: SegmentToken) -> String {
            switch token.kind {
            case .identifier(let name): "'\(name)'"
            case .number(let text), .date(let text): "'\(text)'"
            case .string(let text): "\"\(text)\""
            case .symbol(let symbol): "'\(symbol)'"
            case .end: "the end"
            }
        }

        mutating func accept(_ keyword: String) -> Bool {
            guard peek.keyword == keyword else { return false }
            _ = next()
            return true
        }

        mutating func expect(_ keyword: String) throws(SegmentError) {
            guard accept(keyword) else { throw error("expected '\(keyword)', found \(describe(peek))", at: peek) }
        }

        mutating func expectSymbol(_ symbol: String, _ what: String) throws(SegmentError) {
            guard case .symbol(symbol) = peek.kind else {
                throw error("expected \(what), found \(describe(peek))", at: peek)
            }
            _ = next()
        }

        mutating func orExpression() throws(SegmentError) -> SegmentExpression {
            var operands = [try andExpression()]
            while accept("or") { operands.append(try andExpression()) }
            return .any(operands)
        }

        mutating func andExpression() throws(SegmentError) -> SegmentExpression {
            var operands = [try factor()]
            while accept("and") { operands.append(try factor()) }
            return .all(operands)
        }

        /// A chain of `not`s is read in a loop (it adds no depth); each `(` is one level.
        mutating func factor() throws(SegmentError) -> SegmentExpression {
            var negated = false
            while accept("not") { negated.toggle() }
            let operand: SegmentExpression
            if case .symbol("(") = peek.kind {
                let open = next()
                try enter(at: open)
                let inner = try orExpression()
                guard case .symbol(")") = peek.kind else {
                    throw error("unbalanced '(': expected ')' before \(describe(peek))", at: open)
                }
                _ = next()
                depth -= 1
                operand = inner
            } else {
                operand = try predicate()
            }
            return negated ? .negation(operand) : operand
        }

        /// One level deeper, within ``SegmentLimits/maxDepth``.
        mutating func enter(at token: SegmentToken) throws(SegmentError) {
            depth += 1
            guard depth <= SegmentLimits.maxDepth else {
                throw error(
                    "nested deeper than \(SegmentLimits.maxDepth) levels (the limit of parentheses and saved segments)",
                    at: token)
            }
        }

        /// One more predicate or list value, within ``SegmentLimits/maxTerms``.
        func count(_ token: SegmentToken) throws(SegmentError) {
            terms.used += 1
            guard terms.used <= SegmentLimits.maxTerms else {
                throw error(
                    "more than \(SegmentLimits.maxTerms) predicates and values (the limit of one expression)",
                    at: token)
            }
        }

        mutating func predicate() throws(SegmentError) -> SegmentExpression {
            let token = next()
            guard case .identifier(let name) = token.kind else {
                throw error("expected a field, found \(describe(token))", at: token)
            }
            try count(token)
            if case .symbol("(") = peek.kind {
                if name.lowercased() == "in_segment" { return try inSegment(at: token) }
                if name.lowercased() == "loyalty.points_expiring" { return .behaviour(try pointsExpiring(at: token)) }
                if ["bought", "ordered", "abandoned_cart", "viewed"].contains(name.lowercased()) {
                    return .behaviour(try behaviour(name.lowercased(), at: token))
                }
                if SegmentParser.functions.contains(name.lowercased()) {
                    throw error("'\(name)(…)' is not available yet in this version of the language", at: token)
                }
                throw error(
                    "unknown function '\(name)' (functions: \(SegmentParser.functions.joined(separator: ", ")))",
                    at: token)
            }
            guard let field = SegmentCatalogue.field(named: name) else {
                let hint =
                    SegmentCatalogue.suggestion(for: name).map { " — did you mean '\($0)'?" }
                    ?? " (see `patron fields`)"
                throw error("unknown field '\(name)'\(hint)", at: token)
            }
            return .test(field, try test(for: field, at: token))
        }

        /// `bought(sku: "X", within: 30 days)`, `ordered(count >= 2, within: 365 days)`,
        /// `abandoned_cart(within: 2 days, min_value: 50)`; `within` is optional (then: ever).
        mutating func behaviour(_ name: String, at token: SegmentToken) throws(SegmentError) -> SegmentBehaviour {
            try expectSymbol("(", "'('")
            var sku: String?
            var within: Int64?
            var minValue: Int64 = 0
            var count: (SegmentComparison, Int64)?
            var first = true
            while true {
                if case .symbol(")") = peek.kind { break }
                if !first { try expectSymbol(",", "',' or ')'") }
                first = false
                let argument = next()
                guard let key = argument.keyword else {
                    throw error("expected an argument name, found \(describe(argument))", at: argument)
                }
                let allowed =
                    switch name {
                    case "bought": ["sku", "within"]
                    case "ordered": ["count", "within"]
                    case "viewed": ["sku", "count", "within"]
                    default: ["within", "min_value"]
                    }
                guard allowed.contains(key) else {
                    throw error(
                        "\(name)(…) has no argument '\(key)' (arguments: \(allowed.joined(separator: ", ")))",
                        at: argument)
                }
                if name == "ordered" || name == "viewed", key == "count" {
                    guard case .symbol(let symbol) = peek.kind, let op = SegmentComparison(rawValue: symbol) else {
                        throw error("expected a comparison after count, e.g. count >= 2", at: peek)
                    }
                    _ = next()
                    let numberToken = next()
                    guard case .number(let text) = numberToken.kind, let n = Int64(text), n >= 0 else {
                        throw error("expected a whole number, found \(describe(numberToken))", at: numberToken)
                    }
                    count = (op, n)
                    continue
                }
                try expectSymbol(":", "':' after \(key)")
                switch (name, key) {
                case ("bought", "sku"), ("viewed", "sku"): sku = try text()
                case (_, "within"): within = try duration()
                case ("abandoned_cart", "min_value"):
                    let valueToken = next()
                    guard case .number(let text) = valueToken.kind else {
                        throw error("expected an amount, found \(describe(valueToken))", at: valueToken)
                    }
                    do {
                        minValue = try Money.parseMinorUnits(text, digits: digits)
                    } catch {
                        throw self.error("\(error)", at: valueToken)
                    }
                default:
                    throw error("\(name)(…) has no argument '\(key)'", at: argument)
                }
            }
            _ = next()
            switch name {
            case "bought":
                guard let sku else { throw error("bought(…) needs sku: \"…\"", at: token) }
                return .bought(sku: sku, within: within)
            case "ordered":
                guard let count else { throw error("ordered(…) needs count, e.g. ordered(count >= 2)", at: token) }
                return .ordered(count.0, count.1, within: within)
            case "viewed":
                let (op, n) = count ?? (.greaterOrEqual, 1)
                return .viewed(sku: sku, op, n, within: within)
            default:
                return .abandonedCart(within: within, minValue: minValue)
            }
        }

        /// `loyalty.points_expiring(within: 30 days) >= 100`: the window is required, then a
        /// comparison with a whole number of points.
        mutating func pointsExpiring(at token: SegmentToken) throws(SegmentError) -> SegmentBehaviour {
            try expectSymbol("(", "'('")
            let argument = next()
            guard argument.keyword == "within" else {
                throw error(
                    "loyalty.points_expiring(…) needs within: N days, found \(describe(argument))", at: argument)
            }
            try expectSymbol(":", "':' after within")
            let within = try duration()
            try expectSymbol(")", "')'")
            guard case .symbol(let symbol) = peek.kind, let op = SegmentComparison(rawValue: symbol) else {
                throw error("expected a comparison after loyalty.points_expiring(…), e.g. >= 100", at: peek)
            }
            _ = next()
            let numberToken = next()
            guard case .number(let text) = numberToken.kind, let points = Int64(text), points >= 0 else {
                throw error("expected a whole number of points, found \(describe(numberToken))", at: numberToken)
            }
            return .pointsExpiring(op, points, within: within)
        }

        /// `in_segment("name")`: the saved segment's expression, parsed and inlined.
        mutating func inSegment(at token: SegmentToken) throws(SegmentError) -> SegmentExpression {
            try expectSymbol("(", "'('")
            let nameToken = peek
            let name = try text()
            try expectSymbol(")", "')'")
            guard !expanding.contains(name) else {
                let cycle = (expanding.drop { $0 != name } + [name]).joined(separator: " → ")
                throw error("saved segments form a cycle: \(cycle)", at: nameToken)
            }
            let saved: String?
            do {
                saved = try savedSegment(name)
            } catch {
                throw self.error("cannot read saved segment '\(name)': \(error)", at: nameToken)
            }
            guard let saved else { throw error("no saved segment named '\(name)'", at: nameToken) }
            try enter(at: token)
            defer { depth -= 1 }
            do {
                return try SegmentParser.parse(
                    saved, currencyDigits: digits, savedSegment: savedSegment, expanding: expanding + [name],
                    depth: depth, terms: terms)
            } catch let inner {
                if inner.message.hasPrefix("saved segments form a cycle") || inner.message.hasPrefix("nested deeper")
                    || inner.message.hasPrefix("more than")
                {
                    throw error(inner.message, at: nameToken)
                }
                throw error("saved segment '\(name)' does not parse: \(inner.description)", at: nameToken)
            }
        }

        mutating func test(for field: SegmentField, at fieldToken: SegmentToken) throws(SegmentError) -> SegmentTest {
            let opToken = peek
            if accept("is") {
                let negated = accept("not")
                try expect("null")
                return .isNull(negated: negated)
            }
            if accept("not") {
                try expect("in")
                return .oneOf(try list(for: field), negated: true)
            }
            if accept("in") { return .oneOf(try list(for: field), negated: false) }
            if accept("contains") {
                guard field.type == .string || field.type == .stringList else {
                    throw error("'contains' needs a text field; \(field.name) is \(field.type.name)", at: opToken)
                }
                let needleToken = peek
                let needle = try text()
                if field.type == .stringList, needle.isEmpty { throw error("a tag cannot be empty", at: needleToken) }
                return .contains(needle)
            }
            if accept("starts") {
                try expect("with")
                guard field.type == .string else {
                    throw error("'starts with' needs a text field; \(field.name) is \(field.type.name)", at: opToken)
                }
                return .startsWith(try text())
            }
            if accept("between") {
                try orderable(field, opToken)
                let low = try operand(for: field)
                try expect("and")
                return .between(low, try operand(for: field))
            }
            if accept("within") {
                if field.name == "birthday" {
                    let days = try duration()
                    guard days % 86_400 == 0 else {
                        throw error("anniversaries are counted in days or weeks", at: opToken)
                    }
                    return .upcoming(days: Int(days / 86_400))
                }
                guard field.type == .instant else {
                    throw error("'within' needs a date field; \(field.name) is \(field.type.name)", at: opToken)
                }
                return .within(seconds: try duration())
            }
            guard case .symbol(let symbol) = peek.kind, let comparison = SegmentComparison(rawValue: symbol) else {
                throw error("expected an operator after \(field.name), found \(describe(peek))", at: peek)
            }
            _ = next()
            if comparison != .equal && comparison != .notEqual { try orderable(field, opToken) }
            if field.type == .stringList {
                throw error("\(field.name) is a list: use 'contains'", at: opToken)
            }
            return .compare(comparison, try operand(for: field))
        }

        func orderable(_ field: SegmentField, _ token: SegmentToken) throws(SegmentError) {
            switch field.type {
            case .integer, .money, .instant, .decimal: return
            default:
                throw error(
                    "\(field.name) is \(field.type.name): only =, !=, in, contains and starts with apply", at: token)
            }
        }

        mutating func list(for field: SegmentField) throws(SegmentError) -> [SegmentOperand] {
            try expectSymbol("(", "'(' to open the list")
            var values = [try operand(for: field)]
            while case .symbol(",") = peek.kind {
                _ = next()
                try count(peek)
                values.append(try operand(for: field))
            }
            try expectSymbol(")", "',' or ')' in the list")
            return values
        }

        mutating func text() throws(SegmentError) -> String {
            let token = next()
            guard case .string(let text) = token.kind else {
                throw error("expected text in quotes, found \(describe(token))", at: token)
            }
            return text
        }

        /// `N days`, `N weeks`, `N hours`, as seconds.
        mutating func duration() throws(SegmentError) -> Int64 {
            let token = next()
            guard case .number(let text) = token.kind, let count = Int64(text), count >= 0 else {
                throw error("expected a whole number of days, found \(describe(token))", at: token)
            }
            let unitToken = next()
            switch unitToken.keyword {
            case "day", "days": return count * 86_400
            case "week", "weeks": return count * 7 * 86_400
            case "hour", "hours": return count * 3_600
            default: throw error("expected days, weeks or hours, found \(describe(unitToken))", at: unitToken)
            }
        }

        mutating func operand(for field: SegmentField) throws(SegmentError) -> SegmentOperand {
            let token = peek
            func mismatch(_ found: String) -> SegmentError {
                error("\(field.name) is \(field.type.name); \(found) is not", at: token)
            }
            switch (field.type, token.kind) {
            case (.integer, .number(let text)):
                _ = next()
                guard let value = Int64(text) else { throw mismatch("\(text) (not a whole number)") }
                return .integer(value)
            case (.money, .number(let text)), (.decimal, .number(let text)):
                _ = next()
                var places = digits
                if case .decimal(let fieldDigits) = field.type { places = fieldDigits }
                do {
                    return .integer(try Money.parseMinorUnits(text, digits: places))
                } catch {
                    throw self.error("\(error)", at: token)
                }
            case (.instant, .date(let text)):
                _ = next()
                guard let day = Day(iso: text) else { throw self.error("bad date '\(text)'", at: token) }
                return .integer(day.epochSeconds)
            case (.instant, .number):
                let seconds = try duration()
                guard accept("ago") else { throw error("expected 'ago' after the duration", at: peek) }
                return .ago(seconds: seconds)
            case (.string, .string(let text)):
                _ = next()
                return .string(text)
            case (.enumeration(let values), .string(let text)):
                _ = next()
                guard values.contains(text) else {
                    throw error(
                        "\(field.name) is one of \(values.joined(separator: ", ")); \"\(text)\" is not", at: token)
                }
                return .string(text)
            case (_, .string(let text)): throw mismatch("\"\(text)\"")
            case (_, .number(let text)), (_, .date(let text)): throw mismatch("'\(text)'")
            default: throw error("expected a value for \(field.name), found \(describe(token))", at: token)
            }
        }
    }
}
