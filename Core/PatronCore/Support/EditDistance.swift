import Foundation

/// "Did you mean": how far apart two names are, and the closest of a set of known names.
public enum EditDistance {
    /// Levenshtein distance over characters.
    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The name in `candidates` closest to `name` (ignoring case), when at most `limit` edits
    /// away (default: `max(2, name.count / 3)`, a typo rather than another word).
    public static func closest(to name: String, in candidates: some Sequence<String>, limit: Int? = nil) -> String? {
        let limit = limit ?? max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = between(name.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
    }
}
