import Foundation
import PatronCore

extension StoreConformance {
    /// Feedback: a response comes back exactly as saved (`nil`s and all); a second answer under a
    /// key replaces the first (one row, first answer time kept) and one for another customer is a
    /// conflict that writes nothing; an out-of-range score writes nothing; a review is verified by
    /// an order of its SKU; responses stream by kind and time (`from` in, `to` out; the
    /// whole history too) and the report's NPS and CSAT are the documented sums; a merge moves responses to
    /// the survivor; erasure (the `customer.erased` event) removes the words and keeps the scores;
    /// `feedback_received` triggers select the responses `FlowTrigger.matches(_:)` says.
    static func feedback<S: Store & CampaignStore>(_ store: S) throws {
        let rule = "feedback"
        try Ingestor(store: store).ingest([
            order("f1", who("fa", email: "fa@x.com"), day: 1, total: 2_000, sku: "MUG"),
            order("f2", who("fb", email: "fb@x.com"), day: 2, total: 3_000),
            order("f3", who("fc", email: "fc@x.com"), day: 3, total: 1_000),
        ])
        let ids = try store.read { t in try ["fa@x.com", "fb@x.com", "fc@x.com"].map { try t.customerID(email: $0)! } }
        let (a, b, c) = (ids[0], ids[1], ids[2])

        // Exactly as saved, nils and all.
        let bare = FeedbackResponse(
            key: "import:1", customerID: c, kind: .csat, score: 2, channel: "cli", answeredAt: at(4))
        let full = FeedbackResponse(
            key: "import:2", customerID: c, kind: .nps, score: 10, text: "Quick — «merci» ☕︎", sku: "TEA",
            orderRef: "shop:f3", flowID: "nps", messageID: 77, channel: "link", answeredAt: at(4, 60),
            updatedAt: at(5), moderation: .hidden)
        try store.write { t in
            try t.saveFeedbackResponse(bare)
            try t.saveFeedbackResponse(full)
        }
        for response in [bare, full] {
            let stored = try store.read { try $0.feedbackResponse(key: response.key) }
            try require(stored == response, rule, "stored \(String(describing: stored)) instead of \(response)")
        }
        try require(try store.read { try $0.feedbackResponse(key: "import:3") } == nil, rule, "an unknown key")

        // A second answer replaces the first; another customer's answer under the key is refused.
        let first = try FeedbackDesk.record(
            store,
            FeedbackResponse(
                key: "message:1", customerID: a, kind: .nps, score: 9, text: "great tea", flowID: "nps",
                messageID: 1, channel: "link"), at: at(6))
        try require(!first.replaced && first.response.score == 9, rule, "the first answer: \(first)")
        let second = try FeedbackDesk.record(
            store, FeedbackResponse(key: "message:1", customerID: a, kind: .nps, score: 6, channel: "sms"), at: at(7))
        let expected = FeedbackResponse(
            key: "message:1", customerID: a, kind: .nps, score: 6, text: "great tea", flowID: "nps", messageID: 1,
            channel: "sms", answeredAt: at(6), updatedAt: at(7))
        try require(second.replaced && second.response == expected, rule, "the second answer: \(second)")
        try require(
            try store.read { try $0.feedbackResponses(of: a) } == [expected], rule, "one response per key")
        for (answer, code) in [
            (FeedbackResponse(key: "message:1", customerID: b, kind: .nps, score: 10, channel: "link"), .conflict),
            (FeedbackResponse(key: "message:2", customerID: b, kind: .nps, score: 11, channel: "link"), .invalidValue),
            (FeedbackResponse(key: "message:3", customerID: b, kind: .csat, score: 0, channel: "link"), .invalidValue),
            (FeedbackResponse(key: "review:x", customerID: b, kind: .review, score: 4, channel: "link"), .invalidValue),
            (
                FeedbackResponse(
                    key: "message:4", customerID: CustomerID(987_654), kind: .nps, score: 1, channel: "api"),
                PatronError.Code.notFound
            ),
        ] as [(FeedbackResponse, PatronError.Code)] {
            do {
                _ = try FeedbackDesk.record(store, answer, at: at(8))
                throw ConformanceFailure(rule: rule, detail: "accepted \(answer)")
            } catch let error as PatronError {
                try require(error.code == code, rule, "\(answer.key): \(error) instead of \(code)")
            }
        }
        try require(try store.read { try $0.feedbackResponses(of: b) }.isEmpty, rule, "a refused answer wrote")
        try require(
            try store.read { try $0.feedbackResponse(key: "message:1") } == expected, rule, "a conflict changed it")

        // Reviews: verified by an order of the SKU.
        let mug = try FeedbackDesk.record(
            store,
            FeedbackResponse(
                key: FeedbackResponse.reviewKey(customer: a, sku: "MUG"), customerID: a, kind: .review, score: 5,
                text: "lovely", sku: "MUG", channel: "link"), at: at(9))
        let unbought = try FeedbackDesk.record(
            store,
            FeedbackResponse(
                key: FeedbackResponse.reviewKey(customer: b, sku: "MUG"), customerID: b, kind: .review, score: 2,
                sku: "MUG", channel: "link"), at: at(9))
        try require(mug.response.orderRef == "shop:f1", rule, "a verified review: \(mug.response)")
        try require(unbought.response.orderRef == nil, rule, "an unverified review: \(unbought.response)")
        try moderation(store, a: a, b: b, rule: rule)

        // Streams by kind and time; the report adds them up.
        for (score, day) in [(10, 10), (9, 11), (8, 12), (3, 13), (0, 14)] {
            try FeedbackDesk.record(
                store, FeedbackResponse(key: "nps:\(day)", customerID: b, kind: .nps, score: score, channel: "api"),
                at: at(day))
        }
        var streamed: [String] = []
        try store.read { t in try t.forEachFeedbackResponse(.nps, from: at(6), to: at(14)) { streamed.append($0.key) } }
        try require(
            streamed.sorted() == ["message:1", "nps:10", "nps:11", "nps:12", "nps:13"], rule,
            "streamed NPS: \(streamed)")
        var everything: [String] = []
        try store.read { t in try t.forEachFeedbackResponse(.nps, from: .min, to: .max) { everything.append($0.key) } }
        try require(
            everything.sorted() == ["import:2", "message:1", "nps:10", "nps:11", "nps:12", "nps:13", "nps:14"], rule,
            "the whole history of NPS: \(everything)")
        let nps = try FeedbackDesk.report(store, kind: .nps, from: at(0), to: at(20))
        // 10, 10, 9 promote; 8 passive; 6, 3, 0 detract: (3 − 3) / 7 → 0.
        try require(
            nps.total.responses == 7 && nps.total.promoters == 3 && nps.total.passives == 1
                && nps.total.detractors == 3 && nps.total.nps == 0, rule, "the NPS report: \(nps.total)")
        let csat = try FeedbackDesk.report(store, kind: .csat, from: at(0), to: at(20))
        try require(csat.total.responses == 1 && csat.total.csat == 0, rule, "the CSAT report: \(csat.total)")
        let reviews = try FeedbackDesk.report(store, kind: .review, from: at(0), to: at(20), by: .sku)
        try require(
            reviews.groups.map(\.group) == ["MUG"] && reviews.groups.first?.average == 3.5
                && reviews.groups.first?.verified == 1, rule, "the review report: \(reviews.groups)")

        // Answers fire `feedback_received` flows: of the kind, within the scores, once each.
        let all = try store.read { t in try [a, b, c].flatMap { try t.feedbackResponses(of: $0) } }
        for (trigger, expected) in [
            (FlowTrigger.feedbackReceived(kind: .nps, scores: 0...6), ["message:1", "nps:13", "nps:14"]),
            (.feedbackReceived(kind: .nps, scores: 9...10), ["import:2", "nps:10", "nps:11"]),
            (
                .feedbackReceived(kind: .review, scores: nil),
                [
                    FeedbackResponse.reviewKey(customer: a, sku: "MUG"),
                    FeedbackResponse.reviewKey(customer: b, sku: "MUG"),
                ]
            ),
        ] {
            let fired = try store.triggerInstances(of: trigger, flowID: "asked", from: at(0), through: at(20))
            let wanted = all.filter { trigger.matches($0) }
            try require(
                Set(fired.map(\.key)) == Set(expected.map { "feedback:" + $0 }) && fired.count == expected.count
                    && Set(fired.map(\.customerID)) == Set(wanted.map(\.customerID))
                    && fired.map(\.at).sorted() == wanted.map(\.answeredAt).sorted(), rule,
                "\(trigger) fired \(fired)")
        }

        // A merge moves responses; erasure removes the words, keeps the scores.
        try store.write { try $0.reassign(from: b, into: a, at: at(15)) }
        let merged = try store.read { try $0.feedbackResponses(of: a) }
        try require(
            merged.count == 8 && merged.allSatisfy { $0.customerID == a }, rule, "merged responses: \(merged.count)")
        try require(try store.read { try $0.feedbackResponses(of: b) }.isEmpty, rule, "the merged customer kept some")
        try Ingestor(store: store).ingest([
            IngestEvent(id: "erase-fa", source: "shop", occurredAt: at(16), kind: .customerErased(who("fa")))
        ])
        let erased = try store.read { try $0.feedbackResponses(of: a) }
        try require(
            erased.count == 8 && erased.allSatisfy { $0.text == nil }
                && erased.map(\.score) == merged.map(\.score), rule, "erased responses: \(erased.map(\.text))")
    }

