import PatronChannels
import PatronCore

/// The channels the apps link, registered for tests that parse flows, plan sends or test
/// consent (as the apps do at start). A suite calls it in its `init`. Tests share one process,
/// and some register channels of their own, so a test that lists channels uses ``linked``.
enum TestChannels {
    static func register() { ChannelCatalog.bootstrap() }
    static let linked = ChannelRegistry(ChannelCatalog.linked)
}
