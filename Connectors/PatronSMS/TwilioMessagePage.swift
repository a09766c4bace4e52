/// One page of `GET …/Messages.json`: the messages and the links to its neighbours.
public struct TwilioMessagePage: Decodable, Hashable, Sendable {
    public var messages: [TwilioMessage]
    /// Zero-based page number.
    public var page: Int
    public var pageSize: Int
    /// Path of the next page (relative to `https://api.twilio.com`); nil on the last page.
    public var nextPageUri: String?
    public var previousPageUri: String?
    public var firstPageUri: String?
    public var uri: String?

    enum CodingKeys: String, CodingKey {
        case messages, page, uri
        case pageSize = "page_size", nextPageUri = "next_page_uri", previousPageUri = "previous_page_uri"
        case firstPageUri = "first_page_uri"
    }
}
