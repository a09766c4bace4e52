import Foundation

/// Where a store is, as `--db` or `PATRON_DB` name it: a path or `sqlite:PATH` (the embedded
/// SQLite store), or a `postgres://` / `postgresql://` URL (the PostgreSQL store).
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The store when neither `--db` nor `PATRON_DB` says: `./patron.sqlite`.
    public static let defaultLocation = StoreLocation.sqlite(path: "patron.sqlite")

    /// Reads `--db` (or `PATRON_DB`): `sqlite:PATH`, `sqlite://PATH`, `postgres://…`,
    /// `postgresql://…`, or a plain path. An unknown scheme (`mysql://…`) is an error naming the
    /// ones Patron knows.
    public init(parsing text: String) throws(PatronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw PatronError(.invalidArgument, "--db: empty (give a path, sqlite:PATH or postgres://…)")
        }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
            return
        }
        for prefix in ["sqlite://", "sqlite:"] where lower.hasPrefix(prefix) {
            let path = String(trimmed.dropFirst(prefix.count))
            guard !path.isEmpty else { throw PatronError(.invalidArgument, "--db: sqlite: needs a path") }
            self = .sqlite(path: path)
            return
        }
        if let scheme = trimmed.range(of: "://").map({ String(trimmed[..<$0.lowerBound]) }),
            !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0 == "+" })
        {
            throw PatronError(
                .invalidArgument, "--db: unknown store '\(scheme)://' (a path, sqlite:PATH or postgres://…)")
        }
        self = .sqlite(path: trimmed)
    }

    /// `--db` when given, else `PATRON_DB`, else ``defaultLocation``.
    public static func resolve(flag: String?, environment: [String: String]) throws(PatronError) -> StoreLocation {
        guard let text = flag ?? environment["PATRON_DB"] else { return defaultLocation }
        return try StoreLocation(parsing: text)
    }

    /// The file of an SQLite location (`nil` for PostgreSQL).
    public var path: String? {
        if case .sqlite(let path) = self { return path }
        return nil
    }

    /// The location as a user wrote it, with a PostgreSQL password hidden.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url):
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"),
                let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
            else { return url }
            return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
        }
    }
}
