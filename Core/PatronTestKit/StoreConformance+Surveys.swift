import Foundation
import PatronCore

extension StoreConformance {
    /// Survey messages: the outbox keeps what a message asks (`survey`, how long, which SKUs) and
    /// reads it back; `latestSurveyMessage` finds the customer's newest *sent* NPS or CSAT survey
    /// on the channel still taking answers (not a planned one, not a closed one, not a review,
    /// not another channel's, not a plain message, not another customer's); `reviewSKUsAsked`
    /// counts review messages not undeliverable; a link's survey opens for its own customer and
    /// kind only and not after its expiry; answers by link and by bare-score reply are stored
    /// once under the message; a merge moves the merged customer's messages to the survivor.
    static func surveyMessages<S: Store & CampaignStore>(_ store: S) async throws {
        let rule = "survey messages"
        try Ingestor(store: store).ingest([
            order("s1", who("sa", email: "sa@x.com"), day: 1, total: 1_000),
            order("s2", who("sb", email: "sb@x.com"), day: 1, total: 1_000),
        ])
        let (a, b) = try store.read { t in (try t.customerID(email: "sa@x.com")!, try t.customerID(email: "sb@x.com")!)
        }
        func message(
            _ key: String, _ customer: CustomerID, _ channel: ConsentChannel, _ survey: SurveyKind?, day: Int,
            until: Int? = nil, skus: [String] = []
        )
            -> OutboxMessage
        {
            OutboxMessage(
                key: key, flowID: "asks", step: 1, customerID: customer, channel: channel,
                recipient: channel == "sms" ? "+14155550100" : "sa@x.com", subject: channel == "sms" ? nil : "Hi",
                body: "Hi", plannedAt: at(day), nextAttemptAt: at(day), survey: survey,
                surveyUntil: until.map { at($0) }, surveySKUs: skus)
        }
        let planned = [
            message("nps-1", a, "sms", .nps, day: 2, until: 40), message("csat-1", a, "sms", .csat, day: 3, until: 10),
            message("plain-1", a, "sms", nil, day: 4), message("mail-1", a, .email, .nps, day: 5),
            message("nps-2", a, "sms", .nps, day: 6), message("other-1", b, "sms", .nps, day: 2),
            message("review-1", a, "sms", .review, day: 4, until: 30, skus: ["MUG", "CUP"]),
            message("review-2", a, .email, .review, day: 5, skus: ["PLATE"]),
            message("review-3", a, .email, .review, day: 8, skus: ["BOWL", "MUG"]),
        ]
        try await store.enqueue(planned)
        let stored = Dictionary(
            uniqueKeysWithValues: try await store.outboxMessages(keys: planned.map(\.key)).map { ($0.key, $0) })
        for sent in planned {
            let got = stored[sent.key]
            try require(
                got?.survey == sent.survey && got?.surveyUntil == sent.surveyUntil
                    && got?.surveySKUs == sent.surveySKUs,
                rule,
                "\(sent.key) asks \(String(describing: got?.survey)) until \(String(describing: got?.surveyUntil)) "
                    + "about \(got?.surveySKUs ?? []), not \(String(describing: sent.survey)) until "
                    + "\(String(describing: sent.surveyUntil)) about \(sent.surveySKUs)")
        }
        let claimed = try await store.claimOutbox(channels: ["sms", .email], now: at(7), staleBefore: 0, limit: 20)
        try require(claimed.count == planned.count - 1, rule, "claimed \(claimed.count) of \(planned.count - 1)")
        let plannedByKey = Dictionary(uniqueKeysWithValues: planned.map { ($0.key, $0) })
        for (message, _) in claimed {
            let sent = plannedByKey[message.key]
            try require(
                message.survey == sent?.survey && message.surveyUntil == sent?.surveyUntil
                    && message.surveySKUs == sent?.surveySKUs && message.status == .sending && message.attempts == 1,
                rule,
                "claimed \(message.key) carries \(String(describing: message.survey)) until "
                    + "\(String(describing: message.surveyUntil)) about \(message.surveySKUs), status "
                    + "\(message.status) attempt \(message.attempts): not as planned")
        }
        try await store.recordOutcomes(
            claimed.map { message, _ in
                // nps-2 fails for now: it is planned again, not sent; review-2 cannot be delivered.
                SendOutcome(
                    id: message.id,
                    result: message.key == "nps-2"
                        ? .retry(at: at(9), error: "429")
                        : message.key == "review-2"
                            ? .failed("550 no such user") : .sent(providerID: "p-\(message.key)", status: .sent),
                    at: at(7), attempt: 1)
            })
        let newest = try await store.latestSurveyMessage(to: a, channel: "sms", openAt: at(7))
        try require(newest?.key == "csat-1", rule, "the newest sent SMS survey is \(String(describing: newest?.key))")
        let afterCSAT = try await store.latestSurveyMessage(to: a, channel: "sms", openAt: at(10, 36_001))
        try require(
            afterCSAT?.key == "nps-1", rule,
            "after the CSAT survey closed: \(String(describing: afterCSAT?.key)), not nps-1 (open until day 40)")
        let allClosed = try await store.latestSurveyMessage(to: a, channel: "sms", openAt: at(40, 36_001))
        let early = try await store.latestSurveyMessage(to: a, channel: "sms", openAt: at(1))
        try require(allClosed == nil && early == nil, rule, "a survey closed, or planned after the reply, was found")
        let mail = try await store.latestSurveyMessage(to: a, channel: .email, openAt: at(7))
        let mailClosed = try await store.latestSurveyMessage(to: a, channel: .email, openAt: at(35, 36_001))
        try require(
            mail?.key == "mail-1" && mailClosed == nil, rule,
            "the email survey (30 days when the message says nothing)")
        try require(
            try await store.latestSurveyMessage(to: b, channel: "sms", openAt: at(7))?.key == "other-1", rule,
            "another customer's survey")
        let asked = try store.read { try $0.reviewSKUsAsked(of: a) }
        try require(
            asked == ["MUG", "CUP", "BOWL"] && (try store.read { try $0.reviewSKUsAsked(of: b) }).isEmpty, rule,
            "SKUs asked about: \(asked.sorted()), not BOWL, CUP, MUG (PLATE's message failed)")

        let inTransaction = try store.read { try $0.outboxMessage(key: "csat-1") }
        try require(
            inTransaction == (try await store.outboxMessages(keys: ["csat-1"]).first)
                && (try store.read { try $0.outboxMessage(key: "gone") }) == nil, rule,
            "outboxMessage(key:) in a transaction: \(String(describing: inTransaction))")
        // A link's survey: its own customer and kind, until it expires.
        guard let csat = stored["csat-1"] else { throw ConformanceFailure(rule: rule, detail: "csat-1 is not stored") }
        let token = SurveyToken(messageKey: "csat-1", customerID: a, kind: .csat, expiresAt: at(20))
        let opened = try FeedbackDesk.survey(store, token, at: at(8))
        try require(
            opened.key == "message:\(csat.id)" && opened.current == nil, rule, "the survey opened: \(opened.key)")
        for (wrong, code) in [
            (
                SurveyToken(messageKey: "csat-1", customerID: b, kind: .csat, expiresAt: at(20)),
                PatronError.Code.notFound
            ),
            (SurveyToken(messageKey: "csat-1", customerID: a, kind: .nps, expiresAt: at(20)), .notFound),
            (SurveyToken(messageKey: "gone", customerID: a, kind: .csat, expiresAt: at(20)), .notFound),
            (SurveyToken(messageKey: "csat-1", customerID: a, kind: .csat, expiresAt: at(7)), .forbidden),
        ] {
            do {
                _ = try FeedbackDesk.answer(store, wrong, score: 5, text: nil, channel: "link", at: at(8))
                try require(false, rule, "\(wrong) was answered")
            } catch let error as PatronError {
                try require(error.code == code, rule, "\(wrong): \(error.code), not \(code)")
            }
        }
        try require(try store.read { try $0.feedbackResponses(of: a) }.isEmpty, rule, "a refused link stored an answer")
        _ = try FeedbackDesk.answer(store, token, score: 2, text: "slow", channel: "link", at: at(8))
        // A bare-score reply answers the newest SMS survey (the same CSAT): one response, replaced.
        let reply = try await FeedbackDesk.answerReply(store, customer: a, channel: "sms", text: "5", at: at(9))
        try require(
            reply?.key == "message:\(csat.id)" && reply?.score == 5, rule, "the reply: \(String(describing: reply))")
        for text in ["9", "five", "5 but late"] {
            let ignored = try await FeedbackDesk.answerReply(store, customer: a, channel: "sms", text: text, at: at(9))
            try require(ignored == nil, rule, "'\(text)' was taken as an answer")
        }
        let answers = try store.read { try $0.feedbackResponses(of: a) }
        try require(
            answers.count == 1 && answers[0].score == 5 && answers[0].text == "slow" && answers[0].channel == "sms"
                && answers[0].messageID == csat.id && answers[0].answeredAt == at(8), rule,
            "the answers: \(answers)")

        // Response rates: the sent survey messages of the kind (not planned ones), by flow and month.
        let npsReport = try FeedbackDesk.report(store, kind: .nps, from: at(0), to: at(20), by: .flow)
        try require(
            npsReport.total.asked == 3 && npsReport.total.responseRate == 0
                && npsReport.groups.map(\.group) == ["asks"] && npsReport.groups.first?.asked == 3, rule,
            "NPS asked: \(npsReport.total.asked), groups \(npsReport.groups.map { ($0.group, $0.asked) })")
        let csatReport = try FeedbackDesk.report(store, kind: .csat, from: at(0), to: at(20), by: .month)
        try require(
            csatReport.total.asked == 1 && csatReport.total.responseRate == 100
                && csatReport.groups.map(\.asked).reduce(0, +) == 1, rule,
            "CSAT asked \(csatReport.total.asked), rate \(String(describing: csatReport.total.responseRate))")
        try require(
            try FeedbackDesk.report(store, kind: .nps, from: at(3), to: at(20)).total.asked == 1, rule,
            "the period bounds what was asked")

        // A merge moves the merged customer's messages: the survivor is who was asked (its replies
        // answer them, what it was asked about is not asked again).
        // A message still planned for the merged record is not sent; one being sent stays with it
        // (a retry finds the record gone). A review answered by the merged record's link before
        // the merge is replaced by the same link after it, not doubled.
        try await store.enqueue([
            message("other-2", b, "sms", .nps, day: 12), message("other-3", b, "push", nil, day: 8),
            message("review-b", b, .email, .review, day: 12, skus: ["TEA"]),
        ])
        let inFlight = try await store.claimOutbox(channels: ["push"], now: at(9), staleBefore: 0, limit: 5)
        try require(inFlight.map(\.0.key) == ["other-3"], rule, "claimed on push: \(inFlight.map(\.0.key))")
        let reviewLink = SurveyToken(
            messageKey: "review-b", customerID: b, kind: .review, sku: "TEA", expiresAt: at(40))
        _ = try FeedbackDesk.answer(store, reviewLink, score: 3, text: nil, channel: "link", at: at(9))
        try store.write { try $0.reassign(from: b, into: a, at: at(9)) }
        let sending = try await store.outboxMessages(keys: ["other-3"]).first
        try require(
            sending?.customerID == b && sending?.status == .sending, rule,
            "a send in flight at the merge: \(String(describing: sending))")
        _ = try FeedbackDesk.answer(store, reviewLink, score: 5, text: "good", channel: "link", at: at(10))
        let teaReviews = try store.read { try $0.feedbackResponses(of: a) }.filter { $0.sku == "TEA" }
        try require(
            teaReviews.count == 1 && teaReviews.first?.score == 5, rule,
            "reviews of TEA after the merge: \(teaReviews.map { ($0.key, $0.score) })")
        let movedMessage = try await store.outboxMessages(keys: ["other-1"]).first
        let leftBehind = try await store.latestSurveyMessage(to: b, channel: "sms", openAt: at(7))
        let plannedBefore = try await store.outboxMessages(keys: ["other-2"]).first
        try require(
            plannedBefore?.customerID == a && plannedBefore?.status == .suppressed
                && plannedBefore?.lastError == "merged into customer \(a.rawValue)", rule,
            "a planned message of the merged record: \(String(describing: plannedBefore))")
        // A link sent to the merged record still answers, for the survivor.
        let oldLink = SurveyToken(messageKey: "other-1", customerID: b, kind: .nps, expiresAt: at(40))
        let viaOldLink = try FeedbackDesk.answer(store, oldLink, score: 9, text: nil, channel: "link", at: at(9))
        try require(
            viaOldLink.response.customerID == a && viaOldLink.response.messageID == movedMessage?.id, rule,
            "a merged customer's link answered for \(viaOldLink.response.customerID.rawValue), not \(a.rawValue)")
        try require(
            movedMessage?.customerID == a && leftBehind == nil, rule,
            "after a merge other-1 is customer \(String(describing: movedMessage?.customerID.rawValue))'s, "
                + "not \(a.rawValue)'s")

        // Closed tickets fire `ticket_closed`, once per ticket (closed again after reopening: still
        // one); a ticket first seen closed fires too.
        func ticket(_ ref: String, _ status: TicketStatus, _ day: Int) -> IngestEvent {
            IngestEvent(
                id: "\(ref)-\(day)", source: "shop", occurredAt: at(day),
                kind: .ticketUpdated(TicketData(ref: ref, customer: who("sa"), subject: "Where?", status: status)))
        }
        try Ingestor(store: store).ingest([
            ticket("T1", .open, 10), ticket("T1", .closed, 11), ticket("T2", .open, 11), ticket("T1", .open, 12),
            ticket("T1", .closed, 13), ticket("T3", .closed, 12),
        ])
        let (t1, t3) = try store.read { t in
            (
                try t.ticket(ref: ExternalRef(source: "shop", id: "T1")),
                try t.ticket(ref: ExternalRef(source: "shop", id: "T3"))
            )
        }
        let closed = try store.triggerInstances(of: .ticketClosed, flowID: "csat", from: at(10), through: at(20))
            .sorted { $0.at < $1.at }
        try require(
            closed.map(\.key) == ["ticket:\(t3?.id.rawValue ?? 0)", "ticket:\(t1?.id.rawValue ?? 0)"]
                && closed.map(\.at) == [at(12), at(13)] && closed.allSatisfy { $0.customerID == a }
                && t3?.resolvedAt == at(12), rule, "ticket_closed fired \(closed)")
        try require(
            try store.triggerInstances(of: .ticketClosed, flowID: "csat", from: at(13), through: at(20)).isEmpty, rule,
            "ticket_closed outside its window")

        // A flow's ticket: opened once per key, high priority, with its note, counted as open.
        let opened1 = try store.write { t in
            try FlowTickets.open(
                in: t, key: "nps-detractor/0/1/x", customer: a, subject: "NPS 2", note: "slow", at: at(14))
        }
        let opened2 = try store.write { t in
            try FlowTickets.open(
                in: t, key: "nps-detractor/0/1/x", customer: a, subject: "NPS 2", note: "slow", at: at(15))
        }
        let (tickets, notes, record) = try store.read { t in
            (try t.tickets(of: a), try t.messages(of: a), try t.customer(a))
        }
        let flowTicket = tickets.first { $0.ref.source == FlowTickets.source }
        try require(
            opened1 != nil && opened2 == nil && tickets.count == 4 && flowTicket?.priority == .high
                && flowTicket?.status == .open && flowTicket?.subject == "NPS 2", rule, "the flow's tickets: \(tickets)"
        )
        try require(
            notes.contains { $0.ticketID == flowTicket?.id && $0.kind == "note" && $0.body == "slow" }, rule,
            "the ticket's note: \(notes.map(\.kind))")
        try require(
            record?.aggregates.openTicketCount == 2, rule,
            "open tickets: \(String(describing: record?.aggregates.openTicketCount))")

        // An email reply that is a bare score answers the survey mail it replies to (by its
        // Message-ID); a reply with more words is a ticket, as any mail.
        guard let mail = stored["mail-1"] else { throw ConformanceFailure(rule: rule, detail: "mail-1 is not stored") }
        let mailReply = MailMessage(
            messageID: "reply-1@x.com", inReplyTo: ["<p-mail-1>"], from: "sa@x.com", subject: "Re: Hi",
            sentAt: at(16), body: " 8 \n\nOn Mon, 5 Jan 2026 at 10:00, Shop <shop@x.com> wrote:\n> How likely…\n")
        let outcome = try Ingestor(store: store).receive(mailReply)
        try require(outcome == .surveyAnswer("message:\(mail.id)"), rule, "the email reply: \(outcome)")
        let byMail = try store.read { try $0.feedbackResponse(key: "message:\(mail.id)") }
        try require(
            byMail?.score == 8 && byMail?.kind == .nps && byMail?.channel == "email" && byMail?.messageID == mail.id,
            rule, "the answer by mail: \(String(describing: byMail))")
        let wordy = MailMessage(
            messageID: "reply-2@x.com", inReplyTo: ["p-mail-1"], from: "sa@x.com", subject: "Re: Hi",
            sentAt: at(17), body: "8, but the parcel was late\n")
        let second = try Ingestor(store: store).receive(wordy)
        guard case .newTicket = second else {
            throw ConformanceFailure(rule: rule, detail: "a reply with words: \(second), not a new ticket")
        }
        // A bare number deeper in a thread (answering the shop's question, the survey mail only in
        // References) is the conversation's, not an answer.
        let deeper = MailMessage(
            messageID: "reply-3@x.com", inReplyTo: ["agent-1@shop"], references: ["p-mail-1", "agent-1@shop"],
            from: "sa@x.com", subject: "Re: Re: Hi", sentAt: at(18), body: "2\n")
        let third = try Ingestor(store: store).receive(deeper)
        guard case .newTicket = third else {
            throw ConformanceFailure(rule: rule, detail: "a reply deeper in a thread: \(third), not a ticket")
        }
        try require(
            try store.read { try $0.feedbackResponse(key: "message:\(mail.id)") }?.score == 8, rule,
            "a reply with words changed the answer")
        // An erased customer's links answer nothing.
        try Ingestor(store: store).ingest([
            IngestEvent(id: "erase-sa", source: "shop", occurredAt: at(19), kind: .customerErased(who("sa")))
        ])
        do {
            _ = try FeedbackDesk.answer(store, token, score: 1, text: "x", channel: "link", at: at(19))
            try require(false, rule, "an erased customer's link was answered")
        } catch let error as PatronError {
            try require(error.code == .notFound, rule, "an erased customer's link: \(error.code)")
        }
    }
}
