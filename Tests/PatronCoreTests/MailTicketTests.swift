import Foundation
import PatronCore
import Testing

/// Mail into tickets, in the kernel: threading by token and by references, auto-replies that
/// never open a ticket, bounces and complaints on consent, reopening, the shop's answer, erasure.
@Suite struct MailTicketTests {
    init() { TestChannels.register() }

    static let at = Day(iso: "2024-05-01")!.epochSeconds

    static func mail(
        _ id: String, from: String? = "ann@example.com", subject: String = "Where is my order?",
        inReplyTo: [String] = [], references: [String] = [], kind: MailMessage.Kind = .message,
        direction: MailMessage.Direction = .inbound, after minutes: Int64 = 0
    ) -> MailMessage {
        MailMessage(
            messageID: id, inReplyTo: inReplyTo, references: references, from: from, subject: subject,
            sentAt: at + minutes * 60, body: "text of \(id)", kind: kind, direction: direction)
    }

    @Test func aConversationIsOneTicketWhateverWayItThreads() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        guard case .newTicket(let ticket) = try ingestor.receive(Self.mail("m1")) else {
            Issue.record("the first mail should open a ticket")
            return
        }
        // By In-Reply-To, by References alone, and by the token in the subject.
        #expect(try ingestor.receive(Self.mail("m2", inReplyTo: ["m1"], after: 5)) == .joined(ticket))
        #expect(try ingestor.receive(Self.mail("m3", references: ["m0", "m2"], after: 6)) == .joined(ticket))
        #expect(
            try ingestor.receive(Self.mail("m4", subject: "Re: order [#T-\(ticket.rawValue)]", after: 7))
                == .joined(ticket))
        // Another subject from the same person, no thread: a new ticket.
        guard case .newTicket(let other) = try ingestor.receive(Self.mail("m5", subject: "Invoice", after: 8)) else {
            Issue.record("an unrelated mail should open a ticket")
            return
        }
        #expect(other != ticket)
        // The same Message-ID again: nothing.
        #expect(try ingestor.receive(Self.mail("m2", inReplyTo: ["m1"])) == .duplicate)
        let customer = try #require(store.allCustomers().first)
        #expect(customer.email == "ann@example.com" && store.allCustomers().count == 1)
        #expect(customer.aggregates.openTicketCount == 2)
        #expect(try store.read { try $0.messages(of: customer.id) }.count == 5)
    }

    @Test func autoRepliesNeverOpenOrReopenATicket() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        _ = try ingestor.receive(Self.mail("m1"))
        #expect(try ingestor.receive(Self.mail("a1", subject: "Out of office", kind: .autoReply)) == .autoReply(nil))
        #expect(try ingestor.receive(Self.mail("a2", inReplyTo: ["m1"], kind: .autoReply)) == .autoReply(TicketID(1)))
        try store.write { t in
            var ticket = try #require(try t.ticket(id: TicketID(1)))
            ticket.status = .closed
            try t.updateTicket(ticket)
        }
        #expect(try ingestor.receive(Self.mail("a3", inReplyTo: ["m1"], kind: .autoReply)) == .autoReply(TicketID(1)))
        #expect(try store.read { try $0.ticket(id: TicketID(1)) }?.status == .closed)
        #expect(try store.read { try $0.tickets(of: CustomerID(1)) }.count == 1)
        // A person's answer reopens it.
        #expect(try ingestor.receive(Self.mail("m2", inReplyTo: ["m1"], after: 60)) == .reopened(TicketID(1)))
        #expect(try store.read { try $0.ticket(id: TicketID(1)) }?.status == .open)
    }

    @Test func bouncesAndComplaintsChangeEmailConsent() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        _ = try ingestor.receive(Self.mail("m1", from: "Bob@Example.com"))
        _ = try ingestor.receive(Self.mail("m2", from: "cy@example.com", subject: "Hi"))
        let bounce = Self.mail(
            "b1", from: "MAILER-DAEMON@mx.example.net", subject: "Undelivered",
            kind: .bounce(failed: ["bob@example.com"]),
            after: 10)
        #expect(try ingestor.receive(bounce) == .bounce(["bob@example.com"]))
        let complaint = Self.mail(
            "c1", from: "abuse@isp.example", subject: "Abuse report", kind: .complaint(recipients: ["cy@example.com"]),
            after: 11)
        #expect(try ingestor.receive(complaint) == .complaint(["cy@example.com"]))
        let customers = store.allCustomers()
        #expect(customers.first { $0.email == "bob@example.com" }?.consent[.email].status == .bounced)
        #expect(customers.first { $0.email == "cy@example.com" }?.consent[.email].status == .revoked)
        // Neither report opened a ticket nor made a customer of the mailer daemon.
        #expect(customers.count == 2)
        #expect(try store.read { t in try customers.flatMap { try t.tickets(of: $0.id) } }.count == 2)
    }

    @Test func theShopsAnswerIsTheFirstResponseAndWaitsForTheCustomer() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        _ = try ingestor.receive(Self.mail("m1"))
        let ticket = try #require(try store.read { try $0.ticket(id: TicketID(1)) })
        let messages = try store.read { try $0.messages(of: ticket.customerID) }
        let reply = TicketReply(ticket: ticket, messages: messages, customerEmail: "ann@example.com")
        #expect(reply.subject == "Re: Where is my order? [#T-1]")
        #expect(reply.to == "ann@example.com" && reply.inReplyTo == "m1" && reply.references == ["m1"])
        let answer = MailMessage(
            messageID: "r1", inReplyTo: ["m1"], references: ["m1"], from: "support@shop.example",
            to: ["ann@example.com"], subject: reply.subject, sentAt: Self.at + 1_800, body: "It ships today.",
            direction: .outbound)
        #expect(try ingestor.receive(answer) == .outbound(TicketID(1)))
        let answered = try #require(try store.read { try $0.ticket(id: TicketID(1)) })
        #expect(answered.firstResponseAt == Self.at + 1_800 && answered.status == .pending)
        #expect(TicketMetrics(tickets: [answered]).medianFirstResponseSeconds == 1_800)
        // The customer writes back: open again.
        #expect(try ingestor.receive(Self.mail("m2", subject: reply.subject, after: 40)) == .joined(TicketID(1)))
        #expect(try store.read { try $0.ticket(id: TicketID(1)) }?.status == .open)
    }

    @Test func erasureBlanksMessagesAndTicketText() throws {
        let store = InMemoryStore()
        let ingestor = Ingestor(store: store)
        _ = try ingestor.receive(Self.mail("m1"))
        try ingestor.ingest([
            IngestEvent(
                id: "e", source: "api", occurredAt: Self.at + 60,
                kind: .customerErased(CustomerIdentity(email: "ann@example.com")))
        ])
        let messages = try store.read { try $0.messages(of: CustomerID(1)) }
        #expect(messages.count == 1 && messages[0].body.isEmpty && messages[0].sender == nil)
        #expect(try store.read { try $0.ticket(id: TicketID(1)) }?.subject == "")
    }

    @Test func ticketTokensAreFoundInSubjects() {
        #expect(MailMessage.ticketNumber(inSubject: "Re: late parcel [#T-1042]") == 1042)
        #expect(MailMessage.ticketNumber(inSubject: "[#T-] [#T-x] [#T-7]") == 7)
        #expect(MailMessage.ticketNumber(inSubject: "T-1042 without brackets") == nil)
    }
}
