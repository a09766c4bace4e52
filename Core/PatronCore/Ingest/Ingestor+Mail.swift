import Foundation

extension Ingestor {
    /// Stores one mail message and threads it into a ticket, in one transaction — with the
    /// mailbox cursor advanced past it, when given, so that a crash never loses or doubles a
    /// message. A Message-ID already stored changes nothing (`.duplicate`) but still advances
    /// the cursor.
    ///
    /// Threading: a ticket token in the subject (`[#T-1042]`), else `In-Reply-To` / `References`
    /// naming a stored message, else a new ticket. The sender is resolved to a customer by
    /// email (created when unknown). Auto-replies are kept on the timeline but never open or
    /// reopen a ticket; bounces mark the failed recipients' email consent `bounced`; abuse
    /// reports unsubscribe the recipients.
    @discardableResult
    public func receive(_ mail: MailMessage, source: String = "mail", cursor: MailboxCursor? = nil) throws
        -> MailOutcome
    {
        try receive(.mailReceived(mail, source: source), cursor: cursor)
    }

    /// Applies one `mail.received` event (as ``receive(_:source:cursor:)``), returning what it
    /// did: the path a mail source's events take when the caller needs the outcome or keeps a
    /// cursor. Any other kind of event is applied as `ingest` would apply it and
    /// reported as `.unattributed`.
    @discardableResult
    public func receive(_ event: IngestEvent, cursor: MailboxCursor? = nil) throws -> MailOutcome {
        try store.write { transaction in
            var batch = Batch(transaction: transaction, setBased: setBased)
            let outcome: MailOutcome
            if try transaction.markApplied([event.source + ":" + event.id]).first == false {
                outcome = .duplicate
            } else {
                do {
                    try event.validate()
                    if case .mailReceived(let mail) = event.kind {
                        outcome = try batch.receive(mail, source: event.source)
                    } else {
                        try batch.apply(event)
                        outcome = .unattributed
                    }
                } catch let error as PatronError {
                    throw error.located(event.origin)
                }
            }
            if let cursor { try transaction.setMailboxCursor(cursor) }
            try batch.flush()
            return outcome
        }
    }
}

extension IngestEvent {
    /// A mail message as a `mail.received` event from `source`: its id is `mail:<Message-ID>`
    /// and its time the message's.
    public static func mailReceived(_ mail: MailMessage, source: String = "mail", origin: InputLocation? = nil)
        -> IngestEvent
    {
        IngestEvent(
            id: "mail:" + mail.messageID, source: source, occurredAt: mail.sentAt, kind: .mailReceived(mail),
            origin: origin)
    }
}

