import Foundation
import PatronHTTP
import Synchronization
import Testing

/// The dashboard's kept figures: computed once for concurrent first requests, served while
/// fresh, served stale while a refresh runs, computed again for a new day.
@Suite struct RefreshingFigureTests {
    final class Counter: Sendable {
        let count = Atomic<Int>(0)
        func next() -> Int { count.add(1, ordering: .relaxed).newValue }
    }

    @Test func concurrentFirstRequestsComputeOnce() async throws {
        let counter = Counter()
        let figure = RefreshingFigure<Int>(maxAge: 60)
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await figure.value(day: 1) {
                        try await Task.sleep(for: .milliseconds(200))
                        return counter.next()
                    }.value
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 1, count: 8))
        #expect(counter.count.load(ordering: .relaxed) == 1)
    }

    @Test func aStaleFigureIsServedWhileItRefreshesAndANewDayComputesAgain() async throws {
        let counter = Counter()
        let now = Atomic<Int64>(1_000)
        let figure = RefreshingFigure<Int>(maxAge: 60, clock: { Double(now.load(ordering: .relaxed)) })
        #expect(try await figure.value(day: 1) { counter.next() }.value == 1)
        now.add(30, ordering: .relaxed)
        #expect(try await figure.value(day: 1) { counter.next() }.value == 1, "fresh: kept")
        now.add(31, ordering: .relaxed)
        #expect(try await figure.value(day: 1) { counter.next() }.value == 1, "stale: served while it refreshes")
        for _ in 0..<100 where counter.count.load(ordering: .relaxed) < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await figure.value(day: 1) { counter.next() }.value == 2, "the refresh is served next")
        #expect(try await figure.value(day: 2) { counter.next() }.value == 3, "a new day computes in the request")
        figure.forget()
        #expect(try await figure.value(day: 2) { counter.next() }.value == 4)
    }

    @Test func aFailedComputationIsNotKept() async throws {
        struct Failure: Error {}
        let figure = RefreshingFigure<Int>(maxAge: 60)
        await #expect(throws: Failure.self) { try await figure.value(day: 1) { throw Failure() } }
        #expect(try await figure.value(day: 1) { 7 }.value == 7)
    }
}
