import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PatronCore
import PatronHTTP
import Testing

#if canImport(Glibc)
    import Glibc

    /// Clients that trickle a request (slowloris) are cut: a head that never ends by the idle
    /// timeout, a body that never ends by the request timeout; others are served meanwhile.
    /// Real sockets against the live server.
    @Suite(.serialized) struct SlowClientTests {
        init() { TestChannels.register() }

        /// Runs blocking socket calls on a thread of their own: on Swift's cooperative threads
        /// (two here) they would starve the server's own request handling.
        static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try body() }) }.start()
            }
        }

        /// A raw TCP connection to the server on loopback.
        struct RawConnection {
            let fd: Int32

            init(port: Int) throws {
                fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                guard connected == 0 else { throw PatronError(.io, "connect: errno \(errno)") }
            }

            /// Sends `text`; false once the server has closed the connection.
            func send(_ text: String) -> Bool {
                let bytes = Array(text.utf8)
                return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    == bytes.count
            }

            /// Whether the server closed the connection within `seconds` (reads what it sent).
            func closed(within seconds: Double) -> Bool {
                var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline {
                    let ready = poll(&pending, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1_000)))
                    guard ready > 0 else { continue }
                    var buffer = [UInt8](repeating: 0, count: 4_096)
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count <= 0 { return true }
                }
                return false
            }

            func close() { _ = Glibc.close(fd) }

            /// The status line of `GET path` on a new connection (the test client's own
            /// connection would be closed by the short idle timeout between its requests).
            static func statusLine(port: Int, path: String) throws -> String {
                try statusLine(port: port, request: "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            }

            /// The status line of the answer to `request`, sent as it is.
            static func statusLine(port: Int, request: String) throws -> String {
                let connection = try RawConnection(port: port)
                defer { connection.close() }
                guard connection.send(request) else { return "" }
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4_096)
                var pending = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
                while poll(&pending, 1, 10_000) > 0 {  // (a busy machine answers late, not never)
                    let count = recv(connection.fd, &buffer, buffer.count, 0)
                    if count <= 0 { break }
                    received += buffer[..<count]
                    if received.contains(UInt8(ascii: "\n")) { break }  // the status line is here
                }
                return String(decoding: received, as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
            }
        }

        /// The live server on a small shop: an idle timeout of 1 s and a request timeout of 2 s
        /// unless told.
        static func app(idleTimeout: Double = 1, requestTimeout: Double = 2) throws -> (
            some ApplicationProtocol, APIRoutesTests.Keys
        ) {
            let (store, keys) = try APIRoutesTests.shop()
            let settings = APIServerSettings(
                host: "127.0.0.1", port: 0, requestsPerSecond: 0, idleTimeout: idleTimeout,
                requestTimeout: requestTimeout)
            return (
                PatronAPIServer.application(
                    store: store, secrets: WebhookSecrets(), settings: settings, logger: Logger(label: "test")), keys
            )
        }

        @Test func aTrickledHeadIsCutAtTheIdleTimeoutWhileOthersAreServed() async throws {
            let (app, _) = try Self.app()
            try await app.test(.live) { client in
                let port = client.port!
                let (cut, elapsed, meanwhile) = try await Self.onThread {
                    let slow = try RawConnection(port: port)
                    defer { slow.close() }
                    let started = Date()
                    var meanwhile = ""
                    guard slow.send("GET /health HTTP/1.1\r\nHost: x\r\n") else { return (false, 0.0, "") }
                    // One header line every 300 ms: no request part is ever complete.
                    for index in 0..<30 {
                        if slow.closed(within: 0.3) || !slow.send("X-Slow-\(index): y\r\n") {
                            return (true, Date().timeIntervalSince(started), meanwhile)
                        }
                        if index == 1 { meanwhile = try RawConnection.statusLine(port: port, path: "/health") }
                    }
                    return (false, Date().timeIntervalSince(started), meanwhile)
                }
                #expect(cut, "the connection trickling its head stays open")
                #expect(elapsed >= 0.9 && elapsed < 6, "cut after \(elapsed) s, not about the 1 s idle timeout")
                #expect(meanwhile == "HTTP/1.1 200 OK", "another client was not served meanwhile: '\(meanwhile)'")
                let after = try await Self.onThread { try RawConnection.statusLine(port: port, path: "/health") }
                #expect(after == "HTTP/1.1 200 OK")
            }
        }

        @Test func aTrickledBodyIsCutAtTheRequestTimeout() async throws {
            let (app, keys) = try Self.app()
            try await app.test(.live) { client in
                let port = client.port!
                let key = keys.write
                let (cut, elapsed) = try await Self.onThread {
                    let slow = try RawConnection(port: port)
                    defer { slow.close() }
                    let started = Date()
                    guard
                        slow.send(
                            "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n"
                                + "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{")
                    else { return (false, 0.0) }
                    // A byte every 300 ms: never idle for the 1 s idle timeout, never whole.
                    for _ in 0..<40 where slow.closed(within: 0.3) || !slow.send(" ") {
                        return (true, Date().timeIntervalSince(started))
                    }
                    return (false, Date().timeIntervalSince(started))
                }
                #expect(cut, "the connection trickling its body stays open")
                #expect(elapsed >= 1.9 && elapsed < 8, "cut after \(elapsed) s, not about the 2 s request timeout")
                let after = try await Self.onThread { try RawConnection.statusLine(port: port, path: "/health") }
                #expect(after == "HTTP/1.1 200 OK")
            }
        }

        @Test func aWholeRequestOnAKeptAliveConnectionIsNotCut() async throws {
            // The request timeout (1 s) is shorter than the pauses between requests (1.3 s), the
            // idle timeout (3 s) longer: the deadline must end with each request's end.
            let (app, _) = try Self.app(idleTimeout: 3, requestTimeout: 1)
            try await app.test(.live) { client in
                let port = client.port!
                let served = try await Self.onThread {
                    let connection = try RawConnection(port: port)
                    defer { connection.close() }
                    var served = 0
                    for _ in 0..<3 {
                        guard connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
                            !connection.closed(within: 1.3)
                        else { break }
                        served += 1
                    }
                    return served
                }
                #expect(served == 3, "a kept-alive connection in use was cut after \(served) requests")
            }
        }

        /// A declared Content-Length over the limit is a 413 at once: the server does not wait for
        /// a body it would refuse (it used to wait for the idle timeout, then close).
        @Test func aDeclaredLengthOverTheLimitIs413AtOnce() async throws {
            let (app, keys) = try Self.app(idleTimeout: 5)
            try await app.test(.live) { client in
                let port = client.port!
                let key = keys.write
                let started = Date()
                let status = try await Self.onThread {
                    try RawConnection.statusLine(
                        port: port,
                        request: "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{}")
                }
                #expect(status.hasPrefix("HTTP/1.1 413 "), "\(status)")
                #expect(Date().timeIntervalSince(started) < 4, "answered only after the idle timeout (5 s)")
            }
        }
    }
#endif
