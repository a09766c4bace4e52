import Yams

/// Where each character of a scalar's value stands in the file, so that an error inside a segment
/// expression or a template points at the right spot after YAML's quotes, escapes, folding and
/// block indentation.
///
/// The value is matched against the source from the scalar's start: characters one for one
/// (an escape or a doubled quote for one character), runs of white space (line breaks and
/// indentation included) against runs of white space. When that fails, positions are estimated
/// from the scalar's start.
struct ScalarSourceMap {
    /// Where the value's first character is (for a block scalar, the line after its header).
    let start: SourcePosition
    private let value: [Character]
    /// The position of each character of the value, then the one after the last; empty when the
    /// match failed.
    private let positions: [SourcePosition]

    init(_ scalar: Node.Scalar, in source: SourceText) {
        value = Array(scalar.string)
        guard let mark = scalar.mark else {
            start = .start
            positions = []
            return
        }
        let at = source.position(of: mark)
        switch scalar.style {
        case .singleQuoted, .doubleQuoted: start = SourcePosition(line: at.line, column: at.column + 1)
        case .literal, .folded: start = SourcePosition(line: at.line + 1, column: 1)
        case .any, .plain: start = at
        }
        positions = Self.match(value, source.characters(from: start), style: scalar.style) ?? []
    }

    /// The position of the value's character at `offset` (0-based; the value's length is the end).
    func position(atOffset offset: Int) -> SourcePosition {
        if offset >= 0, offset < positions.count { return positions[offset] }
        var line = 1
        var column = 1
        for character in value.prefix(max(0, offset)) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return estimate(line: line, column: column)
    }

    /// The position of a 1-based line and column of the value, counted as the segment parser
    /// counts them (a new line after each `"\n"`).
    func position(line: Int, column: Int) -> SourcePosition {
        var offset = 0
        var currentLine = 1
        while currentLine < line, offset < value.count {
            if value[offset] == "\n" { currentLine += 1 }
            offset += 1
        }
        guard currentLine == line else { return estimate(line: line, column: column) }
        return position(atOffset: offset + column - 1)
    }

    private func estimate(line: Int, column: Int) -> SourcePosition {
        line == 1
            ? SourcePosition(line: start.line, column: start.column + column - 1)
            : SourcePosition(line: start.line + line - 1, column: column)
    }

    private static func match(
        _ value: [Character], _ source: [(character: Character, position: SourcePosition)], style: Node.Scalar.Style
    ) -> [SourcePosition]? {
        var positions: [SourcePosition] = []
        positions.reserveCapacity(value.count + 1)
        var j = 0
        func at(_ index: Int) -> SourcePosition {
            index < source.count ? source[index].position : (source.last?.position ?? .start)
        }
        func char(_ index: Int) -> Character? { index < source.count ? source[index].character : nil }
        var i = 0
        while i < value.count {
            if value[i].isWhitespace {
                var run: [Int] = []
                while let c = char(j) {
                    if c.isWhitespace {
                        run.append(j)
                        j += 1
                    } else if style == .doubleQuoted, c == "\\", let e = char(j + 1), e.isNewline || "ntr ".contains(e)
                    {
                        run.append(j)
                        j += 2
                    } else {
                        break
                    }
                }
                var t = 0
                while i < value.count, value[i].isWhitespace {
                    positions.append(run.isEmpty ? at(j) : at(run[min(t, run.count - 1)]))
                    t += 1
                    i += 1
                }
                continue
            }
            while true {
                guard let c = char(j) else { return nil }
                if style == .doubleQuoted, c == "\\" {
                    guard let e = char(j + 1) else { return nil }
                    if e.isNewline {
                        j += 2
                        while let w = char(j), w == " " || w == "\t" { j += 1 }
                        continue
                    }
                    positions.append(at(j))
                    j += e == "x" ? 4 : e == "u" ? 6 : e == "U" ? 10 : 2
                    break
                }
                if style == .singleQuoted, c == "'", char(j + 1) == "'" {
                    positions.append(at(j))
                    j += 2
                    break
                }
                if c == value[i] {
                    positions.append(at(j))
                    j += 1
                    break
                }
                guard c.isWhitespace else { return nil }
                j += 1
            }
            i += 1
        }
        positions.append(at(j))
        return positions
    }
}
