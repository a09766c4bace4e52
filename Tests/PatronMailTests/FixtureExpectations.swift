import Foundation
import Testing

@testable import PatronMail

/// The expected facts for every fixture, read off each file by hand. A fixture without an entry
/// fails the corpus test, so new fixtures must be described here.
enum FixtureExpectations {
    static let table: [String: [FixtureFacts]] = attachments.merging(autoReplies) { $1 }
        .merging(bounces) { $1 }.merging(charsets) { $1 }.merging(malformed) { $1 }
        .merging(mime) { $1 }.merging(threads) { $1 }.merging(mbox) { $1 }

    static let attachments: [String: [FixtureFacts]] = [
        "attachments/flanker__attached-pdf.eml": [
            FixtureFacts(
                subject: "test message via curl - extra content-type (_001_)", from: nil, attachments: ["test.pdf"],
                bodyContains: "Test - body content",
                check: { message in
                    #expect(message.bodyText == "Test - body content")  // preamble and epilogue dropped
                    let pdf = message.attachments[0]
                    #expect(pdf.mimeType == "application/pdf")
                    #expect(pdf.size == 6940)
                    #expect(pdf.data.starts(with: Array("%PDF-1.3".utf8)))
                    #expect(pdf.disposition?.isAttachment == true)
                })
        ],
        "attachments/flanker__iphone.eml": [
            FixtureFacts(
                subject: "Subject", from: "someone@somewhere.com", attachments: ["photo.JPG"],
                bodyContains: "~Danielle",
                check: { message in
                    // The whitespace-only first line does not hide the header.
                    #expect(message.to == [MailAddress(name: "Ewan McGregor", address: "example@example.com")])
                    #expect(message.bodyText == "Hello\n\n~Danielle")
                    let photo = message.attachments[0]
                    #expect(photo.mimeType == "image/jpeg")
                    #expect(photo.size == 9023)
                    #expect(photo.data.starts(with: [0xFF, 0xD8]))
                    #expect(photo.isInline)
                    #expect(message.date == utc("2011-06-17T20:24:10Z"))
                })
        ],
        "attachments/mail__attachment_nonascii_filename.eml": [
            FixtureFacts(
                subject: "testing", from: "foo@example.com", attachments: ["ciële.txt"],
                bodyContains: "This is the first part.",
                check: { message in
                    #expect(message.attachments[0].data == bytes("Hi there.\r\n"))
                    #expect(message.attachments[0].mimeType == "text/plain")
                })
        ],
        "attachments/mail__attachment_rfc2231_iso2022jp_name.eml": [
            FixtureFacts(
                subject: "Fwd: Signed email causes file attachments", from: "xxxxxxxxx.xxxxxxx@gmail.com",
                // name*=iso-2022-jp'ja'…%8a…: 0x8A is not ISO-2022-JP, so it becomes U+FFFD with a warning.
                attachments: ["01 Quien Te Dij\u{FFFD}at. Pitbull.mp3"],
                bodyContains: "Test attachments oddly encoded with japanese charset.",
                warnings: [.undecodableText],
                check: { message in
                    #expect(message.inReplyTo == ["F6E2D0B4-CC35-4A91-BA4C-C7C712B10C13@mac.com"])
                    #expect(message.references == ["F6E2D0B4-CC35-4A91-BA4C-C7C712B10C13@mac.com"])
                    #expect(message.attachments[0].size == 399)
                    #expect(message.warnings.first?.part == "2")
                })
        ],
        "attachments/mail__attachment_with_quoted_filename.eml": [
            FixtureFacts(
                subject: "Eelanalüüsi päring", from: "jeff@37signals.com", attachments: ["Eelanalüüsi päring.jpg"],
                check: { message in
                    #expect(message.bodyText.isEmpty)
                    let part = message.root.children[0]
                    // Both spellings agree: filename*= (RFC 2231) and name="=?ISO-8859-1?Q?…?=" (RFC 2047).
                    #expect(part.contentDisposition?.filename == "Eelanalüüsi päring.jpg")
                    #expect(EncodedWordDecoder.decode(part.contentType.name ?? "").text == "Eelanalüüsi päring.jpg")
                    #expect(message.attachments[0].size == 1952)
                })
        ],
    ]

