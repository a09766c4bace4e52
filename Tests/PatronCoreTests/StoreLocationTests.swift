import PatronCore
import Testing

@Suite struct StoreLocationTests {
    init() { TestChannels.register() }

    @Test(arguments: [
        ("shop.sqlite", StoreLocation.sqlite(path: "shop.sqlite")),
        ("sqlite:demo/shop.sqlite", .sqlite(path: "demo/shop.sqlite")),
        ("sqlite:///var/lib/patron.sqlite", .sqlite(path: "/var/lib/patron.sqlite")),
        ("postgres://patron:secret@db:5432/shop", .postgres(url: "postgres://patron:secret@db:5432/shop")),
        ("postgresql://db/shop", .postgres(url: "postgresql://db/shop")),
        ("C:relative", .sqlite(path: "C:relative")),
    ])
    func readsPathsAndURLs(text: String, expected: StoreLocation) throws {
        #expect(try StoreLocation(parsing: text) == expected)
    }

    @Test func unknownSchemesAndEmptyAreErrors() {
        #expect(throws: PatronError.self) { try StoreLocation(parsing: "mysql://db/shop") }
        #expect(throws: PatronError.self) { try StoreLocation(parsing: "  ") }
        #expect(throws: PatronError.self) { try StoreLocation(parsing: "sqlite:") }
    }

    @Test func theFlagWinsOverTheEnvironmentAndPasswordsAreHidden() throws {
        #expect(try StoreLocation.resolve(flag: nil, environment: [:]) == .sqlite(path: "patron.sqlite"))
        #expect(try StoreLocation.resolve(flag: nil, environment: ["PATRON_DB": "sqlite:a"]) == .sqlite(path: "a"))
        #expect(try StoreLocation.resolve(flag: "b", environment: ["PATRON_DB": "a"]) == .sqlite(path: "b"))
        #expect(StoreLocation.postgres(url: "postgres://u:pw@h/d").description == "postgres://u:***@h/d")
    }
}
