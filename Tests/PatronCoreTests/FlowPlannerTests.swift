import Foundation
import PatronCore
import PatronSMS
import Testing

/// The planner: entries, runs through waits, conditions and sends, every skip with its reason.
@Suite struct FlowPlannerTests {
    init() { TestChannels.register() }

    /// 2024-05-01 12:00 UTC (14:00 in Berlin).
    static let noon = Day(iso: "2024-05-01")!.epochSeconds + 12 * 3600
    static let vip = FlowCondition(
        source: "orders.count >= 2", expression: try! SegmentParser.parse("orders.count >= 2"))

    static func customer(sms: ConsentStatus = .granted, zone: String = "Europe/Berlin") -> CustomerRecord {
        CustomerRecord(
            id: CustomerID(7), email: "a@example.com", phone: "+4915112345678", timeZone: zone, createdAt: 0,
            consent: ConsentState([
                .email: ConsentEntry(status: .granted, at: 0), .sms: ConsentEntry(status: sms, at: 0),
            ]))
    }

    static func flow(_ steps: [FlowStep], holdout: Int = 0, goal: FlowGoal = .orderPlaced) -> Flow {
        Flow(
            id: "cart", name: "Cart", triggers: [.cartAbandoned(idleSeconds: 4 * 3600, minValueMinor: 0)], steps: steps,
            goal: goal, reentryCooldownSeconds: 7 * 86_400, holdoutPercent: holdout,
            templates: [
                "mail": FlowTemplate(channel: .email, subject: "s", body: "b"),
                "text": FlowTemplate(channel: .sms, body: "t"),
            ])
    }

    static func subject(
        _ customer: CustomerRecord = customer(), order: Int64? = nil, history: [ContactPolicy.Sent] = [],
        vip: Bool = false
    ) -> FlowPlanner.Subject {
        FlowPlanner.Subject(customer: customer, orderAfterTrigger: order, history: history, holds: { _ in vip })
    }

    let planner = FlowPlanner()
    let instance = FlowTriggerInstance(customerID: CustomerID(7), key: "cart:1@100", at: noon)

