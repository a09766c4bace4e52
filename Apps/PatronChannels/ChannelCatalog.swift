import PatronCore
import PatronMail
import PatronPush
import PatronSMS

/// The channels these apps link: what they register at start, so flows, segments and the
/// contact policy know them. Adding a channel connector to the apps is adding it here (and to
/// the scheduler's settings, which configure its sending).
public enum ChannelCatalog {
    public static let linked: [ChannelDescriptor] = [
        EmailChannel.descriptor, TwilioSMSChannel.descriptor, WebPushChannel.descriptor,
    ]

    /// Registers the linked channels (harmless to repeat).
    public static func bootstrap() { ChannelRegistry.bootstrap(linked) }
}
