import Foundation

/// An active flow as the engine runs it.
public struct ActiveFlow: Sendable {
    public var flow: Flow
    public var program: FlowProgram
    /// Firings before this time are not the flow's business (no flood of old events on activation).
    public var activatedAt: Int64
    public init(flow: Flow, activatedAt: Int64) {
        self.flow = flow
        self.program = FlowProgram(flow.steps)
        self.activatedAt = activatedAt
    }
}

/// What one tick did, per flow and reason.
public struct TickReport: Hashable, Sendable {
    public var entered: [String: Int] = [:]
    public var planned: [String: Int] = [:]
    /// Decisions by reason (`holdout`, `capped`, `quiet_hours`, …).
    public var decisions: [String: Int] = [:]
    public init() {}

    public var plannedTotal: Int { planned.values.reduce(0, +) }
}

/// One tick of the campaign engine: for every active flow, find new trigger firings, let the
/// planner decide who enters, run every due enrollment, render the planned messages into the
/// outbox. Safe to repeat: a second tick at the same `now` finds nothing new.
public struct CampaignTick<S: CampaignStore & Store>: Sendable {
    public let store: S
    public let planner: FlowPlanner
    public let renderer: any MessageRendering
    public var shopName: String
    public var currency: CurrencyCode?
    /// How far back a tick looks for firings (late webhooks, a scheduler that was down).
    public var lookbackSeconds: Int64 = 2 * 86_400
    public var batchSize = 5_000
    /// Signs the links survey messages carry; without it a survey step sends nothing and says
    /// why (`survey_links_unset`).
    public var surveyLinks: (any SurveyLinking)?

    public init(
        store: S, planner: FlowPlanner, renderer: any MessageRendering, shopName: String, currency: CurrencyCode?
    ) {
        self.store = store
        self.planner = planner
        self.renderer = renderer
        self.shopName = shopName
        self.currency = currency
    }

    /// Runs every flow at `now`.
    public func run(_ flows: [ActiveFlow], now: Int64) throws -> TickReport {
        var report = TickReport()
        for active in flows {
            try enter(active, now: now, report: &report)
            try advance(active, now: now, report: &report)
        }
        return report
    }

    func enter(_ active: ActiveFlow, now: Int64, report: inout TickReport) throws {
        let flow = active.flow
        let from = max(active.activatedAt - 1, now - lookbackSeconds)
        var instances: [FlowTriggerInstance] = []
        for trigger in flow.triggers {
            instances += try firings(of: trigger, flow: flow, from: from, through: now)
        }
        guard !instances.isEmpty else { return }
        instances.sort { ($0.at, $0.customerID.rawValue, $0.key) < ($1.at, $1.customerID.rawValue, $1.key) }
        for start in stride(from: 0, to: instances.count, by: batchSize) {
            let batch = Array(instances[start..<min(instances.count, start + batchSize)])
            var (known, lastEntered) = try store.entryState(flowID: flow.id, instances: batch)
            let ids = Array(Set(batch.map(\.customerID)))
            let audience = try flow.audience.map { try store.members(of: $0, among: ids, now: now) }
            var runs: [Enrollment] = []
            var decisions: [CampaignDecision] = []
            for instance in batch where known.insert("\(instance.customerID.rawValue)/\(instance.key)").inserted {
                let entry = planner.enter(
                    flow: flow, instance: instance, inAudience: audience?.contains(instance.customerID) ?? true,
                    lastEnteredAt: lastEntered[instance.customerID], now: now)
                if let run = entry.enrollment {
                    runs.append(run)
                    lastEntered[instance.customerID] = instance.at
                    if run.state == .active { report.entered[flow.id, default: 0] += 1 }
                }
                if let decision = entry.decision {
                    decisions.append(decision)
                    report.decisions[decision.reason, default: 0] += 1
                }
            }
            try store.saveEntries(runs, decisions: decisions)
        }
    }

