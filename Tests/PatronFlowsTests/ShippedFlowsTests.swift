import Foundation
import PatronCore
import PatronFlows
import PatronSMS
import Testing

/// The flow files shipped in `flows/` all parse, and say what their comments say.
struct ShippedFlowsTests {
    init() { TestChannels.register() }

    /// `flows/` at the package's root: the nearest folder of that name above this file.
    static let folder: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("flows")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("flows")
    }()

    static let files: [String] =
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?
        .filter { $0.hasSuffix(".yaml") }.sorted() ?? []

    @Test func theFolderHasTheShippedFlows() {
        #expect(
            Self.files == [
                "abandoned-cart.yaml", "birthday.yaml", "browse-abandonment.yaml", "csat-ticket-closed.yaml",
                "nps-after-first-order.yaml",
                "nps-detractor.yaml", "points-expiring.yaml", "post-purchase-review.yaml", "replenishment.yaml",
                "welcome.yaml", "win-back.yaml",
            ])
    }

    @Test(arguments: files)
    func parses(_ file: String) throws {
        let flow = try FlowFile.load(path: Self.folder.appendingPathComponent(file).path)
        #expect(flow.id + ".yaml" == file)
        #expect(!flow.name.isEmpty)
        #expect(!flow.steps.isEmpty)
        #expect(Set(flow.templates.keys) == Set(Self.sentTemplates(flow.steps)))
    }

    static func sentTemplates(_ steps: [FlowStep]) -> [String] {
        steps.flatMap { step -> [String] in
            switch step {
            case .send(_, let template): [template]
            case .survey(let survey): [survey.template]
            case .condition(_, let yes, let no): sentTemplates(yes) + sentTemplates(no)
            case .wait, .exit, .ticket: []
            }
        }
    }

    func load(_ name: String) throws -> Flow {
        try FlowFile.load(path: Self.folder.appendingPathComponent(name + ".yaml").path)
    }

    func condition(_ source: String) throws -> FlowCondition {
        FlowCondition(source: source, expression: try SegmentParser.parse(source))
    }

    @Test func abandonedCart() throws {
        let flow = try load("abandoned-cart")
        #expect(flow.triggers == [.cartAbandoned(idleSeconds: 4 * 3_600, minValueMinor: 2_000)])
        #expect(
            flow.audience
                == (try condition("consent.email = 'granted' or consent.sms = 'granted' or consent.push = 'granted'")))
        #expect(flow.goal == .orderPlaced)
        #expect(flow.reentryCooldownSeconds == 7 * 86_400)
        #expect(flow.holdoutPercent == 10)
        #expect(flow.attributionSeconds == Flow.defaultAttributionSeconds)
        #expect(
            flow.steps == [
                .condition(
                    try condition("consent.push = 'granted'"), yes: [.send(channel: "push", template: "cart_push")],
                    no: [.send(channel: .email, template: "cart_email")]),
                .wait(seconds: 86_400),
                .condition(
                    try condition("consent.sms = 'granted' and cart.open_value >= 20"),
                    yes: [.send(channel: .sms, template: "cart_sms")], no: []),
            ])
        #expect(flow.templates["cart_sms"]?.subject == nil)
        #expect(flow.templates["cart_push"]?.subject == "Your cart at {{shop.name}}")
    }

    @Test func welcome() throws {
        let flow = try load("welcome")
        #expect(flow.triggers == [.orderPlaced(firstOnly: true)])
        #expect(flow.goal == .orderPlaced)
        #expect(
            flow.steps == [
                .send(channel: .email, template: "welcome_email"), .wait(seconds: 3 * 86_400),
                .send(channel: .email, template: "tips_email"), .wait(seconds: 7 * 86_400),
                .condition(
                    try condition("orders.count = 1"), yes: [.send(channel: .email, template: "second_order_email")],
                    no: [.exit]),
            ])
    }

    @Test func postPurchaseReview() throws {
        let flow = try load("post-purchase-review")
        #expect(flow.triggers == [.orderPlaced(firstOnly: false)])
        #expect(flow.goal == FlowGoal.none)
        #expect(
            flow.steps == [
                .wait(seconds: 14 * 86_400),
                .survey(
                    SurveyStep(
                        kind: .review, channel: .email, template: "review_request",
                        question: "Tell other customers what you think of it")),
            ])
        #expect(flow.templates["review_request"]?.body.contains("{{#survey.items}}") == true)
    }

    @Test func csatTicketClosed() throws {
        let flow = try load("csat-ticket-closed")
        #expect(flow.triggers == [.ticketClosed])
        #expect(flow.reentryCooldownSeconds == 7 * 86_400)
        #expect(
            flow.steps == [
                .wait(seconds: 3_600),
                .survey(
                    SurveyStep(
                        kind: .csat, channel: .email, template: "csat_email",
                        question: "What could we have done better?", validSeconds: 14 * 86_400)),
            ])
    }

    @Test func npsDetractor() throws {
        let flow = try load("nps-detractor")
        #expect(flow.triggers == [.feedbackReceived(kind: .nps, scores: 0...6)])
        #expect(flow.reentryCooldownSeconds == 0 && flow.templates.isEmpty)
        guard flow.steps.count == 2, case .ticket(let ticket) = flow.steps[1] else {
            Issue.record("\(flow.steps)")
            return
        }
        #expect(flow.steps[0] == .wait(seconds: 3_600))
        #expect(ticket.subject.contains("{{feedback.score}}") && ticket.body.contains("{{feedback.text}}"))
    }

    @Test func npsAfterFirstOrder() throws {
        let flow = try load("nps-after-first-order")
        #expect(flow.triggers == [.orderPlaced(firstOnly: true)])
        #expect(flow.goal == FlowGoal.none)
        #expect(
            flow.steps == [
                .wait(seconds: 30 * 86_400),
                .condition(
                    try condition("consent.email = 'granted'"),
                    yes: [
                        .survey(
                            SurveyStep(
                                kind: .nps, channel: .email, template: "nps_email",
                                question: "What is the main reason for your score?"))
                    ],
                    no: [
                        .condition(
                            try condition("consent.sms = 'granted'"),
                            yes: [.survey(SurveyStep(kind: .nps, channel: .sms, template: "nps_sms"))], no: [])
                    ]),
            ])
        #expect(flow.templates["nps_email"]?.body.contains("{{#survey.scores}}") == true)
    }

    @Test func winBack() throws {
        let flow = try load("win-back")
        #expect(flow.triggers == [.noOrderFor(days: 90), .rfmSegmentEntered(["At Risk", "Can't Lose Them"])])
        #expect(flow.audience == (try condition("orders.count >= 1")))
        #expect(flow.reentryCooldownSeconds == 90 * 86_400)
        #expect(
            flow.steps == [
                .send(channel: .email, template: "winback_email"), .wait(seconds: 7 * 86_400),
                .condition(
                    try condition("consent.sms = 'granted'"), yes: [.send(channel: .sms, template: "winback_sms")],
                    no: []),
            ])
    }

    @Test func birthday() throws {
        let flow = try load("birthday")
        #expect(flow.triggers == [.birthday(minuteOfDay: 9 * 60)])
        #expect(flow.goal == FlowGoal.none)
        #expect(flow.reentryCooldownSeconds == 300 * 86_400)
        #expect(flow.audience == nil)
        #expect(
            flow.steps == [
                .send(channel: .email, template: "birthday_email"),
                .condition(
                    try condition("consent.sms = 'granted'"), yes: [.send(channel: .sms, template: "birthday_sms")],
                    no: []),
            ])
    }

    /// Browse abandonment: two looks at one product in a day; two hours later, unless a cart
    /// was opened, one push or email about it, with recommendations when there are some.
    @Test func browseAbandonment() throws {
        let flow = try load("browse-abandonment")
        #expect(flow.triggers == [.productViewed(count: 2, withinSeconds: 86_400)])
        #expect(flow.steps.first == .wait(seconds: 7_200))
        let template = try #require(flow.templates["browse_email"])
        let renderer = MustacheRenderer()
        var values = Self.sampleValues
        let with = try renderer.render(template, values: values)
        #expect(with.body.contains("<product.url>") && with.body.contains("You may also like:"))
        #expect(with.body.contains("- <name> (<price>): <url>"), "\(with.body)")
        values["has_recommendations"] = nil
        values["recommendations"] = .list([])
        #expect(!(try renderer.render(template, values: values)).body.contains("You may also like"))
    }

    @Test func replenishment() throws {
        let flow = try load("replenishment")
        #expect(flow.triggers == [.replenishmentDue(leadDays: 3)])
        #expect(flow.steps == [.send(channel: .email, template: "replenishment_email")])
        #expect(flow.templates["replenishment_email"]?.subject == "Running low on {{product.name}}?")
    }

    /// Every catalogue field with a sample value; lists have one item.
    static let sampleValues: [String: TemplateValue] = {
        var objects: [String: [String: TemplateValue]] = [:]
        var topLevel: [String: TemplateValue] = [:]
        for field in TemplateField.catalogue {
            let parts = field.name.split(separator: ".", maxSplits: 1).map(String.init)
            let item = Dictionary(uniqueKeysWithValues: field.itemFields.map { ($0, TemplateValue.text("<\($0)>")) })
            let value: TemplateValue = field.itemFields.isEmpty ? .text("<\(field.name)>") : .list([item])
            if parts.count == 1 {
                topLevel[field.name] = value  // `recommendations`, `has_recommendations`
            } else {
                objects[parts[0], default: [:]][parts[1]] = value
            }
        }
        return objects.mapValues { .object($0) }.merging(topLevel) { a, _ in a }
    }()

    @Test(arguments: files)
    func rendersCompletely(_ file: String) throws {
        let flow = try FlowFile.load(path: Self.folder.appendingPathComponent(file).path)
        let renderer = MustacheRenderer()
        for (name, template) in flow.templates {
            let message = try renderer.render(template, values: Self.sampleValues)
            #expect(!message.body.contains("{{"), "\(name)")
            #expect(!(message.subject ?? "").contains("{{"), "\(name)")
            #expect(message.body.contains("<shop.name>"), "\(name)")
            #expect((message.subject == nil) == (template.channel == .sms), "\(name)")
        }
    }

    /// The win-back email tells customers with points how many wait for them, and says nothing
    /// of points to the others.
    @Test func winBackNamesThePointsOnlyWhenThereAreSome() throws {
        let template = try #require(try load("win-back").templates["winback_email"])
        let renderer = MustacheRenderer()
        var values = Self.sampleValues
        let with = try renderer.render(template, values: values)
        #expect(with.body.contains("You have\n<loyalty.points> points waiting to be spent."), "\(with.body)")
        values["loyalty"] = .object(["expiring_points": .text("0")])
        #expect(!(try renderer.render(template, values: values)).body.contains("points"))
    }
}