    @Test func aConditionCompilesToABranchAndAJumpOverTheOtherSide() {
        let program = FlowProgram([
            .send(channel: .email, template: "mail"),
            .condition(Self.vip, yes: [.send(channel: .sms, template: "text")], no: [.exit]),
            .wait(seconds: 60),
        ])
        #expect(
            program.instructions == [
                .send(channel: .email, template: "mail"), .branch(Self.vip, elseAt: 4),
                .send(channel: .sms, template: "text"), .jump(5), .exit, .wait(seconds: 60),
            ])
        #expect(program.conditions == [Self.vip])
    }

    @Test func entryChecksTheAudienceThenTheCooldownThenTheHoldout() {
        let flow = Self.flow([.send(channel: .email, template: "mail")])
        let outside = planner.enter(
            flow: flow, instance: instance, inAudience: false, lastEnteredAt: nil, now: Self.noon)
        #expect(outside.enrollment == nil && outside.decision?.reason == "not_in_audience")
        let recent = planner.enter(
            flow: flow, instance: instance, inAudience: true, lastEnteredAt: Self.noon - 86_400, now: Self.noon)
        #expect(recent.enrollment == nil && recent.decision?.reason == "cooldown")
        let entered = planner.enter(
            flow: flow, instance: instance, inAudience: true, lastEnteredAt: Self.noon - 8 * 86_400, now: Self.noon)
        #expect(entered.enrollment?.state == .active && entered.decision == nil)
        #expect(entered.enrollment?.wakeAt == Self.noon)
        // Everyone is held out at 99 % except the 1 % the hash spares; the same customer always lands the same way.
        let held = (1...200).filter {
            ContactPolicy.inHoldout(customer: CustomerID(Int64($0)), flow: "cart", percent: 50)
        }.count
        #expect(held > 70 && held < 130)
        let holdoutFlow = Self.flow([.send(channel: .email, template: "mail")], holdout: 99)
        let inHoldout = (1...50).map { n in
            planner.enter(
                flow: holdoutFlow, instance: FlowTriggerInstance(customerID: CustomerID(Int64(n)), key: "k", at: 0),
                inAudience: true, lastEnteredAt: nil, now: Self.noon)
        }.filter { $0.enrollment?.holdout == true }
        #expect(inHoldout.count >= 45)
        #expect(inHoldout.allSatisfy { $0.enrollment?.state == .ended("holdout") && $0.decision?.reason == "holdout" })
    }

    @Test func aRunSendsWaitsAndSendsAgainWithKeysOfFlowStepCustomerAndTrigger() {
        let flow = Self.flow([
            .send(channel: .email, template: "mail"), .wait(seconds: 86_400), .send(channel: .sms, template: "text"),
        ])
        let program = FlowProgram(flow.steps)
        var run = Enrollment(
            id: 5, flowID: "cart", customerID: CustomerID(7), triggerKey: "cart:1@100", triggeredAt: Self.noon,
            wakeAt: Self.noon)
        let first = planner.advance(
            flow: flow, program: program, enrollment: run, subject: Self.subject(), now: Self.noon)
        #expect(first.messages.map(\.key) == ["cart/0/7/cart:1@100"])
        #expect(first.enrollment.pc == 2 && first.enrollment.wakeAt == Self.noon + 86_400)
        // Not due yet: nothing happens.
        let early = planner.advance(
            flow: flow, program: program, enrollment: first.enrollment, subject: Self.subject(), now: Self.noon + 3600)
        #expect(early.messages.isEmpty && early.enrollment == first.enrollment)
        run = first.enrollment
        let second = planner.advance(
            flow: flow, program: program, enrollment: run, subject: Self.subject(), now: Self.noon + 86_400)
        #expect(second.messages.map(\.key) == ["cart/2/7/cart:1@100"])
        #expect(second.messages.first?.recipient == "+4915112345678")
        #expect(second.enrollment.state == .ended("completed"))
    }

    @Test func anOrderAfterTheTriggerEndsTheRunWithTheGoal() {
        let flow = Self.flow([.wait(seconds: 3600), .send(channel: .email, template: "mail")])
        let run = Enrollment(
            id: 5, flowID: "cart", customerID: CustomerID(7), triggerKey: "k", triggeredAt: Self.noon - 7200, pc: 1,
            wakeAt: Self.noon)
        let step = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(order: Self.noon - 60),
            now: Self.noon)
        #expect(step.messages.isEmpty)
        #expect(step.enrollment.state == .ended("goal_reached"))
        #expect(step.decisions.map(\.reason) == ["goal_reached"])
        // Without a goal the same order changes nothing.
        let noGoal = Self.flow([.wait(seconds: 3600), .send(channel: .email, template: "mail")], goal: .none)
        let sent = planner.advance(
            flow: noGoal, program: FlowProgram(noGoal.steps), enrollment: run,
            subject: Self.subject(order: Self.noon - 60), now: Self.noon)
        #expect(sent.messages.count == 1)
    }

    @Test func quietHoursDeferTheRunToTheNextAllowedMinuteAndTheMessageStillGoes() {
        let flow = Self.flow([.send(channel: .email, template: "mail")])
        let tokyo = Self.customer(zone: "Asia/Tokyo")  // 21:00 local at noon UTC
        let run = Enrollment(
            id: 5, flowID: "cart", customerID: CustomerID(7), triggerKey: "k", triggeredAt: Self.noon, wakeAt: Self.noon
        )
        let deferred = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(tokyo), now: Self.noon)
        #expect(deferred.messages.isEmpty)
        #expect(deferred.enrollment.state == .active && deferred.enrollment.wakeAt == Self.noon + 11 * 3600)
        #expect(deferred.decisions.map(\.reason) == ["quiet_hours"])
        let later = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: deferred.enrollment, subject: Self.subject(tokyo),
            now: Self.noon + 11 * 3600)
        #expect(later.messages.map(\.key) == ["cart/0/7/k"])
    }

    @Test func capsConsentAndMissingAddressesSkipTheMessageAndTheRunGoesOn() {
        let flow = Self.flow([.send(channel: .sms, template: "text"), .send(channel: .email, template: "mail")])
        let run = Enrollment(
            id: 5, flowID: "cart", customerID: CustomerID(7), triggerKey: "k", triggeredAt: Self.noon, wakeAt: Self.noon
        )
        let texted = [ContactPolicy.Sent(channel: .sms, flow: "other", at: Self.noon - 3600)]
        let capped = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(history: texted),
            now: Self.noon)
        #expect(capped.decisions.map(\.reason) == ["capped"])
        #expect(capped.messages.map(\.channel) == [.email])
        let noConsent = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run,
            subject: Self.subject(Self.customer(sms: .revoked)),
            now: Self.noon)
        #expect(noConsent.decisions.map(\.reason) == ["no_consent"])
        var noPhone = Self.customer()
        noPhone.phone = nil
        let noAddress = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(noPhone),
            now: Self.noon)
        #expect(noAddress.decisions.map(\.reason) == ["no_address"])
        // Three messages in seven days across flows: the third one over the cap is skipped too.
        let busy = (1...3).map { ContactPolicy.Sent(channel: .email, flow: "x", at: Self.noon - Int64($0) * 86_400) }
        let overCap = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(history: busy),
            now: Self.noon)
        #expect(overCap.messages.isEmpty && overCap.decisions.map(\.reason) == ["capped", "capped"])
    }

    @Test func conditionsChooseTheBranchAndExitEndsTheRun() {
        let flow = Self.flow([
            .condition(Self.vip, yes: [.send(channel: .sms, template: "text")], no: [.exit]),
            .send(channel: .email, template: "mail"),
        ])
        let run = Enrollment(
            id: 5, flowID: "cart", customerID: CustomerID(7), triggerKey: "k", triggeredAt: Self.noon, wakeAt: Self.noon
        )
        let yes = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(vip: true),
            now: Self.noon)
        #expect(yes.messages.map(\.channel) == [.sms, .email])
        let no = planner.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run, subject: Self.subject(vip: false),
            now: Self.noon)
        #expect(no.messages.isEmpty && no.enrollment.state == .ended("exit"))
    }

    @Test func replenishmentUsesTheCustomersOwnIntervalElseTheSKUsMedian() {
        let day: Int64 = 86_400
        let purchases: [(CustomerID, Int64)] = [
            (CustomerID(1), 0), (CustomerID(1), 10 * day), (CustomerID(1), 20 * day),  // every 10 days
            (CustomerID(2), 0), (CustomerID(2), 30 * day),  // every 30 days
            (CustomerID(3), 5 * day), (CustomerID(3), 5 * day + 600),  // one purchase day: no own interval
        ]
        let due = Replenishment.due(sku: "TEA", purchases: purchases, dueAfter: 0)
        let byCustomer = Dictionary(uniqueKeysWithValues: due.map { ($0.customerID, $0) })
        #expect(byCustomer[CustomerID(1)]?.intervalDays == 10)
        #expect(byCustomer[CustomerID(1)]?.dueAt == 30 * day)
        #expect(byCustomer[CustomerID(2)]?.intervalDays == 30)
        // The SKU's median over the intervals 10, 10, 30 is 10.
        #expect(byCustomer[CustomerID(3)]?.intervalDays == 10)
        #expect(byCustomer[CustomerID(3)]?.dueAt == 5 * day + 600 + 10 * day)
        #expect(
            Replenishment.due(sku: "TEA", purchases: purchases, dueAfter: 31 * day).map(\.customerID) == [CustomerID(2)]
        )
    }

    @Test func retriesBackOffExponentiallyWithJitterUpToTheCap() {
        let retry = RetryPolicy(baseSeconds: 30, capSeconds: 600, maxAttempts: 5)
        #expect(retry.delay(afterAttempt: 1, jitter: 1) == 30)
        #expect(retry.delay(afterAttempt: 1, jitter: 0) == 15)
        #expect(retry.delay(afterAttempt: 3, jitter: 1) == 120)
        #expect(retry.delay(afterAttempt: 10, jitter: 1) == 600)
    }

    @Test func liftComparesTheTreatedConversionRateWithTheHoldouts() {
        let stats = FlowStats(
            flowID: "f", messages: [:], decisions: [:], treated: 900, holdout: 100, treatedConverted: 180,
            holdoutConverted: 10, attributedOrders: 0, attributedRevenueMinor: 0)
        #expect(stats.treatedRate == 0.2 && stats.holdoutRate == 0.1)
        #expect(abs((stats.lift ?? 0) - 1.0) < 1e-9)
        let none = FlowStats(
            flowID: "f", messages: [:], decisions: [:], treated: 10, holdout: 0, treatedConverted: 1,
            holdoutConverted: 0, attributedOrders: 0, attributedRevenueMinor: 0)
        #expect(none.lift == nil)
    }
}
