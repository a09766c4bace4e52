import Foundation

/// One token of a segment expression.
struct SegmentToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case identifier(String)
        case number(String)
        case string(String)
        case date(String)
        case symbol(String)  // = != < <= > >= ( ) , :
        case end
    }
    var kind: Kind
    var position: SegmentPosition

    /// The identifier's text lower-cased, for keyword checks.
    var keyword: String? {
        if case .identifier(let name) = kind { return name.lowercased() }
        return nil
    }
}

/// Splits a segment expression into tokens, with positions.
enum SegmentLexer {
    static func tokens(_ source: String) throws(SegmentError) -> [SegmentToken] {
        let chars = Array(source)
        var tokens: [SegmentToken] = []
        var index = 0
        var line = 1
        var column = 1
        func advance(_ count: Int = 1) {
            for _ in 0..<count {
                if chars[index] == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                index += 1
            }
        }
        while index < chars.count {
            let char = chars[index]
            let position = SegmentPosition(line: line, column: column)
            if char.isWhitespace {
                advance()
                continue
            }
            if char == "\"" || char == "'" {
                let quote = char
                var text = ""
                advance()
                var closed = false
                while index < chars.count {
                    let c = chars[index]
                    if c == "\\", index + 1 < chars.count {
                        text.append(chars[index + 1])
                        advance(2)
                        continue
                    }
                    if c == quote {
                        advance()
                        closed = true
                        break
                    }
                    text.append(c)
                    advance()
                }
                guard closed else { throw SegmentError("unterminated string", at: position, source: source) }
                tokens.append(SegmentToken(kind: .string(text), position: position))
                continue
            }
            if char.isNumber || (char == "-" && index + 1 < chars.count && chars[index + 1].isNumber) {
                var text = String(char)
                advance()
                while index < chars.count, chars[index].isNumber || chars[index] == "." || chars[index] == "-" {
                    text.append(chars[index])
                    advance()
                }
                // YYYY-MM-DD is a date; anything else with a dash is not a number.
                if text.count == 10, text.filter({ $0 == "-" }).count == 2, !text.hasPrefix("-") {
                    tokens.append(SegmentToken(kind: .date(text), position: position))
                } else if Decimal(string: text) != nil, text.dropFirst().allSatisfy({ $0 != "-" }) {
                    tokens.append(SegmentToken(kind: .number(text), position: position))
                } else {
                    throw SegmentError(
                        "'\(text)' is neither a number nor a date (YYYY-MM-DD)", at: position, source: source)
                }
                continue
            }
            if char.isLetter || char == "_" {
                var text = ""
                while index < chars.count,
                    chars[index].isLetter || chars[index].isNumber || chars[index] == "_"
                        || chars[index] == "."
                {
                    text.append(chars[index])
                    advance()
                }
                tokens.append(SegmentToken(kind: .identifier(text), position: position))
                continue
            }
            let two = index + 1 < chars.count ? String([char, chars[index + 1]]) : ""
            if ["!=", "<=", ">=", "<>"].contains(two) {
                tokens.append(SegmentToken(kind: .symbol(two == "<>" ? "!=" : two), position: position))
                advance(2)
                continue
            }
            if "=<>(),:".contains(char) {
                tokens.append(SegmentToken(kind: .symbol(String(char)), position: position))
                advance()
                continue
            }
            throw SegmentError("unexpected character '\(char)'", at: position, source: source)
        }
        tokens.append(SegmentToken(kind: .end, position: SegmentPosition(line: line, column: column)))
        return tokens
    }
}
