import Foundation
import Testing

@testable import PatronMail

/// The live services the transport tests talk to, from the environment that
/// `Scripts/mail/run_transport_tests.sh` exports. Without them the live suites are skipped,
/// unless `PATRON_REQUIRE_SERVICES=1`, in which case they run and fail on the missing variable.
enum TransportServices {
    static let environment = ProcessInfo.processInfo.environment
    static let requireServices = environment["PATRON_REQUIRE_SERVICES"] == "1"

    static let imapAvailable = environment["PATRON_IMAP_PORT"] != nil || requireServices
    static let smtpAvailable = environment["PATRON_SMTP_SINK_DIR"] != nil || requireServices

    static let imapSkipReason: Comment =
        "no IMAP server: run Scripts/mail/run_transport_tests.sh (sets PATRON_IMAP_PORT) or PATRON_REQUIRE_SERVICES=1"
    static let smtpSkipReason: Comment =
        "no SMTP sink: run Scripts/mail/run_transport_tests.sh (sets PATRON_SMTP_SINK_DIR, PATRON_SMTP_PORT)"

    static func variable(_ name: String) throws -> String {
        try #require(environment[name], "\(name) is not set (PATRON_REQUIRE_SERVICES=1 demands live services)")
    }

    static func imapServer(password: String? = nil) throws -> MailServer {
        let port = try variable("PATRON_IMAP_PORT")
        return try MailServer(
            url: "imap://127.0.0.1:\(port)", username: environment["PATRON_IMAP_USER"] ?? "patron",
            password: password ?? environment["PATRON_IMAP_PASSWORD"] ?? "patron-test-password",
            requestTimeout: .seconds(30))
    }

    static func smtpServer(username: String? = nil, password: String? = nil) throws -> MailServer {
        let port = try variable("PATRON_SMTP_PORT")
        return try MailServer(
            url: "smtp://127.0.0.1:\(port)", username: username, password: password, requestTimeout: .seconds(30))
    }

    /// `fixture path → UID` for the messages `append_fixtures.py` loaded (first message of a file).
    static func appendedFixtures() throws -> [String: UInt32] {
        let path = try variable("PATRON_IMAP_FIXTURE_INDEX")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var uids: [String: UInt32] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count >= 3, let uid = UInt32(fields[0]) else { continue }
            let key = fields[2] == "0" ? String(fields[1]) : "\(fields[1])#\(fields[2])"
            uids[key] = uid
        }
        return uids
    }

    /// A loopback port with nothing listening on it.
    static func closedPort() -> Int {
        #if os(Linux)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                _ = bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
