/// Reads message identifiers from Message-ID, In-Reply-To, References and Content-ID values.
enum MessageIDList {
    /// The identifiers between angle brackets, without the brackets; when there are no brackets,
    /// the whitespace-separated words (comments removed).
    static func parse(_ value: String) -> [String] {
        var ids: [String] = []
        var current = ""
        var inAngle = false
        var commentDepth = 0
        for character in value {
            if inAngle {
                if character == ">" {
                    let id = current.filter { !$0.isWhitespace }
                    if !id.isEmpty { ids.append(id) }
                    current = ""
                    inAngle = false
                } else {
                    current.append(character)
                }
            } else if character == "(" {
                commentDepth += 1
            } else if character == ")" && commentDepth > 0 {
                commentDepth -= 1
            } else if character == "<" && commentDepth == 0 {
                inAngle = true
                current = ""
            }
        }
        if !ids.isEmpty { return ids }
        return value.split(whereSeparator: { $0.isWhitespace || $0 == "," })
            .map(String.init)
            .filter { !$0.isEmpty && !$0.hasPrefix("(") }
    }
}
