import PatronCore
import Testing

@testable import PatronFlows

/// The static check of templates: what each tag may name, where problems are reported.
struct TemplateCheckerTests {
    init() { TestChannels.register() }

    let customer = TemplateChecker(triggers: [(kind: "birthday", scope: .customer)])
    let cart = TemplateChecker(triggers: [(kind: "cart_abandoned", scope: .cart)])

    func messages(_ checker: TemplateChecker, _ text: String) -> [String] {
        checker.check(text).map { "\($0.offset): \($0.message)" }
    }

    @Test(arguments: [
        "Hi {{customer.first_name}}, {{shop.name}}",
        "{{#customer.first_name}}hi {{customer.first_name}}{{/customer.first_name}}"
            + "{{^customer.first_name}}there{{/customer.first_name}}",
        "{{#customer.name}}{{.}}{{/customer.name}} {{{customer.email}}} {{& customer.phone }} {{! {{anything}} }}",
        "{{#cart.items}}{{sku}} {{name}} {{.quantity}} {{price}} {{cart.value}} {{customer.name}}{{/cart.items}}",
        "{{^cart.items}}empty{{/cart.items}} {{ cart.value }}",
        "no tags at all, { and } are fine",
    ])
    func accepts(_ text: String) {
        #expect(messages(cart, text) == [])
    }

    @Test func checksNamesInInvertedSectionsAndUnrenderedBranches() {
        #expect(
            messages(customer, "{{^customer.first_name}}{{custmer.name}}{{/customer.first_name}}")
                == ["24: unknown template field 'custmer.name' — did you mean 'customer.name'?"])
        #expect(
            messages(customer, "{{#customer.first_name}}{{#cart.items}}x{{/cart.items}}{{/customer.first_name}}")
                == ["24: 'cart.items' is not available in a flow triggered by birthday"])
    }

    @Test func itemFieldsOnlyInsideTheirList() {
        #expect(messages(cart, "{{name}}") == ["0: unknown template field 'name'"])
        #expect(
            messages(cart, "{{#cart.items}}{{nmae}}{{/cart.items}}") == [
                "15: unknown template field 'nmae' — did you mean 'name'?"
            ])
    }

    @Test func aScopeProblemIsReportedOnceForAList() {
        let both = TemplateChecker(triggers: [
            (kind: "order_placed", scope: .order), (kind: "customer_created", scope: .customer),
        ])
        #expect(
            messages(both, "{{#order.items}}{{name}}{{/order.items}}")
                == ["0: 'order.items' is not available in a flow triggered by customer_created"])
    }

    @Test(arguments: [
        ("{{> footer}}", "0: partials are not supported ('footer')"),
        ("{{<base}}{{/base}}", "0: partials are not supported ('base')"),
        ("a {{$block}}x{{/block}}", "2: blocks are not supported ('block')"),
        ("{{%CONTENT_TYPE: HTML}}", "0: pragmas are not supported ('CONTENT_TYPE: HTML')"),
        ("{{=<% %>=}}<% customer.name %>", "0: changing the delimiters is not supported"),
        ("{{uppercased(customer.name)}}", "0: transforms like 'uppercased(customer.name)' are not supported"),
        ("{{customer name}}", "0: 'customer name' is not a valid tag name"),
        ("{{}}", "0: empty tag"),
        ("{{.}}", "0: '{{.}}' is only meaningful inside a section"),
        ("x {{customer.name", "2: '{{' without its closing '}}'"),
        ("{{#customer.name}}x", "0: section '{{#customer.name}}' is never closed"),
        ("x{{/customer.name}}", "1: '{{/customer.name}}' closes no open section"),
        ("{{cart.items}}", "0: 'cart.items' is a list: go through it with {{#cart.items}}…{{/cart.items}}"),
    ])
    func rejects(_ text: String, _ message: String) {
        #expect(messages(cart, text) == [message])
    }

    @Test func aSectionClosedOutOfOrder() {
        #expect(
            messages(cart, "{{#customer.name}}{{#cart.items}}{{/customer.name}}{{/cart.items}}") == [
                "33: '{{/customer.name}}' closes a section while '{{#cart.items}}' is still open",
                "51: '{{/cart.items}}' closes no open section",
            ])
    }
}
