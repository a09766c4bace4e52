import Foundation
import PatronFlows
import Testing

/// Bad flow files, and exactly what is said about them, where.
struct FlowFileErrorTests {
    init() { TestChannels.register() }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var errors: [String]
        var testDescription: String { name }
    }

    /// The start of a valid flow triggered by `trigger`; cases add steps and templates.
    static func head(_ trigger: String = "order_placed: {}") -> String {
        "id: t\nname: T\ntrigger: { \(trigger) }\n"
    }

    static let cases: [Case] = [
        Case(
            name: "unknown key",
            yaml: head() + "steps: [ { send: m } ]\nholdot: 10%\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:5:1: unknown key 'holdot' — did you mean 'holdout'?"]),
        Case(
            name: "bad duration",
            yaml: head() + "steps:\n  - send: m\n  - wait: 3 days\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:6:11: expected a duration like 4h, found '3 days'"]),
        Case(
            name: "zero wait",
            yaml: head() + "steps:\n  - wait: 0h\n  - send: m\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:5:11: expected a duration longer than 0, found '0h'"]),
        Case(
            name: "unknown trigger",
            yaml: "id: t\nname: T\ntrigger:\n  cart_abandonned: { idle: 4h }\nsteps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:4:3: unknown trigger 'cart_abandonned' — did you mean 'cart_abandoned'?"]),
        Case(
            name: "unknown trigger option, missing option",
            yaml: head("cart_abandoned: { idel: 4h }") + "steps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: [
                "t.yaml:3:12: missing option 'idle' for cart_abandoned",
                "t.yaml:3:30: unknown option 'idel' for cart_abandoned — did you mean 'idle'?",
            ]),
        Case(
            name: "bad option values",
            yaml: "id: t\nname: T\ntriggers:\n  - cart_abandoned: { idle: 4h, min_value: \"20,00\" }\n"
                + "  - birthday: { at: 9am }\n  - no_order_for: { days: 0 }\n  - order_placed: { first_only: yes }\n"
                + "steps: [ { send: m } ]\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: [
                "t.yaml:4:44: expected an amount like 20.00, found '20,00'",
                "t.yaml:5:21: expected a time of day like 09:00, found '9am'",
                "t.yaml:6:27: days must be at least 1, found 0",
                "t.yaml:7:33: expected true or false, found 'yes'",
            ]),
        Case(
            name: "an empty list of tiers",
            yaml: head("tier_changed: { to: [], form: Gold }") + "steps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: [
                "t.yaml:3:32: expected a list of loyalty tiers like [\"Gold\", \"Platinum\"], found an empty list",
                "t.yaml:3:36: unknown option 'form' for tier_changed — did you mean 'from'?",
            ]),
        Case(
            name: "feedback without a kind, a score off the scale",
            yaml: "id: t\nname: T\ntriggers:\n  - feedback_received: { score: 0-6 }\n"
                + "  - feedback_received: { kind: csat, score: 0-6 }\n  - feedback_received: { kind: stars }\n"
                + "steps: [ { send: m } ]\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: [
                "t.yaml:4:5: missing option 'kind' for feedback_received",
                "t.yaml:5:45: expected a score or a range of scores like 0-6 within 1-5, found '0-6'",
                "t.yaml:6:32: expected a survey kind (nps, csat or review), found 'stars'",
            ]),
        Case(
            name: "trigger and triggers",
            yaml: head() + "triggers: [ { birthday: {} } ]\nsteps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:4:1: use either 'trigger' or 'triggers', not both"]),
        Case(
            name: "segment error inside if, mapped to its column",
            yaml: head() + "steps:\n  - if: \"orders.count >= 1 and ordrs.total > 50\"\n    then: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:5:32: unknown field 'ordrs.total' — did you mean 'orders.total'?"]),
        Case(
            name: "segment error in a plain audience",
            yaml: head() + "audience: orders.count >= 1 and consent.emial = 'granted'\nsteps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:4:33: unknown field 'consent.emial' — did you mean 'consent.email'?"]),
        Case(
            name: "segment error in a block scalar, mapped to its line",
            yaml: head() + "steps:\n  - if: |\n      orders.count >= 1\n      and rfm.segmnt = 'At Risk'\n"
                + "    then: [ { send: m } ]\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:7:11: unknown field 'rfm.segmnt' — did you mean 'rfm.segment'?"]),
        Case(
            name: "unknown template field inside a list section",
            yaml: head("cart_abandoned: { idle: 4h }") + "steps: [ { send: m } ]\ntemplates:\n  m:\n    channel: sms\n"
                + "    body: \"{{#cart.items}}{{nme}} {{customer.frist_name}}{{/cart.items}}\"\n",
            errors: [
                "t.yaml:8:27: unknown template field 'nme' — did you mean 'name'?",
                "t.yaml:8:35: unknown template field 'customer.frist_name' — did you mean 'customer.first_name'?",
            ]),
        Case(
            name: "unknown template field inside an inverted section",
            yaml: head()
                + "steps: [ { send: m } ]\ntemplates:\n  m:\n    channel: email\n    subject: Hi\n    body: |\n"
                + "      Hello,\n      {{^customer.first_name}}{{customer.nmae}}{{/customer.first_name}}\n",
            errors: ["t.yaml:11:31: unknown template field 'customer.nmae' — did you mean 'customer.name'?"]),
        Case(
            name: "field out of the trigger's scope",
            yaml: head("birthday: {}") + "steps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: \"{{cart.value}} off\" } }\n",
            errors: ["t.yaml:5:40: 'cart.value' is not available in a flow triggered by birthday"]),
        Case(
            name: "field out of one of several triggers' scopes",
            yaml:
                "id: t\nname: T\ntriggers: [ { order_placed: {} }, { customer_created: {} } ]\nsteps: [ { send: m } ]\n"
                + "templates: { m: { channel: sms, body: \"{{#order.items}}{{name}}{{/order.items}}\" } }\n",
            errors: ["t.yaml:5:40: 'order.items' is not available in a flow triggered by customer_created"]),
        Case(
            name: "a list as a value",
            yaml: head() + "steps: [ { send: m } ]\ntemplates: { m: { channel: sms, body: \"{{order.items}}\" } }\n",
            errors: ["t.yaml:5:40: 'order.items' is a list: go through it with {{#order.items}}…{{/order.items}}"]),
        Case(
            name: "template syntax",
            yaml: head() + "steps: [ { send: m } ]\ntemplates:\n  m:\n    channel: sms\n"
                + "    body: \"{{#customer.name}}{{/customer.nmae}} {{> footer}} {{ shop.name\"\n",
            errors: [
                "t.yaml:8:30: '{{/customer.nmae}}' closes no open section",
                "t.yaml:8:49: partials are not supported ('footer')",
                "t.yaml:8:62: '{{' without its closing '}}'",
            ]),
        Case(
            name: "missing template",
            yaml: head() + "steps: [ { send: m }, { send: n } ]\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:4:31: no template named 'n' — did you mean 'm'?"]),
        Case(
            name: "unused template",
            yaml: head() + "steps: [ { send: m } ]\ntemplates:\n  m: { channel: sms, body: hi }\n"
                + "  spare: { channel: sms, body: hi }\n",
            errors: ["t.yaml:7:3: template 'spare' is never sent"]),
        Case(
            name: "sms with a subject, email without",
            yaml: head()
                + "steps: [ { send: m }, { send: e } ]\ntemplates:\n  m: { channel: sms, subject: Hi, body: hi }\n"
                + "  e: { channel: email, body: hi }\n",
            errors: [
                "t.yaml:6:22: a message on sms has no subject",
                "t.yaml:7:3: missing key 'subject' in template 'e' (a message on email needs one)",
            ]),
        Case(
            name: "unknown channel",
            yaml: head() + "steps: [ { send: m } ]\ntemplates: { m: { channel: mail, subject: Hi, body: hi } }\n",
            errors: ["t.yaml:5:28: unknown channel 'mail' — did you mean 'email'?"]),
        Case(
            name: "steps after exit",
            yaml: head()
                + "steps:\n  - send: m\n  - exit\n  - wait: 1d\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: ["t.yaml:7:5: steps after exit are unreachable"]),
        Case(
            name: "unknown step",
            yaml: head() + "steps:\n  - sned: m\n  - ext\ntemplates: { m: { channel: sms, body: hi } }\n",
            errors: [
                "t.yaml:5:5: unknown step 'sned' — did you mean 'send'?",
                "t.yaml:6:5: unknown step 'ext' — did you mean 'exit'?",
                "t.yaml:7:14: template 'm' is never sent",
            ]),
        Case(
            name: "id, holdout, goal, empty steps",
            yaml:
                "id: Abandoned Cart\nname: T\ntrigger: { order_placed: {} }\nholdout: 100%\ngoal: nothing\nsteps: []\n",
            errors: [
                "t.yaml:1:5: an id is 1 to 64 lowercase letters, digits and '-', found 'Abandoned Cart'",
                "t.yaml:4:10: holdout must be between 0% and 99%, found 100%",
                "t.yaml:5:7: unknown goal 'nothing' (expected order_placed or none)",
                "t.yaml:6:8: a flow needs at least one step",
            ]),
        Case(
            name: "missing keys",
            yaml: "# just a name\nname: T\n",
            errors: [
                "t.yaml:2:1: missing key 'id'",
                "t.yaml:2:1: missing key 'trigger' (or 'triggers' for several)",
                "t.yaml:2:1: missing key 'steps'",
            ]),
        Case(
            name: "YAML syntax error",
            yaml: head() + "steps:\n  - send: m\n   wait: 1d\n",
            errors: ["t.yaml:6:4: invalid YAML: did not find expected '-' indicator (while parsing a block collection)"]
        ),
        Case(
            name: "duplicate key",
            yaml: head() + "steps: [ { send: m } ]\nsteps: [ { send: m } ]\n",
            errors: ["t.yaml:5:1: duplicate key 'steps' (first at line 4)"]),
        Case(name: "empty file", yaml: "# nothing yet\n", errors: ["t.yaml:1:1: the file is empty"]),
        Case(
            name: "not a map", yaml: "- id: t\n",
            errors: ["t.yaml:1:1: a flow file is a map with id, name, trigger, steps and templates; found a list"]),
        Case(
            name: "survey step: unknown kind, bad duration, misspelt key",
            yaml: head() + "steps:\n  - survey: { kind: npss, send: m, valid_for: soon, quesiton: x }\n"
                + "templates: { m: { channel: sms, body: hi } }\n",
            errors: [
                "t.yaml:5:21: unknown survey kind 'npss' — did you mean 'nps'?",
                "t.yaml:5:47: expected a duration like 4h, found 'soon'",
                "t.yaml:5:53: unknown key 'quesiton' in a survey step — did you mean 'question'?",
            ]),
        Case(
            name: "survey fields outside a survey step",
            yaml: head() + "steps: [ { send: m } ]\ntemplates: { m: { channel: sms, body: \"{{survey.link}}\" } }\n",
            errors: ["t.yaml:5:40: 'survey.link' is only available in a template a survey step sends"]),
        Case(
            name: "a review survey not triggered by an order",
            yaml: head("customer_created: {}") + "steps:\n  - survey: { kind: review, send: m }\n"
                + "templates: { m: { channel: sms, body: \"{{#survey.items}}{{link}}{{/survey.items}}\" } }\n",
            errors: [
                "t.yaml:5:3: a review survey ('m') asks about the SKUs of an order: its flow is triggered by "
                    + "order_placed, not customer_created"
            ]),
        Case(
            name: "ticket step: a field its trigger lacks, a missing body",
            yaml: head() + "steps:\n  - ticket: { subject: \"{{feedback.score}} {{cart.value}}\" }\n",
            errors: [
                "t.yaml:5:13: missing key 'body' in a ticket step",
                "t.yaml:5:25: 'feedback.score' is not available in a flow triggered by order_placed",
                "t.yaml:5:44: 'cart.value' is not available in a flow triggered by order_placed",
            ]),
        Case(
            name: "many errors in one file, in order",
            yaml: """
                id: t
                name: T
                trigger:
                  cart_abandoned: { idle: four hours }
                audiense: "orders.count > 1"
                steps:
                  - send: cart_emial
                  - if: "consent.sms = 'granted' and ordrs.count = 0"
                    then: [ { send: cart_sms } ]
                    else: [ exit, { wait: 1d } ]
                templates:
                  cart_email: { channel: email, subject: "Hi", body: "Hi {{customer.frist_name}}" }
                  cart_sms: { channel: sms, subject: "x", body: "{{cart.valeu}}" }

                """,
            errors: [
                "t.yaml:4:27: expected a duration like 4h, found 'four hours'",
                "t.yaml:5:1: unknown key 'audiense' — did you mean 'audience'?",
                "t.yaml:7:11: no template named 'cart_emial' — did you mean 'cart_email'?",
                "t.yaml:8:38: unknown field 'ordrs.count' — did you mean 'orders.count'?",
                "t.yaml:10:19: steps after exit are unreachable",
                "t.yaml:12:3: template 'cart_email' is never sent",
                "t.yaml:12:58: unknown template field 'customer.frist_name' — did you mean 'customer.first_name'?",
                "t.yaml:13:29: a message on sms has no subject",
                "t.yaml:13:50: unknown template field 'cart.valeu' — did you mean 'cart.value'?",
            ]),
    ]

    @Test(arguments: cases)
    func reports(_ testCase: Case) {
        do {
            let flow = try FlowFile.parse(testCase.yaml, file: "t.yaml")
            Issue.record("parsed: \(flow)")
        } catch {
            #expect(error.errors.map(\.description) == testCase.errors)
            #expect(error.description == testCase.errors.joined(separator: "\n"))
        }
    }

    /// Found by fuzzing (`Scripts/fuzz.sh flows`): a file broken by runs of lone carriage
    /// returns. Every error the flow and loyalty readers report lies inside the text (YAML breaks
    /// lines at \n, \r\n and a lone \r); one past the end (libyaml puts the end of a file without
    /// a final line break on a line of its own) is the end of the last line.
    @Test func errorsInTextBrokenByCarriageReturnsLieInsideIt() throws {
        let base64 = [
            "ZWFybjoKICAjIEFiYW5kb25lZCBjYXJ0IHJlYw0NDQ0NDQ0NDQ0NDQ0KICAgICAgLSBleGl0Cgp0ZW1wbGF0ZXM6CiAgd2Vs",
            "Y29tZV9lbWFpbDoKICAgIGNoYW5uZWw6IGVtYWlsCiAgICBzdWJqZWN0OiAiV2VsY29tZSB0byB7e3Nob3AubmFtZX19LCBh",
            "bmQNDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NcG9pbnRzOg0NDQ0NDQ0NDQ1wb2ludHM6",
            "IDEKICBwb3ZlcnkKIwojIDIgY3ZlZXI6ICIxLnMgMA==",
        ].joined()
        let text = String(decoding: try #require(Data(base64Encoded: base64)), as: UTF8.self)
        // By Character: "\r\n" is one, and a lone "\r" one (replacing "\r\n" first would
        // join a "\r" before it with the new "\n": the harness's own miscount).
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
        #expect(lines == 79)
        var reported: [FlowFileError] = []
        do { _ = try FlowFile.parse(text, file: "t.yaml") } catch { reported += error.errors }
        do { _ = try LoyaltyFile.parse(text, file: "t.yaml") } catch { reported += error.errors }
        #expect(!reported.isEmpty)
        do { _ = try FlowFile.parse("id: [", file: "t.yaml") } catch { reported += error.errors }
        #expect(reported.last.map { "\($0.line):\($0.column)" } == "1:6")
        for error in reported {
            #expect(error.line >= 1 && error.line <= lines && error.column >= 1, "\(error) (\(lines) lines)")
        }
    }

    @Test func anUnreadableFileIsOneErrorAtTheStart() {
        let path = "/nonexistent/flows/missing.yaml"
        do {
            _ = try FlowFile.load(path: path)
            Issue.record("loaded a file that does not exist")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors.first?.line == 1)
            #expect(error.errors.first?.column == 1)
            #expect(error.errors.first?.file == path)
            #expect(error.errors.first?.message.hasPrefix("cannot read the file") == true)
        }
    }
}
