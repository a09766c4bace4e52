import Foundation
import Testing

@testable import PatronMail

extension FixtureExpectations {
    static let charsets: [String: [FixtureFacts]] = [
        "charsets/flanker__bilingual-simple.eml": [
            FixtureFacts(
                subject: "Simple text. How are you? Как ты поживаешь?", from: "hello@example.com",
                bodyContains: "This line is in English\nА эта линия по-русски.")
        ],
        "charsets/mail__iso-8859-1-encoded-from-subject.eml": [
            FixtureFacts(
                subject: "Nicolas Fouché has accepted your invitation to Gmail", from: "gmail-noreply@google.com",
                // "the=\r\n=20\r\nbrand": the encoded space before the line break is kept.
                bodyContains: "Nicolas Fouché has accepted your invitation to Gmail and has chosen the \nbrand new",
                check: { message in
                    #expect(message.to == [MailAddress(name: "Nicolas Fouché", address: "a.b@gmail.com")])
                    #expect(!message.bodyText.contains("<p>"))
                })
        ],
        "charsets/mail__japanese_iso_2022.eml": [
            FixtureFacts(
                subject: "まみむめも", from: "raasdnil@gmail.com", bodyContains: "すみません。",
                check: { message in #expect(message.to.first?.name == "みける") })
        ],
        "charsets/mail__japanese_shift_jis.eml": [
            FixtureFacts(
                subject: "test", from: "xxxxxxx@docomo.ne.jp", bodyContains: "このメールはテスト用のメールです。",
                check: { message in #expect(message.bodyText.hasPrefix("あいうえお")) })
        ],
        "charsets/mail__ks_c_5601-1987.eml": [
            FixtureFacts(subject: "test", from: "from@example.com", bodyContains: "스티해")
        ],
        "charsets/mail__raw_email-euc-kr.eml": [
            FixtureFacts(
                subject: "NOTE: 한국말로 하는 것", from: "jamis@37signals.com", bodyContains: "제 이름은 Jamis입니다.")
        ],
        "charsets/mail__raw_email_bad_time-windows-1251.eml": [
            FixtureFacts(
                subject: "[0]: XXXXXXX XXXXX XXXXX !", from: "yusuf75thu@auracom.net",
                bodyContains: "believed to be clean.",
                check: { message in
                    #expect(message.from?.name == "Атиковa")  // an encoded word inside quotes
                    #expect(message.date == utc("3609-06-30T09:33:50Z"))  // odd but well-formed
                })
        ],
        "charsets/mail__rfc2822-example14-iso2022jp-subject.eml": [
            FixtureFacts(
                subject: "Re: TEST テストテスト", from: "atsushi@example.com", bodyContains: "Hello",
                check: { message in #expect(message.inReplyTo == ["rid_5582199198@msgid.example.com"]) })
        ],
        "charsets/mail__rfc6532-utf8_headers.eml": [
            FixtureFacts(
                subject: "Säying Hello", from: "jdöe@mächine.example", bodyContains: "body",
                check: { message in
                    #expect(message.from?.name == "Jöhn Doe")
                    #expect(message.to == [MailAddress(name: "Märy Smith", address: "märy@exämple.net")])
                })
        ],
        "charsets/sisimai__is-not-bounce-01.eml": [
            FixtureFacts(
                subject: "にゃんこ", from: "shironeko@example.com", bodyContains: "にゃーーーーーーーーーーー",
                check: { message in #expect(message.replyTo.map(\.address) == ["mikeneko@example.org"]) })
        ],
    ]

    static let malformed: [String: [FixtureFacts]] = [
        "malformed/flanker__missing-final-boundary.eml": [
            FixtureFacts(
                subject: "Test", from: "me@example.com", bodyContains: "Some body", warnings: [.missingFinalBoundary],
                check: { message in
                    #expect(message.to.map(\.address) == ["bob@example.com", "hithere@example.com"])
                    #expect(message.root.children.count == 1)
                })
        ],
        "malformed/flanker__outlook-express.eml": [
            FixtureFacts(
                subject: "Sup?", from: "bob@example.com",
                // The raw 8-bit name already holds U+FFFD characters (EF BF BD) from an earlier mangling.
                attachments: ["\u{FFFD}½\u{FFFD} \u{FFFD}ı\u{FFFD}\u{FFFD}ĵ\u{FFFD}.txt"],
                check: { message in
                    #expect(message.bodyText.isEmpty)
                    #expect(String(decoding: message.attachments[0].data, as: UTF8.self) == "текстовое вложение")
                })
        ],
        "malformed/mail__cte_quoted_printable_with_space.eml": [
            FixtureFacts(
                subject: "Low or High Blood Pressure? We can help.", from: "fyouizjnp@swissonline.ch",
                bodyContains: "we are your answer.", warnings: [.nonstandardTransferEncoding],
                check: { message in
                    #expect(message.root.children[0].transferEncoding == .quotedPrintable)
                    #expect(message.root.children[1].text?.contains("we are your answer.<br>") == true)
                })
        ],
    ]

    static let mime: [String: [FixtureFacts]] = [
        "mime/flanker__enclosed.eml": [
            FixtureFacts(
                subject: "Wow", from: "bob@example.net", attachments: ["thanks.eml"], bodyContains: "Hello",
                check: { message in
                    #expect(message.to.first?.name == "Александр Клижентас☯")
                    #expect(message.attachments[0].mimeType == "message/rfc822")
                    let enclosed = message.root.children[1].message
                    #expect(enclosed?.subject == "Thanks!")
                    #expect(enclosed?.to.map(\.address) == ["bob@example.net", "jimmy@examplehq.com"])
                    #expect(enclosed?.bodyText.contains("чтобы я без вас делал, дорогие мои!!!") == true)
                    #expect(enclosed?.root.partNumber == "2")
                    #expect(enclosed?.root.children.map(\.partNumber) == ["2.1", "2.2"])
                })
        ],
        "mime/flanker__quoted-printable.eml": [
            FixtureFacts(
                subject: "This message contains very long links in html", from: "bob@example.com",
                bodyContains:
                    "http://translate.google.com/translate?sl=de&tl=en&u=http%3A%2F%2Fwww.horizont.at%2Fhome%2Fdetail%2Fgoogle-ist-geldgeber-von-adblock-plus.html&act=url",
                check: { message in #expect(!message.bodyText.contains("<div")) })
        ],
        "mime/mailparser__nested.eml": [
            FixtureFacts(
                subject: nil, from: "u@example.com", bodyContains: "Good evening.",
                check: { message in
                    #expect(message.bodyText == "Dear Sir,\n\nGood evening.\n\nThe footer")
                    let alternative = message.root.children[0].children[0]
                    #expect(alternative.contentType.mimeType == "multipart/alternative")
                    #expect(alternative.children.map(\.partNumber) == ["1.1.1", "1.1.2"])
                })
        ],
        "mime/mailparser__nodemailer.eml": [
            FixtureFacts(
                subject: "Nodemailer is unicode friendly ✔ (1476358788189)", from: "andris@kreata.ee",
                attachments: ["image.png", "nyan cat ✔.gif", "notes.txt"], bodyContains: "Hello to myself!",
                check: { message in
                    #expect(message.bodyText == "Hello to myself!")
                    #expect(message.attachments.map(\.contentID) == ["note@example.com", "nyan@example.com", nil])
                    #expect(message.attachments.map(\.mimeType) == ["image/png", "image/gif", "text/plain"])
                    #expect(message.attachments[0].data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
                    #expect(message.attachments[2].data == bytes("Some notes about this e-mail"))
                    #expect(message.to.map(\.address) == ["andris+123@kreata.ee", "andris.reinman@gmail.com"])
                })
        ],
    ]

    static let threads: [String: [FixtureFacts]] = [
        "threads/flanker__multi-received-headers.eml": [
            FixtureFacts(
                subject: "Fwd: Please forward this email to me", from: "hello@example.com",
                bodyContains: "Forward please",
                check: { message in
                    #expect(message.headers.all(named: "received").count == 4)
                    #expect(message.inReplyTo == ["AANLkTinUdYK2NpEiYCKGnCEp_OXKqst_bWNdBVHsfDVh@mail.gmail.com"])
                    #expect(
                        message.references == [
                            "AANLkTi=1ANR2FzeeQ-vK3-_ty0gUrOsAxMRYkob6CL-c@mail.gmail.com",
                            "AANLkTinUdYK2NpEiYCKGnCEp_OXKqst_bWNdBVHsfDVh@mail.gmail.com",
                        ])
                    #expect(!message.bodyText.contains("gmail_quote"))
                })
        ],
        "threads/mail__raw_email_reply.eml": [
            FixtureFacts(
                subject: "Re: Test reply email", from: "xxxxxxxx@xxx.org", bodyContains: "Message body",
                check: { message in
                    #expect(
                        message.references == ["473FF3B8.9020707@xxx.org", "348F04F142D69C21-291E56D292BC@xxxx.net"])
                    #expect(message.messageID == "473FFE27.20003@xxx.org")
                })
        ],
        "threads/mail__rfc2822-example05.eml": [
            FixtureFacts(
                subject: "Saying Hello", from: "jdoe@machine.example",
                bodyContains: "This is a message just to say hello.",
                check: { message in
                    #expect(message.date == utc("1997-11-21T15:55:06Z"))
                    #expect(message.messageID == "1234@local.machine.example")
                })
        ],
        "threads/mail__rfc2822-example06.eml": [
            FixtureFacts(
                subject: "Re: Saying Hello", from: "mary@example.net", bodyContains: "This is a reply to your hello.",
                check: { message in
                    #expect(
                        message.replyTo == [
                            MailAddress(name: "Mary Smith: Personal Account", address: "smith@home.example")
                        ])
                    #expect(message.inReplyTo == ["1234@local.machine.example"])
                })
        ],
        "threads/mail__rfc2822-example07.eml": [
            FixtureFacts(
                subject: "Re: Saying Hello", from: "jdoe@machine.example",
                bodyContains: "This is a reply to your reply.",
                check: { message in
                    #expect(
                        message.to == [MailAddress(name: "Mary Smith: Personal Account", address: "smith@home.example")]
                    )
                    #expect(message.references == ["1234@local.machine.example", "3456@example.net"])
                })
        ],
    ]
}
