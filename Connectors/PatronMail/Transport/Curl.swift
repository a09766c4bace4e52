import CCurl
import Foundation

/// `curl_global_init` must run once before any handle exists. A global `let` is initialised
/// lazily under `swift_once`, so the first `Curl()` on any thread runs it exactly once.
private let curlGlobalInit: CURLcode = curl_global_init(3)  // CURL_GLOBAL_DEFAULT (SSL | WIN32)

/// One libcurl easy handle, and every unsafe pointer that goes with it.
///
/// The handle keeps its connection cache between `perform` calls, so a client that makes
/// several requests to the same server logs in once. Options are reset before each request
/// (`curl_easy_reset` keeps live connections), then the connection options and the request's
/// own options are applied.
///
/// Not `Sendable`: an easy handle is single-threaded state. Keeping the class non-Sendable lets
/// the compiler prove no two threads use it at once without a lock; an owner may still move it
/// to another task (region-based isolation) or keep it inside an actor.
final class Curl {
    /// What one request asks for, beyond the connection options.
    struct Request {
        var url: String
        /// An IMAP command to send instead of the one the URL implies (`CURLOPT_CUSTOMREQUEST`).
        var customCommand: String?
        /// Bytes to upload (SMTP DATA, IMAP APPEND); `nil` for a download.
        var upload: [UInt8]?
        /// SMTP envelope sender (`CURLOPT_MAIL_FROM`).
        var mailFrom: String?
        /// SMTP envelope recipients (`CURLOPT_MAIL_RCPT`).
        var mailRecipients: [String] = []
        /// Abort when the server announces a body larger than this (`CURLOPT_MAXFILESIZE_LARGE`).
        var maximumDownload: Int?
    }

    /// What came back: the body (message bytes or untagged IMAP lines) and the server's
    /// protocol lines as libcurl passed them to the header callback.
    struct Response {
        var body: [UInt8]
        var headerLines: [String]
        var responseCode: Int
    }

    /// `PATRON_CURL_VERBOSE=1` traces every protocol line on stderr (passwords included: debug only).
    private static let verbose = ProcessInfo.processInfo.environment["PATRON_CURL_VERBOSE"] == "1"

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let server: MailServer

    /// Creates a handle for one server.
    init(server: MailServer) throws(MailTransportError) {
        guard curlGlobalInit == CURLE_OK, let handle = curl_easy_init() else {
            throw MailTransportError(code: .other, message: "libcurl could not be initialised", url: server.baseURL)
        }
        self.handle = handle
        self.server = server
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs one request on the (reused) connection.
    func perform(_ request: Request) throws(MailTransportError) -> Response {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let sink = DownloadSink()
        let source = UploadSource(bytes: request.upload ?? [])
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipients) }

