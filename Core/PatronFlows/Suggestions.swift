/// "Did you mean" for names typed by hand: the closest known name, if it is close enough to be
/// a typo rather than something else.
enum Suggestions {
    /// The name in `candidates` closest to `name`, when at most `max(2, name.count / 3)` edits away.
    static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
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

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
