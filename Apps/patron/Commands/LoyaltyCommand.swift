import ArgumentParser
import Foundation
import PatronCore
import PatronFlows

/// `patron loyalty rules validate|activate`, `balance`, `ledger`, `adjust`, `redeem`: the points
/// programme on the command line (see docs/loyalty.md).
struct LoyaltyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loyalty", abstract: "The loyalty programme: rules, balances, ledgers, adjustments, redemptions.",
        subcommands: [
            Rules.self, Balance.self, Ledger.self, Adjust.self, Redeem.self, Expire.self, Tiers.self, TierOverride.self,
        ])

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a loyalty.yaml, or make it the active rules.", subcommands: [Validate.self, Activate.self])

        struct Validate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check a rules file: every problem with its line and column; exit 1 if there is one.")
            @Argument(help: "The rules file.") var file: String
            @Option(help: "The store's currency, for amounts like per: \"1.00\" (activate reads the store's).")
            var currency = "USD"

            func run() async throws {
                try await reportingRuleErrors {
                    guard let code = CurrencyCode(currency) else {
                        throw PatronError(.invalidArgument, "--currency: unknown currency '\(currency)'")
                    }
                    let program = try LoyaltyFile.load(
                        path: file, currencyDigits: CurrencyCode.minorUnitDigits(of: code))
                    print("\(file): ok (\(LoyaltyReport.summary(program)))")
                }
            }
        }

        struct Activate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check a rules file and make it the active rules of the store.")
            @OptionGroup var store: StoreOptions
            @Argument(help: "The rules file.") var file: String

            func run() async throws {
                try await reportingRuleErrors {
                    let opened = try store.open(.create)
                    let digits = CurrencyCode.minorUnitDigits(of: try opened.reportingCurrency())
                    let (program, text) = try LoyaltyFile.read(path: file, currencyDigits: digits)
                    try LoyaltyDesk.activate(
                        opened, rules: text, program: program, at: Int64(Date().timeIntervalSince1970))
                    print("\(file): active (\(LoyaltyReport.summary(program)))")
                }
            }
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A customer's points: spendable, pending, earned, expiring soon, tier.")
        @OptionGroup var shown: ShownCustomer

        func run() async throws { try await shown.print(entries: false) }
    }

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A customer's ledger: every entry, and the awards each spend or expiry drew from.")
        @OptionGroup var shown: ShownCustomer

        func run() async throws { try await shown.print(entries: true) }
    }

    /// What `balance` and `ledger` take: the store, the customer, the format.
    struct ShownCustomer: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String
        @Option(help: "table | json.") var format: Format = .table

        /// The statement as a table (the figures, or the entries) or as JSON.
        func print(entries: Bool) async throws {
            try await reportingErrors {
                let statement = try LoyaltyCLI.statement(store: try store.open(.read), customer: customer)
                switch format {
                case .table:
                    Swift.print(
                        entries ? LoyaltyReport.ledger(statement) : LoyaltyReport.balance(statement), terminator: "")
                case .json: Swift.print(try LoyaltyReport.json(statement, entries: entries))
                }
            }
        }
    }

    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or take points by hand, with a reason (recorded with who made it).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String
        @Argument(
            parsing: .allUnrecognized, help: "Points: positive adds, negative takes (at most the balance), e.g. -50.")
        var points: [String] = []
        @Option(help: "Why (required; kept in the ledger).") var reason: String?
        @Option(help: "Who makes it (default: $USER).") var actor: String?
        @Option(help: "A key that makes the adjustment safe to run again.") var key: String?
        @Option(help: "Added points expire at the start of this day, YYYY-MM-DD (default: never).") var expires: String?

        func run() async throws {
            try await reportingErrors {
                let amount = try LoyaltyCLI.points(points, signed: true)
                guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw PatronError(.invalidArgument, "--reason is required: say why the points change")
                }
                let opened = try store.open(.write)
                let id = try LoyaltyDesk.customer(customer, in: opened)
                let who = actor ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
                let entry = try LoyaltyDesk.adjust(
                    opened, customer: id, points: amount, reason: reason, actor: who, key: key,
                    expiresAt: try parseDay(expires, option: "--expires")?.epochSeconds,
                    at: Int64(Date().timeIntervalSince1970))
                print(LoyaltyReport.entryLine(entry))
            }
        }
    }

    struct Redeem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Spend points for a reward (drawn from the points that expire first).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String
        @Argument(parsing: .allUnrecognized, help: "Points to spend (a whole number above 0).")
        var points: [String] = []
        @Option(help: "What the points buy (kept in the ledger).") var reason = "redemption"
        @Option(help: "A key that makes the redemption safe to run again (default: a new one).") var key: String?

        func run() async throws {
            try await reportingErrors {
                let amount = try LoyaltyCLI.points(points, signed: false)
                let opened = try store.open(.write)
                let id = try LoyaltyDesk.customer(customer, in: opened)
                let entry = try LoyaltyDesk.redeem(
                    opened, customer: id, points: amount, key: key ?? UUID().uuidString.lowercased(), reason: reason,
                    actor: ProcessInfo.processInfo.environment["USER"] ?? "cli", at: Int64(Date().timeIntervalSince1970)
                )
                print(LoyaltyReport.entryLine(entry))
            }
        }
    }
}

extension LoyaltyCommand {
    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expire the points of every award past its expiry (patron-scheduler does it nightly).",
            discussion: "Safe to run again: each award expires once, dated at its expiry.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("as-of"), help: "Expire as of the end of this day, YYYY-MM-DD (default: now).")
        var asOf: String?

