import Hummingbird
import NIOCore

/// The API's bound on any request body.
package enum RequestBodyLimit {
    /// 1 MiB: every route that reads a body reads at most this much.
    package static let maxBytes = 1 << 20
}

extension Request {
    /// The whole body, at most `limit` bytes. A longer body is a 413 problem (never a 500), at
    /// once when its `Content-Length` says so; a body the client stopped sending a 400.
    mutating func body(upTo limit: Int = RequestBodyLimit.maxBytes) async throws(Problem) -> ByteBuffer {
        // A declared length over the limit is refused at once, before any of the body arrives.
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw Problem(.contentTooLarge, "the body is over \(limit) bytes (Content-Length: \(declared))")
        }
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, "the body is over \(limit) bytes")
        } catch {
            throw Problem(.badRequest, "the body could not be read: \(error)")
        }
    }
}
