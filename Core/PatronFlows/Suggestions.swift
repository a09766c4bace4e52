import PatronCore

/// "Did you mean" for names typed by hand: the closest known name, if it is close enough to be
/// a typo rather than something else.
enum Suggestions {
    /// The name in `candidates` closest to `name`, when at most `max(2, name.count / 3)` edits away.
    static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        EditDistance.closest(to: name, in: candidates)
    }

    /// `unknown trigger 'cart_abandonned' — did you mean 'cart_abandoned'?`, or with the choices
    /// listed when none is close.
    static func unknown(_ what: String, _ name: String, choices: [String]) -> String {
        if let suggestion = closest(to: name, in: choices) {
            return "unknown \(what) '\(name)' — did you mean '\(suggestion)'?"
        }
        return "unknown \(what) '\(name)' (expected \(list(choices)))"
    }

    /// `a, b or c`.
    static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }
}
