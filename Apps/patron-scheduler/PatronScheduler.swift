import ArgumentParser
import Foundation
import Logging
import Metrics
import PatronAuth
import PatronChannels
import PatronCore
import PatronMail
import PatronOps
import PatronScheduler
import PatronStoreFactory
import ServiceLifecycle

/// `patron-scheduler`: the campaign daemon. A ServiceGroup runs the flow tick, the outbox
/// sender, the nightly RFM snapshot and replenishment refresh, and mail polling when
/// configured; SIGTERM lets in-flight sends finish, then stops. A lease in the store keeps a
/// second instance standing by.
@main
struct PatronSchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patron-scheduler",
        abstract: "Run Patron's campaigns: flow ticks, the outbox sender, nightly RFM, mail polling.",
        discussion: """
            Channels come from the environment: PATRON_SMS_URL, PATRON_SMS_ACCOUNT_SID, PATRON_SMS_AUTH_TOKEN, \
            PATRON_SMS_FROM, PATRON_SMS_STATUS_CALLBACK; PATRON_SMTP_URL, PATRON_SMTP_USER, PATRON_SMTP_PASSWORD, \
            PATRON_MAIL_FROM. A channel without settings sends nothing: its messages wait in the outbox.
            Mail polling: PATRON_IMAP_URL, PATRON_IMAP_USER, PATRON_IMAP_PASSWORD (and --mailbox).
            With --metrics-port, GET /metrics (Prometheus) and GET /health answer there, without a key: bind \
            them to loopback or a private network.
            """,
        version: "patron-scheduler \(PatronVersion.current)")

    @Option(
        help:
            "The store: a file, sqlite:FILE or postgres://USER@HOST:PORT/DATABASE (default: $PATRON_DB, else ./patron.sqlite)."
    ) var db: String?
    @Option(help: "Seconds between flow ticks.") var interval = 60
    @Flag(help: "Run one tick, send what is due, and exit (for cron and tests).") var once = false
    @Option(help: "This instance's name in the lease (default: host:pid).") var holder: String?
    @Option(help: "Seconds the lease lasts without renewal.") var leaseSeconds: Int64 = 90
    @Option(help: "The shop's name, for {{shop.name}} in templates (default: $PATRON_SHOP_NAME).") var shopName: String?
    @Option(help: "Sends in flight at once.") var concurrency = 32
    @Option(help: "Seconds after which a message claimed by a sender that died is sent again (same key).")
    var claimTimeout: Int64 = 120
    @Option(help: "Mailbox to poll when PATRON_IMAP_URL is set.") var mailbox = "INBOX"
    @Option(help: "Seconds between mail polls.") var mailInterval = 60
    @Option(help: "UTC hour of the nightly RFM snapshot and replenishment refresh.") var nightlyHour = 2
    @Option(help: "Serve GET /metrics and GET /health on this port (0: any free port, printed on start).")
    var metricsPort: Int?
    @Option(help: "The address of the metrics listener.") var metricsHost = "127.0.0.1"
    @Option(help: "Seconds to wait for the store's server at start (it may start after the scheduler).")
    var storeWait = 30

    func run() async throws {
        ChannelCatalog.bootstrap()
        let environment = ProcessInfo.processInfo.environment
        let level = environment["PATRON_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "patron.scheduler")
        PatronMetrics.bootstrap()
        let store: any PatronStore
        let channels: [ConsentChannel: any ChannelConnector]
        do {
            store = try StoreFactory.open(
                db, environment: environment, access: .write, waiting: .seconds(max(0, storeWait))
            ) { error, attempt, wait in
                logger.warning(
                    "store unreachable at start",
                    metadata: [
                        "error": "\(error)", "attempt": "\(attempt)", "retry_in_seconds": "\(wait.components.seconds)",
                    ])
            }
            channels = try ChannelSettings(environment).channels()
        } catch {
            FileHandle.standardError.write(Data("patron-scheduler: \(error)\n".utf8))
            throw ExitCode.failure
        }
        try await serve(store: store, channels: channels, environment: environment, logger: logger)
    }

    /// Runs the scheduler over the store (opened: its type known from here on).
    func serve<S: PatronStore>(
        store: S, channels: [ConsentChannel: any ChannelConnector], environment: [String: String], logger: Logger
    ) async throws {
        var runtime = CampaignRuntime(
            store: store, channels: channels,
            shopName: shopName ?? environment["PATRON_SHOP_NAME"] ?? "our shop", concurrency: concurrency,
            logger: logger)
        runtime.claimTimeoutSeconds = claimTimeout
        runtime.surveyLinks = try SurveyLinkSigner.fromEnvironment(environment)
        if let text = environment["PATRON_VIEW_RETENTION_DAYS"] {
            guard let days = Int(text), days > 0 else {
                throw PatronError(
                    .invalidArgument, "PATRON_VIEW_RETENTION_DAYS: a positive number of days, found '\(text)'")
            }
            runtime.viewRetentionDays = days
        }
        let name = holder ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        let lease = SchedulerLease(runtime: runtime, holder: name, seconds: leaseSeconds)
        logger.notice(
            "starting",
            metadata: [
                "holder": "\(name)", "channels": "\(runtime.channels.keys.map(\.rawValue).sorted())",
                "once": "\(once)",
            ])
        if once {
            guard await lease.hold() else {
                logger.notice("another instance holds the lease: nothing done")
                return
            }
            let report: TickReport
            let sent: OutboxSender<S>.RoundReport
            do {
                report = try await runtime.tick(now: wallClock())
                sent = try await runtime.drain()
            } catch {
                await lease.release()
                throw error
            }
            await lease.release()
            print(
                "tick: \(report.entered.values.reduce(0, +)) entered, \(report.plannedTotal) planned; "
                    + "sent \(sent.sent), retry later \(sent.retried), failed \(sent.failed), dead \(sent.dead), "
                    + "suppressed \(sent.suppressed)")
            return
        }
        // A ServiceGroup stops its services in reverse order: the sender (last) stops first,
        // finishing the round in flight, then the others; the lease is released after all. The
        // monitor and the metrics listener (first) stop last, so a scrape sees the drain.
        let monitor = StoreMonitor(store: store, logger: logger)
        var services: [any Service] = [monitor]
        if let metricsPort {
            guard (0...65535).contains(metricsPort) else {
                throw ValidationError("--metrics-port: \(metricsPort) is not a TCP port (0–65535)")
            }
            let host = metricsHost
            services.append(
                OpsListener.application(
                    host: host, port: metricsPort, monitor: monitor, service: "patron-scheduler", logger: logger,
                    refresh: {
                        let seen = await monitor.current()
                        let leads = seen.vitals?.leases.contains {
                            $0.name == SchedulerLease<S>.name && $0.holder == name
                        }
                        Gauge(label: "patron_scheduler_leader").record(leads == true ? 1 : 0)
                    },
                    onRunning: { port in
                        FileHandle.standardError.write(
                            Data("patron-scheduler: metrics on http://\(host):\(port)/metrics\n".utf8))
                    }))
        }
        services += [
            FlowTickService(lease: lease, interval: .seconds(interval), logger: logger),
            NightlyJobService(lease: lease, hour: nightlyHour, logger: logger),
        ]
        if let url = environment["PATRON_IMAP_URL"], !url.isEmpty {
            let server = try MailServer(
                url: url, username: environment["PATRON_IMAP_USER"], password: environment["PATRON_IMAP_PASSWORD"])
            services.append(
                MailPollService(
                    lease: lease, server: server, mailbox: mailbox, interval: .seconds(mailInterval), logger: logger))
        }
        services.append(OutboxSenderService(lease: lease, logger: logger))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await lease.release()
        logger.notice("stopped; lease released")
    }
}