        func run() async throws {
            try await reportingErrors {
                let clock = Int64(Date().timeIntervalSince1970)
                let now = try parseDay(asOf, option: "--as-of").map { ($0 + 1).epochSeconds - 1 } ?? clock
                // An expiry cannot be undone: a day ahead of the clock would expire points early.
                guard Day(epochSeconds: now) <= Day(epochSeconds: clock) else {
                    throw PatronError(
                        .invalidArgument, "--as-of \(asOf ?? ""): is in the future; expiry cannot be undone")
                }
                print(try LoyaltyDesk.expire(try store.open(.write), at: now))
            }
        }
    }
}

extension LoyaltyCommand {
    struct Tiers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Customers per tier, and the moves between tiers over the last days.",
            discussion: """
                --update first runs the tier job (patron-scheduler runs it nightly): every customer's \
                tier by the active rules, each change recorded. Safe to run again.
                """)
        @OptionGroup var store: StoreOptions
        @Flag(help: "Recompute every customer's tier first.") var update = false
        @Option(
            name: .customLong("as-of"), help: "With --update: as of the end of this day, YYYY-MM-DD (default: now).")
        var asOf: String?
        @Option(help: "Moves over this many days (default 30).") var days = 30

        func run() async throws {
            try await reportingErrors {
                guard days > 0 else { throw PatronError(.invalidArgument, "--days must be positive") }
                let opened = try store.open(update ? .write : .read)
                let clock = Int64(Date().timeIntervalSince1970)
                let now = try parseDay(asOf, option: "--as-of").map { ($0 + 1).epochSeconds - 1 } ?? clock
                if update {
                    guard try opened.read({ try $0.loyaltyRules()?.program?.tiers }) != nil else {
                        throw PatronError(
                            .notFound, "the active loyalty rules have no tiers (patron loyalty rules activate)")
                    }
                    print(try LoyaltyDesk.updateTiers(opened, at: now))
                }
                print(try LoyaltyDesk.tierOverview(opened, since: now - Int64(days) * 86_400).text, terminator: "")
            }
        }
    }
}

extension LoyaltyCommand {
    struct TierOverride: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tier-override",
            abstract: "Set a customer's tier by hand until a day, or end the override (--end).",
            discussion: "Recorded with who and why; the next tier run applies it (patron loyalty tiers --update).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The customer: an id or an email address.") var customer: String
        @Argument(help: "The tier (one of the active rules' tiers); left out with --end.") var tier: String?
        @Option(help: "The override ends at the start of this day, YYYY-MM-DD (default: until ended).") var until:
            String?
        @Flag(help: "End the customer's override now.") var end = false
        @Option(help: "Why (required).") var reason: String?
        @Option(help: "Who sets it (default: $USER).") var actor: String?

        func run() async throws {
            try await reportingErrors {
                guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw PatronError(.invalidArgument, "--reason is required: say why the tier is set by hand")
                }
                guard end == (tier == nil) else {
                    throw PatronError(.invalidArgument, end ? "--end takes no tier" : "give a tier, or --end")
                }
                let opened = try store.open(.write)
                let override = try LoyaltyDesk.setTierOverride(
                    opened, customer: try LoyaltyDesk.customer(customer, in: opened), tier: tier,
                    until: try parseDay(until, option: "--until")?.epochSeconds, reason: reason,
                    actor: actor ?? ProcessInfo.processInfo.environment["USER"] ?? "cli",
                    at: Int64(Date().timeIntervalSince1970))
                print(
                    "\(override.tier) from \(Timestamp.format(override.from))"
                        + (override.until.map { " until \(Timestamp.format($0))" } ?? "")
                        + " by \(override.actor): \(override.reason)")
            }
        }
    }
}

/// What the loyalty commands share: the active programme, and the checks of their arguments.
enum LoyaltyCLI {
    static func statement(store: any PatronStore, customer: String) throws -> LoyaltyStatement {
        let id = try LoyaltyDesk.customer(customer, in: store)
        let program = try activeProgram(store)
        return try LoyaltyDesk.statement(store, customer: id, program: program, at: Int64(Date().timeIntervalSince1970))
    }

    /// The store's active rules, read again (`nil` before the first activation).
    static func activeProgram(_ store: any PatronStore) throws -> LoyaltyProgram? {
        guard let rules = try store.read({ try $0.loyaltyRules() }) else { return nil }
        if let program = rules.program { return program }
        do {
            let digits = CurrencyCode.minorUnitDigits(of: try store.reportingCurrency())
            return try LoyaltyFile.parse(rules.text, file: "active loyalty rules", currencyDigits: digits)
        } catch {
            throw PatronError(.storeFailure, "the active loyalty rules no longer read: \(error)")
        }
    }

    /// A whole number of points: above 0, or not 0 when `signed`. Given as the arguments left
    /// after the customer (so that `-50` is a number, not an option).
    static func points(_ given: [String], signed: Bool) throws(PatronError) -> Int64 {
        guard given.count == 1, let text = given.first else {
            throw PatronError(
                .invalidArgument,
                given.isEmpty
                    ? "points: missing (a whole number)"
                    : "points: expected one number, found \(given.joined(separator: " "))")
        }
        guard let value = Int64(text), signed ? value != 0 : value > 0, value.magnitude <= 1_000_000_000 else {
            throw PatronError(
                .invalidArgument,
                "points: '\(text)' is not \(signed ? "a whole number other than 0" : "a whole number above 0")"
                    + " (at most 1000000000)")
        }
        return value
    }
}

/// Runs a rules command: a rules file's problems one per line on stderr, exit status 1.
func reportingRuleErrors(_ body: () async throws -> Void) async throws {
    try await reportingErrors {
        do {
            try await body()
        } catch let errors as FlowFileErrors {
            FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
