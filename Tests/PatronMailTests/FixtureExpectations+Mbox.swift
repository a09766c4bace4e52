import Foundation
import Testing

@testable import PatronMail

extension FixtureExpectations {
    /// mbox-0 holds 37 bounces from Japanese carriers and common MTAs. Each row is
    /// (From address, subject, auto-reply?, failed recipients or nil, charset warning?).
    /// #6, #9, #11 and #31 declare ISO-2022-JP but carry UTF-8 text (read as UTF-8, with a
    /// warning); #7 is a qmail text bounce read heuristically; #36 forwards a bounce and is not one.
    private static let mbox0Rows: [(String, String, Bool, [String]?, Bool)] = [
        /* 1 */ (
            "MAILER-DAEMON", "Postmaster notify: see transcript for details", true,
            ["domain-does-not-exist@example.gov"], false
        ),
        /* 2 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["recipient-address-does-not-exist@docomo.ne.jp"], false
        ),
        /* 3 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["recipient-mailbox-is-full@docomo.ne.jp"], false
        ),
        /* 4 */ (
            "MAILER-DAEMON", "Postmaster notify: see transcript for details", true,
            ["message-is-rejected-by-the-domain-fileters@docomo.ne.jp"], false
        ),
        /* 5 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-message-excees-limit-5000kb@docomo.ne.jp"], false
        ),
        /* 6 */ (
            "Postmaster@ezweb.ne.jp", "Mail System Error - Returned Mail", false,
            ["this-user-does-not-exist-on-the-server@ezweb.ne.jp"], true
        ),
        /* 7 */ ("MAILER-DAEMON@example.co.jp", "failure notice", false, ["userunknown@example.com"], false),
        /* 8 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-message-is-too-big-for-the-host@ezweb.ne.jp"], false
        ),
        /* 9 */ (
            "MAILER-DAEMON@softbank.ne.jp", "Non Delivery Notification", false,
            ["the-recipient-does-not-exist-on-the-host@k.vodafone.ne.jp"], true
        ),
        /* 10 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-user-does-not-exist-on-the-server@k.vodafone.ne.jp"], false
        ),
        /* 11 */ (
            "MAILER-DAEMON@softbank.ne.jp", "Non Delivery Notification", false,
            ["this-destination-mailbox-is-full@d.vodafone.ne.jp"], true
        ),
        /* 12 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-message-is-too-big-for-the-host@k.vodafone.ne.jp"], false
        ),
        /* 13 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["recipient-is-non-existent-user@i.softbank.jp"], false
        ),
        /* 14 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["sent-message-is-too-big-for-the-mail-server@i.softbank.jp"], false
        ),
        /* 15 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["non-existent-smart-phone-user-it-is@emnet.ne.jp"], false
        ),
        /* 16 */ (
            "MAILER-DAEMON", "Postmaster notify: see transcript for details", true,
            ["this-air-edge-user-does-not-exist-wm1@wm.pdx.ne.jp"], false
        ),
        /* 17 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-air-edge-user-does-not-exist-wm2@wm.pdx.ne.jp"], false
        ),
        /* 18 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-air-edge-user-does-not-exist-wc1@willcom.com"], false
        ),
        /* 19 */ (
            "MAILER-DAEMON", "Postmaster notify: see transcript for details", true,
            ["this-air-edge-user-does-not-exist-wc2@willcom.com"], false
        ),
        /* 20 */ (
            "MAILER-DAEMON@mail.bis.ap.blackberry.com", "Delivery Status Notification (Failure)", false,
            ["non-existent-blackberry-user-addr@docomo.blackberry.com"], false
        ),
        /* 21 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["non-existent-google-mail-address-it-is@gmail.com"], false
        ),
        /* 22 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-is-not-a-yahoo-user-address@yahoo.com"], false
        ),
        /* 23 */ (
            "mailer-daemon", "Postmaster notify: see transcript for details", true,
            ["recipient-does-not-exist-in-hotmail@hotmail.com"], false
        ),
        /* 24 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["illegal-attachment-on-the-message@gmail.com"], false
        ),
        /* 25 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["too-big-message-this-is@computer.example.co.jp"], false
        ),
        /* 26 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-address-does-not-exist@pc.example.or.jp"], false
        ),
        /* 27 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["this-address-does-not-exist@example.dyndns.org"], false
        ),
        /* 28 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["too-big-message-to-your@example.dyndns.org"], false
        ),
        /* 29 */ (
            "mailer-daemon", "Postmaster notify: see transcript for details", true,
            ["bad-recipient-address-this-is@bad-is-bad.example.net"], false
        ),
        /* 30 */ (
            "mailer-daemon", "Postmaster notify: see transcript for details", true,
            ["this-user-does-not-have-goo-id@mail.goo.ne.jp"], false
        ),
        /* 31 */ (
            "Postmaster@mopera.net", "メール送信エラー (Error message)", false,
            ["this-recipient-address-is-not-mopera-user@mopera.ne.jp"], true
        ),
        /* 32 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["very-very-big-message-to-you@mopera.ne.jp"], false
        ),
        /* 33 */ (
            "MAILER-DAEMON@vsmtp06.example.jp", "Returned mail: see transcript for details", true,
            ["mailboxfull@example.kyoto.jp"], false
        ),
        /* 34 */ (
            "MAILER-DAEMON", "Postmaster notify: see transcript for details", true,
            ["the-postmaster-and-webmaster@example.com"], false
        ),
        /* 35 */ (
            "MAILER-DAEMON", "Postmaster notify: see transcript for details", true, ["mailer-program@example.jp"], false
        ),
        /* 36 */ ("original-sender@example.jp", "Fwd: Returned mail: see transcript for details", false, nil, false),
        /* 37 */ (
            "MAILER-DAEMON", "Returned mail: see transcript for details", true,
            ["ougoaiudgoe4ghlqrgdhgalk@kddi.biz.ezweb.ne.jp"], false
        ),
    ]

