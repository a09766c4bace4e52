import ArgumentParser
import Foundation
import Logging
import PatronCore
import PatronMail

/// `patron mail fetch|import|reply|stats`: support mail into tickets over IMAP, answers over SMTP.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail", abstract: "Support mail: fetch it into tickets (IMAP), answer tickets (SMTP), figures.",
        subcommands: [Fetch.self, Import.self, Reply.self, Stats.self, ParseBench.self])

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch new mail into tickets; polls every --interval seconds unless --once.",
            discussion: """
                Each message is stored with the mailbox's cursor in one transaction: a crash (even kill -9) \
                loses and doubles nothing, and the Message-ID guards against doubles when UIDVALIDITY changes. \
                A server that is down or refuses is retried with backoff (one log line per failure); a wrong \
                password stops at once.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "The server: imap://host[:port] or imaps://host[:port].") var url: String
        @Option(help: "The login.") var user: String
        @Option(help: "The environment variable holding the password.") var passwordEnv = "PATRON_IMAP_PASSWORD"
        @Option(help: "The mailbox.") var mailbox = "INBOX"
        @Flag(help: "STARTTLS on imap:// (required).") var starttls = false
        @Flag(help: "One pass, then exit (for cron and tests).") var once = false
        @Option(help: "Seconds between passes when polling.") var interval = 60
        @Flag(help: "Flag each processed message \\Seen.") var markSeen = false
        @Option(help: "Move each processed message to this folder.") var moveTo: String?
        @Option(help: "Skip (and record) messages larger than this many MB.") var maxSizeMb = 25

        func run() async throws {
            Patron.bootstrapLogging()
            let logger = Logger(label: "patron.mail")
            try await reportingErrors {
                let sqlite = try store.open(.create)
                let password = ProcessInfo.processInfo.environment[passwordEnv]
                let server = try MailServer(
                    url: url, username: user, password: password, startTLS: starttls ? .required : .never)
                let client = try IMAPClient(
                    server: server, mailbox: mailbox, maximumMessageSize: maxSizeMb * 1024 * 1024)
                try poll(client: client, store: sqlite, logger: logger)
            }
        }

        /// Fetches until done (`--once`) or forever, backing off while the server is away.
        func poll(client: IMAPClient, store: some Store, logger: Logger) throws {
            var fetcher = MailFetcher(client: client, store: store, key: "\(url)/\(user)/\(mailbox)")
            fetcher.markSeen = markSeen
            fetcher.moveTo = moveTo
            var backoff = 1
            while true {
                do {
                    let report = try fetcher.fetchOnce()
                    FileHandle.standardError.write(Data("patron: mail: \(report)\n".utf8))
                    for skip in report.skipped {
                        logger.warning(
                            "message skipped", metadata: ["uid": "\(skip.uid)", "reason": "\(skip.reason)"])
                    }
                    backoff = 1
                } catch let error as MailTransportError where error.isTransient && !once {
                    logger.error(
                        "mail server unavailable; retrying",
                        metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                    Thread.sleep(forTimeInterval: Double(backoff))
                    backoff = min(backoff * 2, 300)
                    continue
                } catch let error as MailTransportError {
                    throw PatronError(.io, "mail: \(error)")
                }
                if once { return }
                Thread.sleep(forTimeInterval: Double(interval))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import mail files (.eml, or mbox) into tickets, as fetching them would.",
            discussion: """
                A support mailbox's archive: each message is threaded into tickets, bounces and abuse \
                reports change email consent, exactly as `patron mail fetch` does. All files are one \
                transaction; a message already stored (by its Message-ID, from a file or the mailbox) \
                is skipped, so importing again changes nothing.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The files: one message per .eml file, or mbox files.") var files: [String]

        func run() async throws {
            try await reportingErrors {
                guard !files.isEmpty else { throw PatronError(.invalidArgument, "name at least one file") }
                let events = try await MailFiles(paths: files).collect()
                let start = Date()
                let report = try Self.ingest(events, into: try store.open(.create))
                summarize(report, seconds: Date().timeIntervalSince(start), what: "\(files.count) file(s)")
            }
        }

        static func ingest(_ events: [IngestEvent], into store: some Store) throws -> IngestReport {
            try Ingestor(store: store).ingest(events)
        }
    }

    struct Reply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a ticket by mail: threaded (In-Reply-To, References, the ticket token), recorded.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The ticket number (as in [#T-42]).") var ticket: Int64
        @Option(help: "The answer's text.") var body: String
        @Option(help: "The SMTP server: smtp://host[:port] or smtps://host[:port].") var smtpUrl: String
        @Option(help: "The shop's address: Name <support@shop.example> or support@shop.example.") var from: String
        @Option(help: "The SMTP login, if any.") var user: String?
        @Option(help: "The environment variable holding the SMTP password.") var passwordEnv = "PATRON_SMTP_PASSWORD"

        func run() async throws {
            try await reportingErrors {
                let sqlite = try store.open(.write)
                let id = TicketID(ticket)
                let found = try sqlite.read { t -> (TicketRecord, String?)? in
                    guard let record = try t.ticket(id: id) else { return nil }
                    return (record, try t.customer(record.customerID)?.email)
                }
                guard let (record, email) = found else {
                    throw PatronError(.notFound, "no ticket #T-\(ticket)")
                }
                let messages = try await sqlite.messages(ofTicket: id)
                let reply = TicketReply(ticket: record, messages: messages, customerEmail: email)
                guard let to = reply.to else {
                    throw PatronError(.invalidArgument, "the ticket has no address to answer")
                }
                guard let sender = MailAddress.parseList(from).first, let domain = sender.domain else {
                    throw PatronError(.invalidArgument, "--from: not an address: \(from)")
                }
                let outgoing = OutgoingMail(
                    from: sender, to: [MailAddress(address: to)], subject: reply.subject, body: body,
                    inReplyTo: reply.inReplyTo, references: reply.references)
                let composed = MailComposer(messageIDDomain: domain).compose(outgoing)
                do {
                    let server = try MailServer(
                        url: smtpUrl, username: user,
                        password: user == nil ? nil : ProcessInfo.processInfo.environment[passwordEnv])
                    try SMTPClient(server: server).send(composed)
                } catch {
                    throw PatronError(.io, "mail: \(error)")
                }
                let messageID = composed.messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                try Self.record(
                    in: sqlite,
                    MailMessage(
                        messageID: messageID, inReplyTo: reply.inReplyTo.map { [$0] } ?? [],
                        references: reply.references, from: sender.address, to: [to], subject: reply.subject,
                        sentAt: Int64(Date().timeIntervalSince1970), body: body, direction: .outbound))
                print("sent \(messageID) to \(to): \(reply.subject)")
            }
        }

        /// Records the sent reply on its ticket.
        static func record(in store: some Store, _ message: MailMessage) throws {
            try Ingestor(store: store).receive(message)
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tickets: open, pending, closed; median first-response and resolution time.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let sqlite = try store.open(.read)
                let metrics = await TicketMetrics(
                    tickets: try sqlite.tickets(customer: nil, status: nil, after: 0, limit: Int.max))
                func duration(_ seconds: Int64?) -> String {
                    guard let seconds else { return "n/a" }
                    return seconds >= 3600 ? String(format: "%.1f h", Double(seconds) / 3600) : "\(seconds / 60) min"
                }
                print(
                    "tickets \(metrics.tickets): open \(metrics.open), pending \(metrics.pending), closed \(metrics.closed)"
                )
                print("median first response: \(duration(metrics.medianFirstResponseSeconds))")
                print("median resolution: \(duration(metrics.medianResolutionSeconds))")
            }
        }
    }

    /// `patron mail parse-bench FILE…` (hidden): the MIME parser alone over the files, repeated,
    /// for Scripts/bench_mail.sh.
    struct ParseBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "parse-bench", shouldDisplay: false)
        @Option(help: "Parse the files until this many MB are read.") var megabytes = 200
        @Argument var files: [String]

        func run() async throws {
            let messages = files.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
            guard !messages.isEmpty else { throw ValidationError("no readable file") }
            let target = megabytes * 1_000_000
            var bytes = 0
            var parsed = 0
            var checksum = 0
            let start = Date()
            while bytes < target {
                for message in messages {
                    let mime = MIMEMessage(parsing: message)
                    checksum &+= mime.bodyText.utf8.count &+ mime.attachments.count
                    bytes += message.count
                    parsed += 1
                }
            }
            let seconds = Date().timeIntervalSince(start)
            print(
                String(
                    format: "parsed %d messages, %.1f MB in %.3f s: %.1f MB/s (checksum %d)", parsed,
                    Double(bytes) / 1e6, seconds, Double(bytes) / 1e6 / seconds, checksum))
        }
    }
}