    func firings(of trigger: FlowTrigger, flow: Flow, from: Int64, through: Int64) throws -> [FlowTriggerInstance] {
        switch trigger {
        case .birthday(let minuteOfDay):
            return try birthdayFirings(minuteOfDay: minuteOfDay, from: from, through: through)
        case .schedule(let every, let anchor):
            guard every > 0 else { return [] }
            var slot = anchor + max(0, (from - anchor) / every) * every
            var out: [FlowTriggerInstance] = []
            // No audience: everyone (every customer has an order count).
            let audience =
                try flow.audience
                ?? FlowCondition(source: "everyone", expression: SegmentParser.parse("orders.count >= 0"))
            while slot <= through {
                if slot > from {
                    let members = try store.members(of: audience, among: nil, now: slot)
                    for id in members.sorted(by: { $0.rawValue < $1.rawValue }) {
                        out.append(FlowTriggerInstance(customerID: id, key: "schedule:\(slot)", at: slot))
                    }
                }
                slot += every
            }
            return out
        default:
            return try store.triggerInstances(of: trigger, flowID: flow.id, from: from, through: through)
        }
    }

    /// Birthdays whose local `minuteOfDay` falls in `(from, through]`, in each customer's zone
    /// (UTC when unknown); 29 February is the 28th in other years.
    func birthdayFirings(minuteOfDay: Int, from: Int64, through: Int64) throws -> [FlowTriggerInstance] {
        var monthDays: Set<String> = []
        var day = Day(epochSeconds: from) - 1
        while day <= Day(epochSeconds: through) + 1 {
            let text = day.description
            monthDays.insert(String(text.suffix(5)))
            if text.hasSuffix("02-28") && !Self.isLeap(Int(text.prefix(4)) ?? 0) { monthDays.insert("02-29") }
            day = day + 1
        }
        var out: [FlowTriggerInstance] = []
        for (id, birthday, zoneName) in try store.birthdayCandidates(monthDays: monthDays.sorted()) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zoneName.flatMap(TimeZone.init(identifier:)) ?? .gmt
            let month = Int(birthday.suffix(5).prefix(2)) ?? 0
            let birthDay = Int(birthday.suffix(2)) ?? 0
            let years = Set(
                [from, through].map { calendar.component(.year, from: Date(timeIntervalSince1970: TimeInterval($0))) })
            for year in years.sorted() {
                let dayOfMonth = month == 2 && birthDay == 29 && !Self.isLeap(year) ? 28 : birthDay
                let parts = DateComponents(
                    year: year, month: month, day: dayOfMonth, hour: minuteOfDay / 60, minute: minuteOfDay % 60)
                guard let date = calendar.date(from: parts) else { continue }
                let at = Int64(date.timeIntervalSince1970)
                if at > from && at <= through {
                    out.append(FlowTriggerInstance(customerID: id, key: "birthday:\(year)", at: at))
                }
            }
        }
        return out
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    func advance(_ active: ActiveFlow, now: Int64, report: inout TickReport) throws {
        let flow = active.flow
        let window = ContactPolicy.historyWindow(planner.policy)
        while true {
            let due = try store.dueEnrollments(flowID: flow.id, now: now, limit: batchSize)
            if due.isEmpty { return }
            let facts = try store.planningFacts(for: due, now: now, since: now - window)
            let ids = Array(Set(due.map(\.customerID)))
            var holding: [FlowCondition: Set<CustomerID>] = [:]
            for condition in Set(active.program.conditions) {
                holding[condition] = try store.members(of: condition, among: ids, now: now)
            }
            var history = facts.history
            var runs: [Enrollment] = []
            var decisions: [CampaignDecision] = []
            var steps: [(run: Enrollment, customer: CustomerRecord, step: FlowPlanner.Advance)] = []
            for run in due {
                guard let customer = facts.customers[run.customerID] else {
                    var ended = run
                    ended.state = .ended("customer_gone")
                    runs.append(ended)
                    continue
                }
                let held = holding
                let subject = FlowPlanner.Subject(
                    customer: customer, orderAfterTrigger: facts.orderAfterTrigger[run.id],
                    history: history[run.customerID] ?? [], holds: { held[$0]?.contains(run.customerID) ?? false })
                let step = planner.advance(
                    flow: flow, program: active.program, enrollment: run, subject: subject, now: now)
                for planned in step.messages {
                    history[run.customerID, default: []].append(
                        ContactPolicy.Sent(channel: planned.channel, flow: flow.id, at: now))
                }
                steps.append((run, customer, step))
            }
            // Only the runs that send now need their cart, order or product read.
            let sending = steps.filter { !$0.step.messages.isEmpty || !$0.step.tickets.isEmpty }.map(\.run)
            var records = sending.isEmpty ? [:] : try store.templateRecords(for: sending)
            try addCatalogue(to: &records, runs: sending, flow: flow, now: now)
            var messages: [OutboxMessage] = []
            var tickets: [(FlowPlanner.PlannedTicket, RenderedMessage)] = []
            // The SKUs review messages of this batch ask, which the store learns only once it is applied.
            var reviewAsked: [CustomerID: Set<String>] = [:]
            for (run, customer, advanced) in steps {
                var step = advanced
                if !step.tickets.isEmpty {
                    var values = TemplateValues.make(
                        customer: customer, enrollment: run, records: records[run.id], currency: currency,
                        shopName: shopName, now: now)
                    try addFeedback(of: run, to: &values)
                    for planned in step.tickets {
                        do {
                            let text = try renderer.render(
                                FlowTemplate(
                                    channel: .email, subject: planned.ticket.subject, body: planned.ticket.body),
                                values: values)
                            tickets.append((planned, text))
                        } catch {
                            step.decisions.append(
                                CampaignDecision(
                                    flowID: flow.id, customerID: run.customerID, triggerKey: run.triggerKey,
                                    step: planned.step, reason: "render_failed", detail: "\(error)", at: now))
                        }
                    }
                }
                for planned in step.messages {
                    guard let template = flow.templates[planned.template] else { continue }
                    var values = TemplateValues.make(
                        customer: customer, enrollment: run, records: records[run.id], currency: currency,
                        shopName: shopName, now: now)
                    do {
                        try addFeedback(of: run, to: &values)
                        var askedSKUs: [String] = []
                        if let survey = planned.survey {
                            switch try surveyValues(
                                survey, planned: planned, order: records[run.id]?.order,
                                alsoAsked: reviewAsked[planned.customerID] ?? [], now: now)
                            {
                            case .success(let asked):
                                values["survey"] = .object(asked.fields)
                                askedSKUs = asked.skus
                                reviewAsked[planned.customerID, default: []].formUnion(asked.skus)
                            case .failure(let skip):
                                step.decisions.append(
                                    CampaignDecision(
                                        flowID: flow.id, customerID: run.customerID, triggerKey: run.triggerKey,
                                        step: planned.step, reason: skip.reason, detail: skip.detail, at: now))
                                continue
                            }
                        }
                        let text = try renderer.render(template, values: values)
                        messages.append(
                            OutboxMessage(
                                key: planned.key, flowID: flow.id, step: planned.step, customerID: planned.customerID,
                                channel: planned.channel, recipient: planned.recipient, subject: text.subject,
                                body: text.body, plannedAt: now, nextAttemptAt: planned.dueAt,
                                survey: planned.survey?.kind, surveyUntil: planned.survey.map { now + $0.validSeconds },
                                surveySKUs: askedSKUs))
                        report.planned[flow.id, default: 0] += 1
                    } catch {
                        step.decisions.append(
                            CampaignDecision(
                                flowID: flow.id, customerID: run.customerID, triggerKey: run.triggerKey,
                                step: planned.step, reason: "render_failed", detail: "\(error)", at: now))
                    }
                }
                for decision in step.decisions { report.decisions[decision.reason, default: 0] += 1 }
                runs.append(step.enrollment)
                decisions += step.decisions
            }
            // Tickets first: a crash before the plan is applied runs the step again, and a ticket
            // is opened once per key.
            if !tickets.isEmpty {
                try store.write { t in
                    for (planned, text) in tickets {
                        try FlowTickets.open(
                            in: t, key: planned.key, customer: planned.customerID, subject: text.subject ?? "",
                            note: text.body, at: now)
                    }
                }
            }
            try store.applyPlan(enrollments: runs, messages: messages, decisions: decisions)
            if due.count < batchSize { return }
        }
    }
}