    static let autoReplies: [String: [FixtureFacts]] = [
        "auto-replies/flanker__disposition-notification.eml": [
            FixtureFacts(
                subject: "Disposition notification", from: "Joe_Recipient@example.com", autoReply: true,
                bodyContains: "has been displayed",
                check: { message in
                    #expect(message.date == utc("1995-09-20T04:19:00Z"))  // "(EDT) -0400"
                    #expect(
                        message.root.children.map(\.contentType.mimeType) == [
                            "text/plain", "message/disposition-notification", "message/rfc822",
                        ])
                    #expect(message.root.children[2].message?.subject == "Hi")
                })
        ],
        "auto-replies/sisimai__rfc3834-01.eml": [
            FixtureFacts(
                subject: "Away until May 5", from: "kijitora@example.net", autoReply: true,
                bodyContains: "I am currently away returning to the office on May 5th.")
        ],
        "auto-replies/sisimai__rfc3834-02.eml": [
            FixtureFacts(
                subject: "Automatic reply: Nyaan", from: "nekonyaan@example.org", autoReply: true,
                bodyContains: "I'm out of the office Friday.",
                check: { message in #expect(message.from?.name == "Neko, Nyaan") })
        ],
        "auto-replies/sisimai__rfc3834-03.eml": [
            FixtureFacts(
                subject: "Auto reply: Nyaan", from: "kijitora@apple.example.com", autoReply: true,
                bodyContains: "I'm only sleeping.",
                check: { message in
                    #expect(message.inReplyTo == ["25203A4E-F90F-4A14-BF51-3E7B9D39BE8E@libsisimai.org"])
                })
        ],
        "auto-replies/sisimai__rfc3834-04.eml": [
            FixtureFacts(
                subject: "Automatic reply: Nyaan", from: "kijitora@example.org", autoReply: true,
                bodyContains: "I will have intermittent access to email and phone")  // soft line breaks joined
        ],
        "auto-replies/sisimai__rfc3834-05.eml": [
            FixtureFacts(
                subject: "kitununulinitoquekegu", from: "foo@bar.net", autoReply: true, bodyContains: "zukünftig")
        ],
        "auto-replies/sisimai__rfc3834-06.eml": [
            FixtureFacts(
                subject: "AutoRespons :Nyaan?", from: "noreply@example.com", autoReply: true,
                bodyContains: "Please contact someone else at Example",
                check: { message in
                    // text/plain wins over text/html: the HTML version has "(kijitora@…)".
                    #expect(message.bodyText.hasPrefix("This email inbox kijitora@example.com is no longer in use."))
                    #expect(message.replyTo.map(\.address) == ["kijitora@example.com"])
                })
        ],
    ]

    static let bounces: [String: [FixtureFacts]] = [
        "bounces/flanker__mailbox-full.eml": [
            FixtureFacts(
                subject: "Undelivered Mail Returned to Sender", from: "MAILER-DAEMON@aol.com", autoReply: true,
                bounce: ["user@aol.com"], bodyContains: "user MAILBOX FULL",
                check: { message in
                    #expect(message.from?.name == "Mail Delivery System")  // taken from the comment
                    let report = message.deliveryStatus
                    #expect(report?.source == .rfc3464)
                    #expect(report?.reportingMTA == "mtain-db01.r1000.mx.aol.com")
                    #expect(report?.recipients.first?.status == "5.2.2")
                    #expect(report?.recipients.first?.diagnosticCode == "552 5.2.2 E4.12 user MAILBOX FULL")
                })
        ],
        "bounces/mail__report_422-delayed.eml": [
            FixtureFacts(
                subject: "Warning: could not send message for past 8 hours", from: "MAILER-DAEMON@tppppp.com.au",
                autoReply: true, bounce: [], bodyContains: "THIS IS A WARNING MESSAGE ONLY",
                check: { message in
                    let recipient = message.deliveryStatus?.recipients.first
                    #expect(recipient?.action == .delayed)
                    #expect(recipient?.status == "4.2.2")
                    #expect(recipient?.finalRecipient == "fraser@oooooooo.com.au")
                })
        ],
        "bounces/mailparser__delivery-status.eml": [
            FixtureFacts(
                subject: "Delivery Status Notification (Failure)", from: "MAILER-DAEMON@amazonses.com",
                bounce: ["xxxx@xxxx.com"], bodyContains: "to the following recipients",
                check: { message in
                    let recipient = message.deliveryStatus?.recipients.first
                    #expect(recipient?.status == "5.1.1")
                    #expect(recipient?.diagnosticCode?.hasPrefix("Amazon SES did not send the message") == true)
                    let original = message.root.children[2].message
                    #expect(original?.subject == "Example Subject")
                    #expect(original?.bodyText == "Hi,\n\nMessage")
                })
        ],
        "bounces/sisimai__arf-01.eml": [
            FixtureFacts(
                subject: "Email Feedback Report for IP 192.0.2.", from: "kijitora@example.co.jp",
                autoReply: true,  // X-Loop
                feedbackType: "abuse", bodyContains: "This is an email abuse report",
                warnings: [.missingFinalBoundary],
                check: { message in
                    let report = message.feedbackReport
                    #expect(report?.originalRecipients == ["redacted@example.net"])
                    #expect(report?.sourceIP == "192.0.2.89")
                    #expect(report?.userAgent == "SMP-FBL")
                    #expect(report?.reportedDomains == ["example.ed.jp"])
                    #expect(report?.originalMessage?.subject == "Kijitora cat family")
                    // "-0000 (EST)": the comment is ignored.
                    #expect(report?.arrivalDate == utc("2009-04-29T00:00:00Z"))
                })
        ],
        "bounces/sisimai__lhost-amazonses-01.eml": [
            FixtureFacts(
                subject: "Delivery Status Notification (Failure)", from: "MAILER-DAEMON@email-bounces.amazonses.com",
                bounce: ["shironeko@example.co.jp"], bodyContains: "was undeliverable",
                check: { message in
                    #expect(message.deliveryStatus?.recipients.first?.status == "5.0.0")
                    #expect(message.root.children[2].message?.subject == "TEST")
                })
        ],
        "bounces/sisimai__lhost-exim-01.eml": [
            FixtureFacts(
                subject: "Mail delivery failed: returning message to sender", from: "Mailer-Daemon@e1.example.org",
                autoReply: true, bounce: ["kijitora@example.ed.jp"], bodyContains: "The following address(es) failed",
                check: { message in
                    #expect(message.deliveryStatus?.source == .heuristic)
                    // The text alone names the same recipient, not the sender in "MAIL FROM:<…>".
                    #expect(
                        BounceTextScanner.scan(message.bodyText, excluding: ["shironeko@example.jp"]) == [
                            "kijitora@example.ed.jp"
                        ])
                })
        ],
        "bounces/sisimai__lhost-gmail-01.eml": [
            FixtureFacts(
                subject: "Delivery Status Notification (Failure)", from: "mailer-daemon@googlemail.com",
                bounce: ["userunknown@example.jp"],
                bodyContains: "Delivery to the following recipient failed permanently",
                check: { message in
                    #expect(message.deliveryStatus?.source == .heuristic)
                    #expect(BounceTextScanner.scan(message.bodyText, excluding: []) == ["userunknown@example.jp"])
                })
        ],
        "bounces/sisimai__lhost-office365-01.eml": [
            FixtureFacts(
                subject: "Undeliverable: Nyaan", from: "postmaster@example.com", autoReply: true,
                bounce: ["kijitora@example.com"],
                bodyContains: "The email address wasn\u{2019}t found",  // Windows-1252 0x92
                warnings: [.missingFinalBoundary],
                check: { message in
                    #expect(message.deliveryStatus?.source == .heuristic)
                    #expect(message.warnings.first?.part == "1")
                })
        ],
        "bounces/sisimai__lhost-outlook-01.eml": [
            FixtureFacts(
                subject: "Delivery Status Notification (Failure)", from: "postmaster@mail.hotmail.example.com",
                bounce: ["kijitora@example.jp"],
                bodyContains: "Delivery to the following recipients failed.",  // charset=unicode-1-1-utf-7
                check: { message in
                    #expect(message.deliveryStatus?.recipients.first?.status == "5.2.2")
                    #expect(message.root.children[2].message?.from?.address == "shironeko@hotmail.example.com")
                })
        ],
        "bounces/sisimai__lhost-postfix-01.CRLF.eml": postfix01,
        "bounces/sisimai__lhost-postfix-01.eml": postfix01,
        "bounces/sisimai__lhost-postfix-03.eml": [
            FixtureFacts(
                subject: "Undelivered Mail Returned to Sender", from: "MAILER-DAEMON@e1.example.ne.jp", autoReply: true,
                bounce: ["kijitora@example.net"], bodyContains: "550 Unknown user kijitora@example.net",
                warnings: [.missingFinalBoundary],
                check: { message in
                    #expect(
                        message.deliveryStatus?.recipients.first?.diagnosticCode
                            == "550 Unknown user kijitora@example.net")
                    #expect(message.root.children[2].message?.subject == "Message")
                })
        ],
    ]

    private static let postfix01 = [
        FixtureFacts(
            subject: "Undelivered Mail Returned to Sender", from: "MAILER-DAEMON@p351355.pool.example.ne.jp",
            autoReply: true, bounce: ["kijitora@example.org"], bodyContains: "(expanded from <kijitora@example.org>)",
            warnings: [.missingFinalBoundary],
            check: { message in
                let recipient = message.deliveryStatus?.recipients.first
                #expect(recipient?.finalRecipient == "r@p351355.pool.example.ne.jp")
                #expect(recipient?.originalRecipient == "kijitora@example.org")
                // A folded Diagnostic-Code is unfolded.
                #expect(
                    recipient?.diagnosticCode
                        == "procmail: Couldn't create \"/var/spool/mail/neko\" id: r.example.org: No such user")
            })
    ]
}
