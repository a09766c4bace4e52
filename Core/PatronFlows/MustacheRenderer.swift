import Mustache
import PatronCore

/// Renders flow templates with swift-mustache.
///
/// Messages are plain text (SMS, and email bodies as text), so nothing is HTML-escaped: `&` and
/// `'` stay as they are. A value that is missing or empty renders as nothing and counts as false
/// in a section; an empty list as well. Compiled templates are cached, so a renderer should be
/// made once and shared.
public struct MustacheRenderer: MessageRendering {
    private let cache = TemplateCache()

    public init() {}

    /// Renders the subject (if any) and the body with `values`.
    /// - Throws: ``TemplateSyntaxError`` when a template does not parse (flow files are checked
    ///   when they are read, so this means a template that did not come from one).
    public func render(_ template: FlowTemplate, values: [String: TemplateValue]) throws -> RenderedMessage {
        let context = MustacheValues.context(values)
        let subject = try template.subject.map { try cache.template(for: $0).render(context) }
        let body = try cache.template(for: template.body).render(context)
        return RenderedMessage(subject: subject, body: body)
    }
}