        let code: CURLcode = withExtendedLifetime((sink, source)) {
            let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
            let sourcePointer = Unmanaged.passUnretained(source).toOpaque()
            applyConnectionOptions()
            setString(CURLOPT_URL, request.url)
            patron_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
            patron_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION, DownloadSink.write)
            patron_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
            patron_curl_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION, DownloadSink.header)
            patron_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
            if let command = request.customCommand { setString(CURLOPT_CUSTOMREQUEST, command) }
            if let limit = request.maximumDownload {
                patron_curl_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit))
            }
            if request.upload != nil {
                patron_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                patron_curl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(source.bytes.count))
                patron_curl_setopt_read_callback(handle, CURLOPT_READFUNCTION, UploadSource.read)
                patron_curl_setopt_pointer(handle, CURLOPT_READDATA, sourcePointer)
            }
            if let from = request.mailFrom { setString(CURLOPT_MAIL_FROM, "<\(from)>") }
            for recipient in request.mailRecipients {
                recipients = curl_slist_append(recipients, "<\(recipient)>")
            }
            if recipients != nil { patron_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients) }
            let code = curl_easy_perform(handle)
            // Nothing set for this request may outlive it inside the handle.
            patron_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
            patron_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
            patron_curl_setopt_pointer(handle, CURLOPT_READDATA, nil)
            patron_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
            return code
        }

        var responseCode = 0
        patron_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        guard code == CURLE_OK else {
            throw error(for: code, request: request, responseCode: responseCode, headerLines: sink.headerLines)
        }
        return Response(body: sink.body, headerLines: sink.headerLines, responseCode: responseCode)
    }

    private func applyConnectionOptions() {
        patron_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        if Self.verbose { patron_curl_setopt_long(handle, CURLOPT_VERBOSE, 1) }
        patron_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, server.connectTimeout.milliseconds)
        patron_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, server.requestTimeout.milliseconds)
        if let username = server.username { setString(CURLOPT_USERNAME, username) }
        if let password = server.password { setString(CURLOPT_PASSWORD, password) }
        switch server.startTLS {
        case .never: break
        case .ifAvailable: patron_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .required: patron_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }
        if !server.verifiesCertificate {
            patron_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            patron_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let path = server.caBundlePath { setString(CURLOPT_CAINFO, path) }
    }

    /// libcurl copies string options (all those used here), so the C string may die right after.
    private func setString(_ option: CURLoption, _ value: String) {
        patron_curl_setopt_string(handle, option, value)
    }

    private func error(
        for code: CURLcode, request: Request, responseCode: Int, headerLines: [String]
    ) -> MailTransportError {
        let detail = String(cString: errorBuffer)
        var message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if let reply = Self.lastServerReply(headerLines), !message.contains(reply) {
            message += "; server said: \(reply)"
        }
        return MailTransportError(
            code: Self.kind(of: code), message: message, url: request.url, curlCode: Int(code.rawValue),
            responseCode: responseCode)
    }

    /// The last tagged IMAP reply or SMTP reply line, which names the real cause.
    private static func lastServerReply(_ lines: [String]) -> String? {
        lines.last { !$0.hasPrefix("*") && !$0.isEmpty }
    }

    private static func kind(of code: CURLcode) -> MailTransportError.Code {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .couldNotResolveHost
        case CURLE_COULDNT_CONNECT: return .connectionRefused
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_LOGIN_DENIED: return .loginDenied
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE: return .connectionLost
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_REMOTE_FILE_NOT_FOUND: return .notFound
        case CURLE_FILESIZE_EXCEEDED: return .tooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT: return .invalidRequest
        case CURLE_QUOTE_ERROR, CURLE_WEIRD_SERVER_REPLY, CURLE_REMOTE_ACCESS_DENIED: return .protocolError
        default: return .other
        }
    }
}

/// Collects what libcurl downloads; lives only for one `perform`.
private final class DownloadSink {
    var body: [UInt8] = []
    var headerLines: [String] = []

    static let write: patron_curl_write_callback = { buffer, size, count, userdata in
        let total = size * count
        guard let buffer, let userdata else { return total }
        let sink = Unmanaged<DownloadSink>.fromOpaque(userdata).takeUnretainedValue()
        buffer.withMemoryRebound(to: UInt8.self, capacity: total) {
            sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: total))
        }
        return total
    }

    static let header: patron_curl_write_callback = { buffer, size, count, userdata in
        let total = size * count
        guard let buffer, let userdata else { return total }
        let sink = Unmanaged<DownloadSink>.fromOpaque(userdata).takeUnretainedValue()
        let line = buffer.withMemoryRebound(to: UInt8.self, capacity: total) {
            String(decoding: UnsafeBufferPointer(start: $0, count: total), as: UTF8.self)
        }
        sink.headerLines.append(line.trimmingCharacters(in: ["\r", "\n"]))
        return total
    }
}

/// Feeds an upload to libcurl; lives only for one `perform`.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    static let read: patron_curl_read_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
        let length = min(size * count, source.bytes.count - source.offset)
        guard length > 0 else { return 0 }
        source.bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + source.offset, byteCount: length)
        }
        source.offset += length
        return length
    }
}
