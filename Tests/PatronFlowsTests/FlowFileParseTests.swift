import PatronCore
import PatronFlows
import PatronSMS
import Testing

/// What a valid flow file becomes: every trigger, the defaults, durations, amounts and branches.
struct FlowFileParseTests {
    init() { TestChannels.register() }

    static let template = "templates: { m: { channel: sms, body: hi } }\n"

    func parse(
        _ yaml: String, currencyDigits: Int = 2, savedSegment: @escaping (String) throws -> String? = { _ in nil }
    )
        throws -> Flow
    {
        try FlowFile.parse(yaml, file: "t.yaml", currencyDigits: currencyDigits, savedSegment: savedSegment)
    }

    @Test func appliesTheDefaults() throws {
        let flow = try parse(
            "id: t\nname: T\ntrigger: { customer_created: {} }\nsteps: [ { send: m } ]\n" + Self.template)
        #expect(
            flow
                == Flow(
                    id: "t", name: "T", triggers: [.customerCreated], audience: nil,
                    steps: [.send(channel: .sms, template: "m")], goal: .orderPlaced,
                    reentryCooldownSeconds: 30 * 86_400, holdoutPercent: 0, attributionSeconds: 5 * 86_400,
                    templates: ["m": FlowTemplate(channel: .sms, body: "hi")]))
    }

    static let triggers: [(String, FlowTrigger)] = [
        ("order_placed: {}", .orderPlaced(firstOnly: false)),
        ("order_placed:", .orderPlaced(firstOnly: false)),
        ("order_placed: { first_only: true }", .orderPlaced(firstOnly: true)),
        ("cart_abandoned: { idle: 90m }", .cartAbandoned(idleSeconds: 5_400, minValueMinor: 0)),
        (
            "cart_abandoned: { idle: 1d12h, min_value: 49.9 }",
            .cartAbandoned(idleSeconds: 129_600, minValueMinor: 4_990)
        ),
        ("customer_created: {}", .customerCreated),
        (
            "rfm_segment_entered: { segments: [At Risk, \"Can't Lose Them\"] }",
            .rfmSegmentEntered(["At Risk", "Can't Lose Them"])
        ),
        ("segment_entered: { segment: vip }", .segmentEntered("vip")),
        ("no_order_for: { days: 90 }", .noOrderFor(days: 90)),
        ("birthday: {}", .birthday(minuteOfDay: 540)),
        ("birthday: { at: \"18:30\" }", .birthday(minuteOfDay: 1_110)),
        ("birthday: { at: 7:05 }", .birthday(minuteOfDay: 425)),
        ("replenishment_due: {}", .replenishmentDue(leadDays: 0)),
        ("replenishment_due: { lead_days: 3 }", .replenishmentDue(leadDays: 3)),
        ("tier_changed: {}", .tierChanged(from: nil, to: nil)),
        ("feedback_received: { kind: nps }", .feedbackReceived(kind: .nps, scores: nil)),
        ("feedback_received: { kind: nps, score: 0-6 }", .feedbackReceived(kind: .nps, scores: 0...6)),
        ("feedback_received: { kind: csat, score: 5 }", .feedbackReceived(kind: .csat, scores: 5...5)),
        ("tier_changed: { to: [Gold, Platinum] }", .tierChanged(from: nil, to: ["Gold", "Platinum"])),
        ("tier_changed: { from: Gold, to: Silver }", .tierChanged(from: ["Gold"], to: ["Silver"])),
        (
            "schedule: { every: 1w, starting: 2025-01-06T09:00:00Z }",
            .schedule(everySeconds: 604_800, anchor: 1_736_154_000)
        ),
        (
            "schedule: { every: 1d, starting: \"2025-01-06T10:00:00.5+01:00\" }",
            .schedule(everySeconds: 86_400, anchor: 1_736_154_000)
        ),
    ]

    @Test(arguments: triggers)
    func readsTrigger(_ text: String, _ trigger: FlowTrigger) throws {
        let flow = try parse("id: t\nname: T\ntrigger:\n  \(text)\nsteps: [ { send: m } ]\n" + Self.template)
        #expect(flow.triggers == [trigger])
    }

    @Test func readsSeveralTriggers() throws {
        let flow = try parse(
            "id: t\nname: T\ntriggers:\n  - no_order_for: { days: 60 }\n  - customer_created: {}\nsteps: [ { send: m } ]\n"
                + Self.template)
        #expect(flow.triggers == [.noOrderFor(days: 60), .customerCreated])
    }

    @Test(arguments: [("10%", 10), ("10", 10), ("0%", 0), ("99 %", 99)])
    func readsHoldout(_ text: String, _ percent: Int) throws {
        let flow = try parse(
            "id: t\nname: T\ntrigger: { birthday: {} }\nholdout: \(text)\nsteps: [ { send: m } ]\n" + Self.template)
        #expect(flow.holdoutPercent == percent)
    }

    @Test func readsGoalCooldownAndAttribution() throws {
        let flow = try parse(
            "id: t\nname: T\ntrigger: { birthday: {} }\ngoal: none\nreentry_cooldown: 2w\nattribution: 0s\n"
                + "steps: [ { send: m } ]\n" + Self.template)
        #expect(flow.goal == FlowGoal.none)
        #expect(flow.reentryCooldownSeconds == 1_209_600)
        #expect(flow.attributionSeconds == 0)
    }

    @Test func readsAmountsInTheStoresCurrency() throws {
        let yen = try parse(
            "id: t\nname: T\ntrigger: { cart_abandoned: { idle: 1h, min_value: 5000 } }\nsteps: [ { send: m } ]\n"
                + Self.template, currencyDigits: 0)
        #expect(yen.triggers == [.cartAbandoned(idleSeconds: 3_600, minValueMinor: 5_000)])
    }

    @Test func readsNestedBranches() throws {
        let yaml = """
            id: t
            name: T
            trigger: { order_placed: {} }
            steps:
              - wait: 2d
              - if: orders.count >= 2
                then:
                  - if: "consent.sms = 'granted'"
                    then: [ { send: m } ]
                    else: [ exit ]
                else:
                  - send: m
              - exit

            """ + Self.template
        let flow = try parse(yaml)
        let twice = FlowCondition(source: "orders.count >= 2", expression: try SegmentParser.parse("orders.count >= 2"))
        let sms = FlowCondition(
            source: "consent.sms = 'granted'", expression: try SegmentParser.parse("consent.sms = 'granted'"))
        let send = FlowStep.send(channel: .sms, template: "m")
        #expect(
            flow.steps == [
                .wait(seconds: 172_800),
                .condition(twice, yes: [.condition(sms, yes: [send], no: [.exit])], no: [send]),
                .exit,
            ])
    }

    @Test func expandsSavedSegments() throws {
        let yaml = "id: t\nname: T\ntrigger: { birthday: {} }\naudience: in_segment(\"vip\")\nsteps: [ { send: m } ]\n"
        let flow = try parse(yaml + Self.template) { $0 == "vip" ? "orders.total > 500" : nil }
        #expect(flow.audience?.source == "in_segment(\"vip\")")
        #expect(flow.audience?.expression == (try SegmentParser.parse("orders.total > 500")))
    }

    @Test func keepsTemplatesAsWritten() throws {
        let yaml = """
            id: t
            name: T
            trigger: { cart_abandoned: { idle: 4h } }
            steps: [ { send: mail } ]
            templates:
              mail:
                channel: email
                subject: 'It''s still in your cart, {{customer.first_name}}'
                body: |
                  Hi,
                    {{#cart.items}}{{quantity}} x {{name}}{{/cart.items}}
                  Bye

            """
        let template = try parse(yaml).templates["mail"]
        #expect(template?.channel == .email)
        #expect(template?.subject == "It's still in your cart, {{customer.first_name}}")
        #expect(template?.body == "Hi,\n  {{#cart.items}}{{quantity}} x {{name}}{{/cart.items}}\nBye\n")
    }

    @Test func validatesSectionsOverTextAndEveryKindOfTag() throws {
        let body =
            "{{#customer.first_name}}hi {{customer.first_name}}{{/customer.first_name}}"
            + "{{^customer.first_name}}there{{/customer.first_name}} {{! a comment }} {{{shop.name}}} {{&customer.email}}"
            + " {{#order.items}}{{.name}} {{sku}} {{order.number}}{{/order.items}}{{#customer.name}}{{.}}{{/customer.name}}"
        let yaml =
            "id: t\nname: T\ntrigger: { order_placed: {} }\nsteps: [ { send: m } ]\n"
            + "templates: { m: { channel: sms, body: \"\(body)\" } }\n"
        #expect(try parse(yaml).templates["m"]?.body == body)
    }
}
