import Yams

/// A key of a map with its value, both as written (for positions).
struct MapEntry {
    var key: Node
    var value: Node
}

extension YAMLFileReader {
    /// The entries of a map by key. Keys not in `allowed` are reported with `unknown(key)` and
    /// the closest allowed key; a node that is not a map is reported and gives nothing.
    mutating func entries(
        of node: Node, allowed: [String], what: String = "a map", unknown: (String) -> String
    ) -> [String: MapEntry] {
        guard let mapping = node.mapping else {
            if !node.isNull { fail("expected \(what), found \(node.described)", at: node) }
            return [:]
        }
        var result: [String: MapEntry] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail("a key must be a plain name, found \(key.described)", at: key)
                continue
            }
            guard allowed.contains(name) else {
                let hint = Suggestions.closest(to: name, in: allowed).map { " — did you mean '\($0)'?" } ?? ""
                fail(unknown(name) + hint, at: key)
                continue
            }
            result[name] = MapEntry(key: key, value: value)
        }
        return result
    }

    /// The entry `key`, or an error at `node` (the map) when it is missing.
    mutating func required(
        _ key: String, in entries: [String: MapEntry], of node: Node, noun: String = "key", context: String = ""
    ) -> MapEntry? {
        if let entry = entries[key] { return entry }
        fail("missing \(noun) '\(key)'\(context)", at: node)
        return nil
    }

    /// The text of a scalar; anything else (a map, a list, nothing) is reported as not `what`.
    mutating func text(_ node: Node, what: String) -> String? {
        guard let scalar = node.scalar, !node.isNull else {
            fail("expected \(what), found \(node.described)", at: node)
            return nil
        }
        return scalar.string
    }
}

extension Node {
    /// A plain scalar YAML reads as null: nothing, `~` or `null`.
    var isNull: Bool {
        guard let scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the node reads in a message: `'text'`, `a map`, `a list`, `nothing`.
    var described: String {
        switch self {
        case .scalar(let scalar):
            isNull ? "nothing" : scalar.string.count > 40 ? "'\(scalar.string.prefix(40))…'" : "'\(scalar.string)'"
        case .mapping(let mapping): mapping.isEmpty ? "an empty map" : "a map"
        case .sequence(let sequence): sequence.isEmpty ? "an empty list" : "a list"
        case .alias: "an alias"
        }
    }
}
