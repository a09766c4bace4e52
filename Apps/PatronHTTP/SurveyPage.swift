import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import PatronCore
import Synchronization

/// The survey answer pages: small, accessible HTML (a fieldset of labelled radio buttons, a
/// labelled text area, one button), no JavaScript and nothing from another host. Rendered with
/// swift-mustache, which HTML-escapes every value.
enum SurveyPage {
    /// A page that says what is wrong, with its status.
    struct Failure: Error {
        var status: HTTPResponse.Status
        var message: String
        init(_ status: HTTPResponse.Status, _ message: String) {
            self.status = status
            self.message = message
        }
    }

    static let template: MustacheTemplate = {
        // The template is a constant of this file: it parses.
        try! MustacheTemplate(
            string: """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="robots" content="noindex">
                <title>{{title}}</title>
                <style>
                body{font-family:system-ui,sans-serif;max-width:38rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111}
                fieldset{border:0;padding:0;margin:0 0 1rem}
                legend{font-weight:600;margin-bottom:.5rem}
                .scores{display:flex;flex-wrap:wrap;gap:.4rem}
                .scores label{border:2px solid #444;border-radius:.3rem;padding:.4rem .7rem;min-width:1.6rem;text-align:center}
                .scores input:focus-visible+span{outline:3px solid #000;outline-offset:2px}
                .ends{display:flex;justify-content:space-between;font-size:.9rem;color:#444}
                textarea{width:100%;min-height:7rem;font:inherit}
                button{font:inherit;padding:.5rem 1.2rem;margin-top:.8rem;border:2px solid #111;background:#111;color:#fff;border-radius:.3rem}
                .status{border-left:4px solid #111;padding:.4rem .8rem;background:#f2f2f2}
                </style>
                </head>
                <body>
                <main>
                <h1>{{heading}}</h1>
                {{#status}}<p class="status" role="status">{{status}}</p>{{/status}}
                {{#form}}
                <form method="post">
                <fieldset>
                <legend>{{legend}}</legend>
                <div class="scores">
                {{{scores}}}
                </div>
                <div class="ends" aria-hidden="true"><span>{{low}}</span><span>{{high}}</span></div>
                </fieldset>
                <label for="text">{{question}}</label>
                <textarea id="text" name="text" maxlength="5000">{{text}}</textarea>
                <button type="submit">{{button}}</button>
                <p>You can change your answer until {{until}}.</p>
                </form>
                {{/form}}
                </main>
                </body>
                </html>
                """)
    }()

    /// The radio buttons of a kind's scores, one checked (or none).
    static let scoresTemplate: MustacheTemplate = {
        // A constant of this file: it parses.
        try! MustacheTemplate(
            string: """
                {{#scores}}<label><input type="radio" name="score" value="{{value}}"{{#checked}} checked{{/checked}} required> <span>{{value}}</span></label>
                {{/scores}}
                """)
    }()

    /// Rendered radio buttons by kind and checked score: a handful of variants, rendered once
    /// each (they were a third of a page's rendering).
    static let scoreButtons = Mutex<[String: String]>([:])

    static func buttons(_ kind: SurveyKind, checked: Int?) -> String {
        let key = "\(kind.rawValue):\(checked.map(String.init) ?? "-")"
        if let known = scoreButtons.withLock({ $0[key] }) { return known }
        let scores: [[String: Any]] = kind.scores.map { ["value": String($0), "checked": checked == $0] }
        let html = scoresTemplate.render(["scores": scores])
        scoreButtons.withLock { $0[key] = html }
        return html
    }

    static func response(_ status: HTTPResponse.Status, _ values: [String: Any]) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                // The token is in the URL: no Referer to anyone, nothing from elsewhere.
                HTTPTypes.HTTPField.Name("Referrer-Policy")!: "no-referrer",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
                HTTPTypes.HTTPField.Name("X-Robots-Tag")!: "noindex",
            ],
            body: .init(byteBuffer: ByteBuffer(string: template.render(values))))
    }

    /// A page that explains why nothing more can be done with the link.
    static func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let heading =
            switch status {
            case .forbidden: "This link does not work"
            case .notFound: "Survey not found"
            case .badRequest: "Please check your answer"
            default: "Something went wrong"
            }
        return response(status, ["title": heading, "heading": heading, "status": message])
    }

    /// The form of `survey`, with `answer` filled in; `saved` says it was just recorded.
    static func form(_ survey: OpenSurvey, answer: FeedbackResponse?, saved: Bool, question: String?) -> Response {
        let kind = survey.token.kind
        let (heading, legend, low, high) =
            switch kind {
            case .nps:
                (
                    "How likely are you to recommend us?",
                    "How likely are you to recommend us to a friend or colleague? (0 to 10)", "0: not at all likely",
                    "10: extremely likely"
                )
            case .csat:
                ("How did we do?", "How satisfied are you? (1 to 5)", "1: very unsatisfied", "5: very satisfied")
            case .review:
                (
                    "Review \(survey.token.sku ?? "your purchase")",
                    "How many stars do you give \(survey.token.sku ?? "it")? (1 to 5)", "1 star", "5 stars"
                )
            }
        let scores = buttons(kind, checked: answer?.score)
        let status: String? =
            saved
            ? "Thank you! Your answer (\(answer?.score ?? 0)) is recorded."
                + (answer?.text == nil ? " Would you like to tell us more?" : "")
            : nil
        let fallback =
            kind == .review
            ? "Tell other customers what you think (optional)" : "Anything you would like to add? (optional)"
        var values: [String: Any] = [
            "title": heading, "heading": heading, "form": true, "legend": legend,
            "scores": scores, "low": low, "high": high, "question": question.map { "\($0) (optional)" } ?? fallback,
            "text": answer?.text ?? "", "button": answer == nil ? "Send" : "Update my answer",
            "until": Timestamp.format(survey.token.expiresAt),
        ]
        // Only when there is one: a nil boxed in `Any` would render as "nil".
        if let status { values["status"] = status }
        return response(.ok, values)
    }
}
