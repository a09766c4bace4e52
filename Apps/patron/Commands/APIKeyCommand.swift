import ArgumentParser
import Foundation
import PatronAuth
import PatronCore

/// `patron apikey create|list|revoke`: the keys of `patron-api`. A key is shown once; the store
/// keeps only its SHA-256.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Create, list and revoke HTTP API keys (the store keeps only their SHA-256).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (shown only now).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "A name for the key (who uses it).") var name: String
        @Option(
            help: """
                read, write or admin (each includes the ones before it); a comma-separated list also works; \
                track for a storefront's publishable key (POST /v1/track only).
                """)
        var scope: String
        @Option(
            help: "An origin a track key may be used from (https://shop.example); repeat for more. None: any origin.")
        var origin: [String] = []

        func run() async throws {
            try await reportingErrors {
                let scopes = try APIKeys.scopes(scope)
                var origins: [String] = []
                for text in origin {
                    guard let parsed = APIScope.origin(text) else {
                        throw PatronError(
                            .invalidArgument, "--origin: '\(text)' is not an origin (https://host[:port], no path)")
                    }
                    origins.append("origin:" + parsed)
                }
                guard origins.isEmpty || scopes.contains(.track) else {
                    throw PatronError(.invalidArgument, "--origin: only a track key is restricted to origins")
                }
                let key = APIKeys.generate()
                try await store.open(.create).createAPIKey(
                    name: name, hash: APIKeys.hash(key), scopes: scopes.map(\.rawValue) + origins,
                    at: Int64(Date().timeIntervalSince1970))
                print(key)
                FileHandle.standardError.write(
                    Data("patron: key '\(name)' created (\(scope)); it is shown only now\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: name, scopes, created, revoked.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await reportingErrors {
                for key in try await store.open(.read).apiKeys() {
                    print(
                        "\(key.name)\t\(key.scopes.joined(separator: ","))\t\(Timestamp.format(key.createdAt))\t"
                            + (key.revokedAt.map { "revoked " + Timestamp.format($0) } ?? "live"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it is refused from now on.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key's name.") var name: String

        func run() async throws {
            try await reportingErrors {
                guard try await store.open(.write).revokeAPIKey(name: name, at: Int64(Date().timeIntervalSince1970))
                else { throw PatronError(.notFound, "no live key named '\(name)'") }
            }
        }
    }
}
