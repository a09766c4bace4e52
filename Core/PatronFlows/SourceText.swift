import Yams

/// A flow file's text by lines, to turn Yams' marks (columns in Unicode scalars) into positions
/// in characters, and to walk a scalar's source.
struct SourceText {
    /// The lines, without their line breaks.
    let lines: [[Character]]

    init(_ text: String) {
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(Array.init)
    }

    /// Where `mark` points, with the column counted in characters.
    func position(of mark: Mark) -> SourcePosition {
        guard mark.line >= 1 else { return .start }
        guard mark.line <= lines.count else {
            // Past the last line (libyaml moves the end of the stream to a line of its own, and
            // counts some runs of lone carriage returns as more lines than they end; found by
            // fuzzing): the end of the text, so that an error is always a place in the file.
            return SourcePosition(line: max(1, lines.count), column: (lines.last?.count ?? 0) + 1)
        }
        var scalars = 0
        var column = 1
        for character in lines[mark.line - 1] {
            guard scalars < mark.column - 1 else { break }
            scalars += character.unicodeScalars.count
            column += 1
        }
        return SourcePosition(line: mark.line, column: column)
    }

    /// Where `node` starts; the start of the file for a node without a mark.
    func position(of node: Node) -> SourcePosition {
        node.mark.map(position(of:)) ?? .start
    }

    /// The characters from `position` to the end of the file, each with its position; every line
    /// break is one `"\n"` at the column after its line's last character.
    func characters(from position: SourcePosition) -> [(character: Character, position: SourcePosition)] {
        var result: [(Character, SourcePosition)] = []
        guard position.line >= 1, position.line <= lines.count else { return result }
        for lineIndex in (position.line - 1)..<lines.count {
            let line = lines[lineIndex]
            let first = lineIndex == position.line - 1 ? max(0, position.column - 1) : 0
            if first < line.count {
                for column in first..<line.count {
                    result.append((line[column], SourcePosition(line: lineIndex + 1, column: column + 1)))
                }
            }
            if lineIndex < lines.count - 1 {
                result.append(("\n", SourcePosition(line: lineIndex + 1, column: max(line.count, first) + 1)))
            }
        }
        return result
    }

    /// The next line after `first` where `key:` starts at the same column, for the second of two
    /// equal keys (Yams reports the first).
    func repeatedKey(_ key: String, after first: SourcePosition) -> SourcePosition? {
        guard first.line < lines.count else { return nil }
        let indent = first.column - 1
        for index in first.line..<lines.count {
            let line = lines[index]
            guard line.count > indent, line.prefix(indent).allSatisfy({ $0 == " " || $0 == "-" }) else { continue }
            let rest = line.dropFirst(indent)
            guard rest.starts(with: key) else { continue }
            if rest.dropFirst(key.count).drop(while: { $0 == " " }).first == ":" {
                return SourcePosition(line: index + 1, column: first.column)
            }
        }
        return nil
    }
}
