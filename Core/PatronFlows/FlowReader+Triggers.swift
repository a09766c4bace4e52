import PatronCore
import Yams

extension FlowReader {
    /// Each trigger's options, by the trigger's name in flow files.
    static let triggerOptions: KeyValuePairs<String, [String]> = [
        "order_placed": ["first_only"],
        "cart_abandoned": ["idle", "min_value"],
        "customer_created": [],
        "rfm_segment_entered": ["segments"],
        "segment_entered": ["segment"],
        "no_order_for": ["days"],
        "birthday": ["at"],
        "replenishment_due": ["lead_days"],
        "tier_changed": ["from", "to"],
        "feedback_received": ["kind", "score"],
        "ticket_closed": [],
        "product_viewed": ["count", "within"],
        "schedule": ["every", "starting"],
    ]

    /// `trigger:` (one) or `triggers:` (a list). The triggers that could be read are returned
    /// even when others could not, so templates are still checked against their scopes.
    mutating func readTriggers(_ keys: [String: MapEntry], of root: Node) -> [FlowTrigger]? {
        switch (keys["trigger"], keys["triggers"]) {
        case (nil, nil):
            fail("missing key 'trigger' (or 'triggers' for several)", at: root)
            return nil
        case (let one?, let many?):
            fail("use either 'trigger' or 'triggers', not both", at: position(one.key, many.key) ? many.key : one.key)
            return nil
        case (let one?, nil):
            if one.value.sequence != nil {
                fail("expected one trigger, found a list (use 'triggers' for several)", at: one.value)
                return nil
            }
            return trigger(one.value).map { [$0] }
        case (nil, let many?):
            guard let list = many.value.sequence, !list.isEmpty else {
                fail("expected a list of triggers, found \(many.value.described)", at: many.value)
                return nil
            }
            let triggers = list.compactMap { trigger($0) }
            return triggers.isEmpty ? nil : triggers
        }
    }

    private func position(_ a: Node, _ b: Node) -> Bool { source.position(of: a) < source.position(of: b) }

    /// One trigger: a map with one key, the trigger's name, and its options as the value.
    private mutating func trigger(_ node: Node) -> FlowTrigger? {
        guard let mapping = node.mapping, let first = mapping.first else {
            fail("expected a trigger like 'order_placed: {}', found \(node.described)", at: node)
            return nil
        }
        let (key, value) = (first.key, first.value)
        for (extra, _) in mapping.dropFirst() {
            fail(
                "a trigger is one key (its name, with its options under it); found a second key \(extra.described)",
                at: extra)
        }
        guard let name = key.scalar?.string, let allowed = Self.triggerOptions.first(where: { $0.key == name })?.value
        else {
            let choices = Self.triggerOptions.map(\.key)
            fail(Suggestions.unknown("trigger", key.scalar?.string ?? key.described, choices: choices), at: key)
            return nil
        }
        let options = entries(of: value, allowed: allowed, what: "the options of \(name) (a map)") {
            "unknown option '\($0)' for \(name)"
        }
        func option(_ option: String) -> MapEntry? {
            required(option, in: options, of: key, noun: "option", context: " for \(name)")
        }
        switch name {
        case "order_placed":
            guard let firstOnly = options["first_only"].map({ boolean($0.value) }) ?? false else { return nil }
            return .orderPlaced(firstOnly: firstOnly)
        case "cart_abandoned":
            let idle = option("idle").flatMap { duration($0.value, positive: true) }
            let minimum = options["min_value"].map { amount($0.value, name: "min_value") } ?? 0
            guard let idle, let minimum else { return nil }
            return .cartAbandoned(idleSeconds: idle, minValueMinor: minimum)
        case "customer_created":
            return .customerCreated
        case "ticket_closed":
            return .ticketClosed
        case "product_viewed":
            let count = options["count"].map { integer($0.value, name: "count", minimum: 1) } ?? 1
            let within = options["within"].map { duration($0.value, positive: true) } ?? 86_400
            guard let count, let within else { return nil }
            return .productViewed(count: count, withinSeconds: within)
        case "rfm_segment_entered":
            return option("segments").flatMap { rfmSegments($0.value) }.map { .rfmSegmentEntered($0) }
        case "segment_entered":
            return option("segment").flatMap { text($0.value, what: "a saved segment's name") }
                .map { .segmentEntered($0) }
        case "no_order_for":
            return option("days").flatMap { integer($0.value, name: "days", minimum: 1) }.map { .noOrderFor(days: $0) }
        case "birthday":
            guard let minute = options["at"].map({ minuteOfDay($0.value) }) ?? 9 * 60 else { return nil }
            return .birthday(minuteOfDay: minute)
        case "replenishment_due":
            let lead = options["lead_days"].map { integer($0.value, name: "lead_days", minimum: 0) } ?? 0
            return lead.map { .replenishmentDue(leadDays: $0) }
        case "tier_changed":
            let from = options["from"].map { tierNames($0.value) }
            let to = options["to"].map { tierNames($0.value) }
            if case .some(nil) = from { return nil }
            if case .some(nil) = to { return nil }
            return .tierChanged(from: from ?? nil, to: to ?? nil)
        case "feedback_received":
            let kind = option("kind").flatMap { node -> SurveyKind? in
                guard let name = node.value.scalar?.string, let kind = SurveyKind(rawValue: name) else {
                    fail("expected a survey kind (nps, csat or review), found \(node.value.described)", at: node.value)
                    return nil
                }
                return kind
            }
            guard let kind else { return nil }
            guard let node = options["score"]?.value else { return .feedbackReceived(kind: kind, scores: nil) }
            return scoreRange(node, of: kind).map { .feedbackReceived(kind: kind, scores: $0) }
        default:  // schedule
            let every = option("every").flatMap { duration($0.value, positive: true) }
            let anchor = option("starting").flatMap { timestamp($0.value) }
            guard let every, let anchor else { return nil }
            return .schedule(everySeconds: every, anchor: anchor)
        }
    }

    /// A score (`9`) or a range of scores (`0-6`) within the kind's scale.
    private mutating func scoreRange(_ node: Node, of kind: SurveyKind) -> ClosedRange<Int>? {
        let text = node.scalar?.string ?? ""
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil, low <= high,
            kind.scores.contains(low), kind.scores.contains(high)
        else {
            let scale = "\(kind.scores.lowerBound)-\(kind.scores.upperBound)"
            fail("expected a score or a range of scores like 0-6 within \(scale), found \(node.described)", at: node)
            return nil
        }
        return low...high
    }

    /// A non-empty list of loyalty tier names (a single name is a list of one).
    private mutating func tierNames(_ node: Node) -> [String]? {
        if node.scalar != nil { return text(node, what: "a loyalty tier's name").map { [$0] } }
        guard let list = node.sequence, !list.isEmpty else {
            fail("expected a list of loyalty tiers like [\"Gold\", \"Platinum\"], found \(node.described)", at: node)
            return nil
        }
        let names = list.compactMap { text($0, what: "a loyalty tier's name") }
        return names.count == list.count ? names : nil
    }

    /// A non-empty list of RFM segment names.
    private mutating func rfmSegments(_ node: Node) -> [String]? {
        guard let list = node.sequence, !list.isEmpty else {
            fail("expected a list of RFM segments like [\"At Risk\"], found \(node.described)", at: node)
            return nil
        }
        let names = list.compactMap { text($0, what: "an RFM segment's name") }
        return names.count == list.count ? names : nil
    }
}
