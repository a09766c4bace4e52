import Foundation
import Testing

/// The house rules that a grep can hold: the kernel imports Foundation only, connectors import
/// no other connector or app, and no app but the store factory opens a store or touches GRDB.
@Suite struct LayeringTests {
    init() { TestChannels.register() }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every Swift file under `folder`, with its text.
    static func sources(_ folder: String) throws -> [(path: String, text: String)] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return try walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted().map {
            ("\(folder)/\($0)", try String(contentsOf: base.appendingPathComponent($0), encoding: .utf8))
        }
    }

    static func imports(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            for prefix in ["import ", "@testable import ", "@_exported import "] where trimmed.hasPrefix(prefix) {
                return trimmed.dropFirst(prefix.count).split(separator: " ").last.map(String.init)
            }
            return nil
        }
    }

    @Test func theKernelImportsFoundationOnly() throws {
        let files = try Self.sources("Core/PatronCore")
        #expect(files.count > 50)
        for file in files {
            let foreign = Self.imports(file.text).filter { $0 != "Foundation" }
            #expect(foreign.isEmpty, "\(file.path) imports \(foreign)")
        }
    }

    /// What the SQL stores share depends on the kernel alone: no engine, and neither store.
    @Test func theSharedSQLPartNamesNoEngine() throws {
        let files = try Self.sources("Core/PatronSQL")
        #expect(files.count >= 3)
        for file in files {
            let foreign = Self.imports(file.text).filter { $0 != "Foundation" && $0 != "PatronCore" }
            #expect(foreign.isEmpty, "\(file.path) imports \(foreign)")
        }
    }

    @Test func connectorsImportNoOtherConnectorNorAnApp() throws {
        let connectors = ["PatronCSV", "PatronWebhooks", "PatronMail", "PatronSMS"]
        let apps = ["PatronHTTP", "PatronScheduler", "PatronSMSStub", "PatronAuth", "PatronStoreFactory"]
        for connector in connectors {
            for file in try Self.sources("Connectors/\(connector)") {
                let wrong = Self.imports(file.text).filter { (connectors + apps).contains($0) && $0 != connector }
                #expect(wrong.isEmpty, "\(file.path) imports \(wrong)")
            }
        }
    }

    @Test func onlyTheStoreFactoryOpensAStore() throws {
        var checked = 0
        for file in try Self.sources("Apps") where !file.path.hasPrefix("Apps/PatronStoreFactory/") {
            checked += 1
            // The apps hold a store as the kernel's protocols; only the factory knows the types.
            for name in [
                "SQLiteStore", "SQLiteTransaction", "DatabaseQueue", "DatabasePool", "GRDB", "PatronSQLite",
                "PostgresStore", "PostgresTransaction", "PostgresNIO", "PatronPostgres",
            ] {
                #expect(!file.text.contains(name), "\(file.path) names \(name)")
            }
        }
        #expect(checked > 40)
    }

    /// No app target but the factory depends on the SQLite store's target (Package.swift).
    @Test func onlyTheStoreFactoryLinksAStore() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let targets = manifest.replacingOccurrences(of: ".executableTarget(", with: ".target(")
            .components(separatedBy: ".target(").dropFirst()
        var apps = 0
        for target in targets {
            guard let start = target.range(of: "name: \""), let path = target.range(of: "path: \"Apps/") else {
                continue
            }
            let name = String(target[start.upperBound...].prefix { $0 != "\"" })
            // The target's own text ends at its path.
            let body = target[..<path.lowerBound]
            apps += 1
            guard name != "PatronStoreFactory" else { continue }
            #expect(!body.contains("\"PatronSQLite\""), "\(name) depends on PatronSQLite")
        }
        #expect(apps >= 8)
    }

    /// The kernel, the flows and the SQLite store name no channel but email (which the kernel's
    /// mail intake speaks of): channels come from connectors. Left out: the demo shop generator
    /// (its customers opt in to SMS, as a shop's do) and the migration that moved the old
    /// per-channel columns.
    @Test func theKernelAndTheStoresKeepNoListOfChannels() throws {
        var checked = 0
        for folder in ["Core/PatronCore", "Core/PatronFlows", "Core/PatronSQLite"] {
            for file in try Self.sources(folder)
            where !file.path.hasSuffix("ShopGenerator.swift") && !file.path.hasSuffix("SQLiteSchema.swift") {
                checked += 1
                let code = file.text.split(separator: "\n").filter {
                    !$0.trimmingCharacters(in: .whitespaces).hasPrefix("///")
                }.joined(separator: "\n")
                for name in [#""sms""#, ".sms", "consent_email", "consent_sms", "CaseIterable, ConsentChannel"] {
                    #expect(!code.contains(name), "\(file.path) names \(name)")
                }
            }
        }
        #expect(checked > 100)
    }
}