extension Ingestor.Batch {
    mutating func receive(_ mail: MailMessage, source: String) throws -> MailOutcome {
        // Mail reads and writes the store directly (tickets, messages, the consent ledger):
        // what the batch holds is written first, so the ledger stays in order.
        try flushIdentity()
        let at = mail.sentAt
        let sender = mail.from.flatMap(ContactNormalizer.email)
        func message(ticket: TicketID?, customer: CustomerID?, kind: String) throws {
            try transaction.insertMessage(
                StoredMessage(
                    messageID: mail.messageID, ticketID: ticket, customerID: customer, direction: mail.direction,
                    kind: kind, sender: sender ?? mail.from, recipients: mail.to, subject: mail.subject,
                    body: mail.body, attachments: mail.attachments, sentAt: at))
        }
        switch mail.kind {
        case .bounce(let failed), .complaint(let failed):
            let bounce: Bool
            if case .bounce = mail.kind { bounce = true } else { bounce = false }
            var first: CustomerID?
            for address in failed {
                guard let email = ContactNormalizer.email(address), let id = try customerID(email: email) else {
                    continue
                }
                var customer = try load(id)
                customer.consent.apply(bounce ? .bounced : .revoked, channel: .email, at: at)
                store(customer)
                try transaction.recordConsent(
                    ConsentStatement(
                        channel: .email, status: bounce ? .bounced : .revoked, at: at, source: "mail",
                        evidence: "\(bounce ? "bounce" : "complaint") \(mail.messageID)"), of: id)
                first = first ?? id
            }
            try message(ticket: nil, customer: first, kind: bounce ? "bounce" : "complaint")
            return bounce ? .bounce(failed) : .complaint(failed)
        case .autoReply:
            let customer = try sender.flatMap { try customerID(email: $0) }
            let ticket = try thread(mail)
            try message(ticket: ticket, customer: customer, kind: "auto_reply")
            return .autoReply(ticket)
        case .message where mail.direction == .outbound:
            let ticket = try thread(mail)
            var customer: CustomerID?
            if let ticket, var record = try transaction.ticket(id: ticket) {
                record.firstResponseAt = record.firstResponseAt ?? at
                if record.status == .open { record.status = .pending }
                record.updatedAt = max(record.updatedAt, at)
                try transaction.updateTicket(record)
                customer = record.customerID
            }
            try message(ticket: ticket, customer: customer, kind: "message")
            return .outbound(ticket)
        case .message:
            guard let sender else {
                try message(ticket: nil, customer: nil, kind: "message")
                return .unattributed
            }
            let customer = try resolve(CustomerIdentity(email: sender), source: source, at: at)
            if let answer = try surveyAnswer(mail, customer: customer) {
                try message(ticket: nil, customer: customer, kind: "survey_reply")
                return .surveyAnswer(answer.key)
            }
            if let id = try thread(mail), var ticket = try transaction.ticket(id: id) {
                let reopened = ticket.status == .closed
                ticket.status = .open
                ticket.resolvedAt = nil
                ticket.updatedAt = max(ticket.updatedAt, at)
                try transaction.updateTicket(ticket)
                try message(ticket: id, customer: customer, kind: "message")
                try refreshTickets(of: ticket.customerID)
                return reopened ? .reopened(id) : .joined(id)
            }
            let id = try transaction.insertTicket(
                TicketRecord(
                    id: TicketID(0), ref: ExternalRef(source: source, id: mail.messageID), customerID: customer,
                    subject: mail.subject, status: .open, openedAt: at, updatedAt: at, priority: mail.priority))
            try message(ticket: id, customer: customer, kind: "message")
            try refreshTickets(of: customer)
            return .newTicket(id)
        }
    }

    /// A reply from the survey's own customer, while the survey takes answers (its step's
    /// `valid_for`, ``OutboxMessage/surveyUntil``), to an NPS or CSAT
    /// survey mail (by the Message-IDs it answers) that is a bare score
    /// (``SurveyReply/score(inMail:)``), recorded as the answer to that survey message. Anything
    /// else is not guessed at: `nil`, and the mail goes the ticket's way.
    mutating func surveyAnswer(_ mail: MailMessage, customer: CustomerID) throws -> FeedbackResponse? {
        // Only the message it answers directly: a reply deeper in a support thread that began
        // with a survey mail is the conversation's, not an answer.
        let answered = mail.inReplyTo.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) }
        guard !answered.isEmpty, SurveyReply.score(inMail: mail.body) != nil,
            let survey = try transaction.surveyMessage(providerIDs: answered), survey.customerID == customer,
            let kind = survey.survey, kind != .review, let score = SurveyReply.score(inMail: mail.body, for: kind),
            mail.sentAt <= survey.surveyUntil ?? survey.plannedAt + SurveyStep.defaultValidSeconds
        else { return nil }
        let answer = FeedbackResponse(
            key: "message:\(survey.id)", customerID: customer, kind: kind, score: score, flowID: survey.flowID,
            messageID: survey.id, channel: "email")
        let (text, sku) = try FeedbackDesk.checked(answer)
        return try FeedbackDesk.record(in: transaction, answer, text: text, sku: sku, at: mail.sentAt).response
    }

    /// The ticket a message belongs to: by the token in its subject, else by the messages it
    /// answers.
    func thread(_ mail: MailMessage) throws -> TicketID? {
        if let number = MailMessage.ticketNumber(inSubject: mail.subject),
            let ticket = try transaction.ticket(id: TicketID(number))
        {
            return ticket.id
        }
        let answered = mail.inReplyTo + mail.references.reversed()
        return answered.isEmpty ? nil : try transaction.ticketID(messageIDs: answered)
    }
}