    /// Reviews wait for a moderator: approved ones are published, hidden ones never, pending ones
    /// only when asked for; naming a key that is not a review changes nothing; an answer that
    /// changes a review sends it back to pending, the same answer again does not.
    static func moderation<S: Store>(_ store: S, a: CustomerID, b: CustomerID, rule: String) throws {
        let (mug, other) = (
            FeedbackResponse.reviewKey(customer: a, sku: "MUG"), FeedbackResponse.reviewKey(customer: b, sku: "MUG")
        )
        func stored(_ key: String) throws -> ReviewModeration? {
            try store.read { try $0.feedbackResponse(key: key) }?.moderation
        }
        let fresh = [try stored(mug), try stored(other), try stored("message:1")]
        try require(fresh == [.pending, .pending, .approved], rule, "new answers' moderation: \(fresh)")
        try require(try ProductReviews.export(store).isEmpty, rule, "a pending review was published")
        let withPending = try ProductReviews.export(store, includePending: true)
        try require(withPending.first?.count == 2, rule, "pending reviews, asked for: \(withPending)")
        for (keys, code) in [([mug, "message:1"], PatronError.Code.invalidValue), ([mug, "review:none"], .notFound)] {
            do {
                try FeedbackDesk.moderate(store, .keys(keys), to: .approved)
                throw ConformanceFailure(rule: rule, detail: "moderated \(keys)")
            } catch let error as PatronError {
                try require(error.code == code, rule, "moderating \(keys): \(error) instead of \(code)")
            }
        }
        try require(try stored(mug) == .pending, rule, "a refused moderation changed a review")
        let approved = try FeedbackDesk.moderate(store, .pending(stars: 4...5, sku: nil), to: .approved)
        let hidden = try FeedbackDesk.moderate(store, .keys([other]), to: .hidden)
        let again = try FeedbackDesk.moderate(store, .keys([other]), to: .hidden)
        try require(
            approved == [mug] && hidden == [other] && again.isEmpty, rule,
            "moderated \(approved), \(hidden), \(again)")
        for includePending in [false, true] {
            let published = try ProductReviews.export(store, includePending: includePending)
            try require(
                published.map(\.sku) == ["MUG"] && published[0].reviews.map(\.score) == [5], rule,
                "published (pending too: \(includePending)): \(published)")
        }
        try require(
            try FeedbackDesk.reviews(store, moderation: .hidden).map(\.key) == [other]
                && FeedbackDesk.reviews(store, moderation: nil, sku: "MUG").count == 2
                && FeedbackDesk.reviews(store, moderation: .pending).isEmpty, rule, "the moderators' lists")
        func answer(_ score: Int, _ text: String?) throws -> ReviewModeration {
            try FeedbackDesk.record(
                store,
                FeedbackResponse(
                    key: mug, customerID: a, kind: .review, score: score, text: text, sku: "MUG", channel: "link"),
                at: at(9, 60)
            ).response.moderation
        }
        let same = try answer(5, "lovely")
        let sameScore = try answer(5, nil)
        let changed = try answer(4, nil)
        try FeedbackDesk.moderate(store, .keys([mug]), to: .approved)
        let reworded = try answer(4, "lovely, but small")
        let back = try answer(5, "lovely")
        try require(
            same == .approved && sameScore == .approved && changed == .pending && reworded == .pending
                && back == .pending, rule,
            "moderation after answers again: \([same, sameScore, changed, reworded, back])")
    }
}
