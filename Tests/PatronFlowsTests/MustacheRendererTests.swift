import PatronCore
import PatronFlows
import PatronSMS
import Testing

/// Rendering: values go in as plain text, lists repeat, missing and empty values are false.
struct MustacheRendererTests {
    init() { TestChannels.register() }

    let renderer = MustacheRenderer()

    let values: [String: TemplateValue] = [
        "shop": .object(["name": .text("Tom & Jerry's")]),
        "customer": .object(["first_name": .text("Ann"), "last_name": .text(""), "email": .text("ann@example.com")]),
        "cart": .object([
            "value": .text("59.90 EUR"),
            "items": .list([
                [
                    "sku": .text("MUG-1"), "name": .text("Mug <large>"), "quantity": .text("2"),
                    "price": .text("9.95 EUR"),
                ],
                [
                    "sku": .text("TEA-3"), "name": .text("Tea \"Earl\""), "quantity": .text("1"),
                    "price": .text("40.00 EUR"),
                ],
            ]),
        ]),
    ]

    func render(_ body: String, subject: String? = nil, channel: ConsentChannel = .email) throws -> RenderedMessage {
        try renderer.render(FlowTemplate(channel: channel, subject: subject, body: body), values: values)
    }

    @Test func substitutesValuesInSubjectAndBody() throws {
        let message = try render("Hi {{customer.first_name}}, from {{shop.name}}", subject: "For {{customer.email}}")
        #expect(message == RenderedMessage(subject: "For ann@example.com", body: "Hi Ann, from Tom & Jerry's"))
    }

    @Test(arguments: [ConsentChannel.email, .sms])
    func escapesNothing(_ channel: ConsentChannel) throws {
        let body = "{{shop.name}} {{{shop.name}}} {{&shop.name}} {{#cart.items}}{{name}};{{/cart.items}}"
        let message = try render(body, channel: channel)
        #expect(message.body == "Tom & Jerry's Tom & Jerry's Tom & Jerry's Mug <large>;Tea \"Earl\";")
    }

    @Test func repeatsListSections() throws {
        let body = """
            Your cart:
            {{#cart.items}}
            - {{quantity}} x {{name}} ({{price}}), for {{customer.first_name}}
            {{/cart.items}}
            Total: {{cart.value}}
            """
        let message = try render(body)
        #expect(
            message.body == """
                Your cart:
                - 2 x Mug <large> (9.95 EUR), for Ann
                - 1 x Tea "Earl" (40.00 EUR), for Ann
                Total: 59.90 EUR
                """)
    }

    @Test func missingAndEmptyValuesAreFalse() throws {
        let body = """
            {{#customer.last_name}}Mr {{customer.last_name}}{{/customer.last_name}}\
            {{^customer.last_name}}no last name{{/customer.last_name}}; \
            {{#order.items}}item{{/order.items}}{{^order.items}}no order{{/order.items}}; \
            [{{customer.phone}}][{{customer.last_name}}][{{product.name}}]
            """
        #expect(try render(body).body == "no last name; no order; [][][]")
    }

    @Test func emptyListsAreFalse() throws {
        let body = "{{#cart.items}}{{name}}{{/cart.items}}{{^cart.items}}empty{{/cart.items}}"
        let message = try renderer.render(
            FlowTemplate(channel: .sms, body: body), values: ["cart": .object(["items": .list([])])])
        #expect(message.body == "empty")
    }

    @Test func sectionsOverTextShowWhenTheTextIsThere() throws {
        let body = """
            Hi {{#customer.first_name}}{{customer.first_name}}{{/customer.first_name}}\
            {{^customer.first_name}}there{{/customer.first_name}}!
            """
        #expect(try render(body).body == "Hi Ann!")
        let anonymous = try renderer.render(FlowTemplate(channel: .sms, body: body), values: [:])
        #expect(anonymous.body == "Hi there!")
    }

    @Test func keepsTheTextAroundTagsAsWritten() throws {
        #expect(try render("\nHi {{customer.first_name}}\n").body == "\nHi Ann\n")
        #expect(try render("{{#customer.first_name}}\nHi\n{{/customer.first_name}}\nBye").body == "Hi\nBye")
    }

    @Test func aSyntaxErrorIsThrownWithItsPlace() throws {
        let error = #expect(throws: TemplateSyntaxError.self) { try render("Hi\n{{#a}}x{{/b}}") }
        #expect(error?.description == "2:11: template syntax error: a section is closed with another name")
        let unclosed = #expect(throws: TemplateSyntaxError.self) {
            try render("Hi {{customer.first_name}", subject: "ok")
        }
        #expect(unclosed?.line == 1)
    }

    @Test func rendersFromManyTasksAtOnce() async throws {
        let renderer = renderer
        let values = values
        let bodies = (0..<20).map { "\($0): {{customer.first_name}}" }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<200 {
                let body = bodies[round % bodies.count]
                group.addTask {
                    let message = try renderer.render(FlowTemplate(channel: .sms, body: body), values: values)
                    return message.body == "\(round % bodies.count): Ann"
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
