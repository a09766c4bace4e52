import Foundation
import PatronCore
import PatronMail
import PatronPush
import PatronSMS

/// The channels campaigns send through, from settings (environment variables by default):
///
/// - SMS, when `PATRON_SMS_URL` is set: a Twilio-shaped gateway (`https://api.twilio.com` or the
///   stub), `PATRON_SMS_ACCOUNT_SID`, `PATRON_SMS_AUTH_TOKEN`, `PATRON_SMS_FROM` (E.164, or a
///   `MG…` messaging service sid), `PATRON_SMS_STATUS_CALLBACK` (the public URL of
///   `patron-api`'s `/webhooks/twilio/status`).
/// - Email, when `PATRON_SMTP_URL` is set: `PATRON_SMTP_USER`, `PATRON_SMTP_PASSWORD`,
///   `PATRON_MAIL_FROM`.
/// - Web push, when `PATRON_VAPID_PRIVATE_KEY` is set (the P-256 scalar, base64url; its public
///   key is what browsers subscribe with): `PATRON_VAPID_SUBJECT` (`mailto:` or `https:`), and
///   `PATRON_PUSH_ALLOW_LOOPBACK_HTTP=1` only for the stub push service on loopback.
///
/// A channel without settings sends nothing: its messages wait in the outbox.
public struct ChannelSettings: Sendable {
    public var values: [String: String]
    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) { self.values = values }

    public func channels() throws -> [ConsentChannel: any ChannelConnector] {
        var out: [ConsentChannel: any ChannelConnector] = [:]
        if let url = values["PATRON_SMS_URL"], !url.isEmpty {
            guard let sid = values["PATRON_SMS_ACCOUNT_SID"], let token = values["PATRON_SMS_AUTH_TOKEN"],
                let from = values["PATRON_SMS_FROM"]
            else {
                throw PatronError(
                    .invalidArgument,
                    "PATRON_SMS_URL is set: PATRON_SMS_ACCOUNT_SID, PATRON_SMS_AUTH_TOKEN and PATRON_SMS_FROM are needed too"
                )
            }
            let sender: TwilioMessageRequest.Sender =
                from.hasPrefix("MG") ? .messagingService(sid: from) : .phoneNumber(from)
            out[.sms] = TwilioSMSChannel(
                baseURL: url, accountSid: sid, authToken: token, sender: sender,
                statusCallback: values["PATRON_SMS_STATUS_CALLBACK"].flatMap { $0.isEmpty ? nil : $0 })
        }
        if let url = values["PATRON_SMTP_URL"], !url.isEmpty {
            guard let from = values["PATRON_MAIL_FROM"], let address = MailAddress.parseList(from).first else {
                throw PatronError(
                    .invalidArgument, "PATRON_SMTP_URL is set: PATRON_MAIL_FROM (an address) is needed too")
            }
            let server: MailServer
            do {
                server = try MailServer(
                    url: url, username: values["PATRON_SMTP_USER"], password: values["PATRON_SMTP_PASSWORD"])
            } catch {
                throw PatronError(.invalidArgument, "PATRON_SMTP_URL: \(error)")
            }
            out[.email] = EmailChannel(server: server, from: address)
        }
        if let key = values["PATRON_VAPID_PRIVATE_KEY"], !key.isEmpty {
            let vapid: VAPID
            do {
                vapid = try VAPID(privateKey: key, subject: values["PATRON_VAPID_SUBJECT"] ?? "")
            } catch {
                throw PatronError(.invalidArgument, "PATRON_VAPID_PRIVATE_KEY / PATRON_VAPID_SUBJECT: \(error)")
            }
            out[.push] = WebPushChannel(
                vapid: vapid, allowLoopbackHTTP: values["PATRON_PUSH_ALLOW_LOOPBACK_HTTP"] == "1")
        }
        return out
    }
}