extension CampaignTick {
    /// The `feedback.*` values of a run a survey answer triggered, read as the answer is now
    /// (words given after the score are there).
    func addFeedback(of run: Enrollment, to values: inout [String: TemplateValue]) throws {
        guard run.triggerKey.hasPrefix("feedback:") else { return }
        let key = String(run.triggerKey.dropFirst("feedback:".count))
        guard let response = try store.read({ try $0.feedbackResponse(key: key) }) else { return }
        var fields: [String: TemplateValue] = [
            "kind": .text(response.kind.rawValue), "score": .text(String(response.score)),
        ]
        if response.kind == .nps { fields["class"] = .text(NPSClass(score: response.score).rawValue) }
        fields["text"] = response.text.map(TemplateValue.text)
        fields["sku"] = response.sku.map(TemplateValue.text)
        values["feedback"] = .object(fields)
    }
}

/// Why a survey message was not sent.
struct SurveySkip: Error {
    var reason: String
    var detail: String
}

extension CampaignTick {
    /// The `survey.*` values of a survey message: its signed links (one per score, and per SKU
    /// for a review), the question and the last day, and the SKUs a review asks about. A review
    /// asks only about the order's SKUs the customer was never asked about (by a review survey
    /// that was not undeliverable) and has not reviewed, and is not sent when there are none.
    /// `alsoAsked`: SKUs asked of the customer by messages planned but not yet stored.
    func surveyValues(
        _ survey: SurveyStep, planned: FlowPlanner.PlannedMessage, order: OrderRecord?, alsoAsked: Set<String>,
        now: Int64
    )
        throws -> Result<(fields: [String: TemplateValue], skus: [String]), SurveySkip>
    {
        guard let links = surveyLinks else {
            return .failure(
                SurveySkip(
                    reason: "survey_links_unset",
                    detail:
                        "survey links need a signing secret and the answer page's address (PATRON_SURVEY_SECRET, PATRON_SURVEY_URL)"
                ))
        }
        let expires = now + survey.validSeconds
        var fields: [String: TemplateValue] = [
            "valid_until": .text(Day(epochSeconds: expires - 1).description),
            "range": .text("\(survey.kind.scores.lowerBound)-\(survey.kind.scores.upperBound)"),
        ]
        fields["question"] = survey.question.map(TemplateValue.text)
        func token(sku: String? = nil) -> SurveyToken {
            SurveyToken(
                messageKey: planned.key, customerID: planned.customerID, kind: survey.kind, sku: sku, expiresAt: expires
            )
        }
        guard survey.kind == .review else {
            fields["link"] = .text(links.link(token(), score: nil))
            fields["scores"] = .list(
                survey.kind.scores.map { ["score": .text(String($0)), "link": .text(links.link(token(), score: $0))] })
            return .success((fields, []))
        }
        guard let order else {
            return .failure(SurveySkip(reason: "no_order", detail: "a review survey needs the order that triggered it"))
        }
        var skus: [(sku: String, name: String)] = []
        for line in order.lines where !skus.contains(where: { $0.sku == line.sku }) {
            skus.append((line.sku, line.name ?? line.sku))
        }
        let done = try store.read { t in
            try t.reviewSKUsAsked(of: planned.customerID).union(alsoAsked).union(
                skus.map(\.sku).filter {
                    try t.feedbackResponse(key: FeedbackResponse.reviewKey(customer: planned.customerID, sku: $0))
                        != nil
                })
        }
        let asked = skus.filter { !done.contains($0.sku) }
        guard !asked.isEmpty else {
            return .failure(
                SurveySkip(
                    reason: "already_reviewed",
                    detail: "every SKU of order \(order.ref.id) is reviewed or was asked about already"))
        }
        fields["items"] = .list(
            asked.map {
                [
                    "sku": .text($0.sku), "name": .text($0.name),
                    "link": .text(links.link(token(sku: $0.sku), score: nil)),
                ]
            })
        fields["link"] = .text(links.link(token(sku: asked[0].sku), score: nil))
        return .success((fields, asked.map(\.sku)))
    }
}

extension ContactPolicy {
    /// How far back the caps look: the longest cap window.
    static func historyWindow(_ policy: ContactPolicy) -> Int64 { policy.caps.map(\.seconds).max() ?? 0 }
}
