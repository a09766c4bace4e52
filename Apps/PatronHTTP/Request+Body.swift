import Hummingbird
import NIOCore

/// The API's bound on any request body.
package enum RequestBodyLimit {
    /// 1 MiB: every route that reads a body reads at most this much.
    package static let maxBytes = 1 << 20
}

extension Request {
    /// The whole body, at most `limit` bytes. A longer body is a 413 problem (never a 500), and
    /// a body the client stopped sending a 400.
    mutating func body(upTo limit: Int = RequestBodyLimit.maxBytes) async throws(Problem) -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, "the body is over \(limit) bytes")
        } catch {
            throw Problem(.badRequest, "the body could not be read: \(error)")
        }
    }
}