    /// Extra checks by message number.
    private static let mbox0Checks: [Int: @Sendable (MIMEMessage) -> Void] = [
        7: { message in #expect(message.deliveryStatus?.source == .heuristic) },  // qmail text bounce
        11: { message in  // "<address>" in Final-Recipient, a 4.x.x status with Action: failed
            #expect(message.deliveryStatus?.recipients.first?.status == "4.2.2")
            #expect(message.deliveryStatus?.recipients.first?.action == .failed)
        },
        31: { message in  // "address>" in Final-Recipient, a raw UTF-8 subject with a NUL
            #expect(
                message.deliveryStatus?.recipients.first?.finalRecipient
                    == "this-recipient-address-is-not-mopera-user@mopera.ne.jp")
        },
        34: { message in
            let recipient = message.deliveryStatus?.recipients.first
            #expect(recipient?.status == "5.7.1")
            #expect(recipient?.diagnosticCode == "550 5.7.1 Relaying denied. IP name lookup failed [192.0.2.254]")
        },
        36: { message in #expect(!message.isAutomated) },  // a person forwarding a bounce
    ]

    static let mbox: [String: [FixtureFacts]] = [
        "mbox/sisimai__mbox-0": mbox0Rows.enumerated().map { index, row in
            FixtureFacts(
                subject: row.1, from: row.0, autoReply: row.2, bounce: row.3,
                warnings: row.4 ? [.undecodableText] : [],
                check: mbox0Checks[index + 1])
        },
        "mbox/sisimai__mbox-1": [
            FixtureFacts(
                subject: "Error Mail Report", from: "POSTMASTER@example.jp", autoReply: true,
                bounce: ["kijitora@libsisimai.org"], bodyContains: "The following addresses had permanent fatal errors",
                check: { message in
                    let original = message.root.children[2].message
                    #expect(original?.subject == "バウンスメールのテスト(日本語)")  // two joined encoded words
                    #expect(original?.bodyText.hasPrefix("太眉猫、警戒してても猫じゃらしを揺らせば寄って来る。") == true)
                    #expect(message.deliveryStatus?.recipients.first?.status == "5.1.1")
                })
        ],
    ]
}
