import Testing

@testable import PatronMail

@Suite("Classification")
struct ClassificationTests {
    init() { TestChannels.register() }

    private func message(_ header: String, body: String = "Hello") -> MIMEMessage {
        MIMEMessage(parsing: bytes("From: someone@example.com\nSubject: Question\n\(header)\n\n\(body)\n"))
    }

    @Test(
        "auto-reply header signals",
        arguments: [
            "Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated (failure)", "X-Auto-Response-Suppress: All",
            "Precedence: bulk", "Precedence: junk", "Precedence: list", "X-Loop: helpdesk@example.com",
            "X-Autoreply: yes", "X-Autorespond: vacation", "X-Apple-Action: VACATION",
        ])
    func headerSignals(header: String) {
        #expect(message(header).isAutoReply)
    }

    @Test(
        "what is not an auto-reply",
        arguments: [
            "Auto-Submitted: no", "Auto-Submitted: No (a person)", "Precedence: first-class", "X-Mailer: Thunderbird",
        ])
    func notSignals(header: String) {
        #expect(!message(header).isAutoReply)
        #expect(!message(header).isAutomated)
    }

    @Test(
        "autoresponder subject prefixes, but not replies to them",
        arguments: [
            ("Automatic reply: Your order", true), ("Autosvar: Ordre", true), ("Out of Office: back Monday", true),
            ("AutoReply: x", true), ("Réponse automatique : absent", true), ("Re: Automatic reply: Your order", false),
            ("Question about my out of office order", false),
        ])
    func subjects(subject: String, expected: Bool) {
        let message = MIMEMessage(parsing: bytes("From: a@example.com\nSubject: \(subject)\n\nHi\n"))
        #expect(message.isAutoReply == expected)
    }

    @Test("a qmail text bounce yields its failed recipient, not the sender")
    func qmailBounce() {
        let raw = """
            From: MAILER-DAEMON@mx.example.net
            To: shop@example.com
            Subject: failure notice

            Hi. This is the qmail-send program at mx.example.net.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <Customer@Example.ORG>:
            192.0.2.1 does not like recipient.
            Remote host said: 550 5.1.1 <Customer@Example.ORG>... User unknown from <shop@example.com>

            --- Below this line is a copy of the message.
            """
        let report = MIMEMessage(parsing: bytes(raw)).deliveryStatus
        #expect(report?.source == .heuristic)
        #expect(report?.failedRecipients == ["Customer@example.org"])
    }

    @Test("an Exchange text bounce lists several recipients")
    func exchangeBounce() {
        let raw = """
            From: postmaster@example.com
            To: shop@example.com
            Subject: Undeliverable: Spring sale

            Delivery has failed to these recipients or groups:

            one@example.org<mailto:one@example.org>
            two@example.net
            The email address wasn't found at the destination domain.
            """
        #expect(
            MIMEMessage(parsing: bytes(raw)).deliveryStatus?.failedRecipients == ["one@example.org", "two@example.net"])
    }

    @Test("ordinary mail that mentions delivery problems is not a bounce")
    func notABounce() {
        let raw = """
            From: customer@example.org
            To: shop@example.com
            Subject: Where is my parcel?

            Your message could not be delivered to me, says the courier: contact courier@example.net
            """
        #expect(MIMEMessage(parsing: bytes(raw)).deliveryStatus == nil)
    }

    @Test("an ARF report with Original-Rcpt-To and a text/rfc822-headers part")
    func feedbackReport() {
        let raw = """
            From: fbl@isp.example
            Subject: complaint
            Content-Type: multipart/report; report-type=feedback-report; boundary=f

            --f
            Content-Type: text/plain

            A complaint.
            --f
            Content-Type: message/feedback-report

            Feedback-Type: Abuse
            User-Agent: ISP-FBL/1.0
            Version: 1
            Original-Mail-From: <bounces@shop.example>
            Original-Rcpt-To: <Customer@ISP.example>
            Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
            Source-IP: 192.0.2.1

            --f
            Content-Type: text/rfc822-headers

            From: shop@shop.example
            To: other@isp.example
            Subject: Spring sale

            --f--
            """
        let message = MIMEMessage(parsing: bytes(raw))
        let report = message.feedbackReport
        #expect(report?.feedbackType == "abuse")
        #expect(report?.originalRecipients == ["Customer@isp.example"])
        #expect(report?.originalMailFrom == "bounces@shop.example")
        #expect(report?.originalMessage?.subject == "Spring sale")
        #expect(report?.arrivalDate == utc("2005-03-08T18:00:00Z"))
        #expect(message.isAutomated)
        #expect(message.deliveryStatus == nil)
    }
}
