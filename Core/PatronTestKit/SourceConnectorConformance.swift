import PatronCore

/// Proves that a ``SourceConnector`` keeps the contract. Call it from the connector's tests:
///
/// ```swift
/// @Test func keepsTheContract() async throws {
///     let report = try await SourceConnectorConformance.check(MyConnector(fixture: url))
///     #expect(report.events > 0)
/// }
/// ```
///
/// Checks: the source yields events; every event validates; ids are unique within a read;
/// a second read yields the same events with the same ids (stable ids); applying the events
/// to a store twice applies nothing the second time (idempotent replay); and, for `failing`
/// connectors (inputs that must be rejected), that the failure is a ``PatronError`` naming a place.
public enum SourceConnectorConformance {
    /// What the check saw.
    public struct Report: Sendable {
        public var events: Int
        public var ingest: IngestReport
    }

    /// Runs every check on `connector`; throws ``ConformanceFailure`` on the first broken rule.
    @discardableResult
    public static func check(_ connector: some SourceConnector) async throws -> Report {
        let first = try await read(connector)
        guard !first.isEmpty else {
            throw ConformanceFailure(rule: "yields events", detail: "the source yielded no event")
        }
        var seen = Set<String>()
        for event in first {
            do {
                try event.validate()
            } catch {
                throw ConformanceFailure(rule: "valid events", detail: "event '\(event.id)': \(error)")
            }
            guard seen.insert(event.id).inserted else {
                throw ConformanceFailure(rule: "unique event ids", detail: "id '\(event.id)' appears twice in one read")
            }
        }
        let second = try await read(connector)
        guard second.map(\.id) == first.map(\.id) else {
            throw ConformanceFailure(rule: "stable event ids", detail: "a second read yielded different ids")
        }
        for (a, b) in zip(first, second) where a.kind != b.kind || a.occurredAt != b.occurredAt || a.source != b.source
        {
            throw ConformanceFailure(rule: "stable events", detail: "event '\(a.id)' differs between two reads")
        }
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        let applied: IngestReport
        do {
            applied = try ingestor.ingest(first)
        } catch {
            throw ConformanceFailure(rule: "events apply", detail: "\(error)")
        }
        let replay = try ingestor.ingest(second)
        guard replay.appliedCount == 0, replay.duplicates == second.count else {
            throw ConformanceFailure(
                rule: "idempotent replay",
                detail: "replaying applied \(replay.appliedCount) events (expected 0 of \(second.count))")
        }
        return Report(events: first.count, ingest: applied)
    }

    /// Checks that a connector over bad input fails with a ``PatronError`` that names where.
    public static func checkRejects(_ connector: some SourceConnector) async throws -> PatronError {
        do {
            _ = try await read(connector)
        } catch let error as PatronError {
            guard let location = error.location, !location.description.isEmpty else {
                throw ConformanceFailure(rule: "located errors", detail: "the error names no place: \(error)")
            }
            return error
        } catch {
            throw ConformanceFailure(
                rule: "typed errors", detail: "failed with \(type(of: error)), not PatronError: \(error)")
        }
        throw ConformanceFailure(rule: "rejects bad input", detail: "the source read bad input without an error")
    }

    static func read(_ connector: some SourceConnector) async throws -> [IngestEvent] {
        var events: [IngestEvent] = []
        for try await event in connector.events() { events.append(event) }
        return events
    }
}
