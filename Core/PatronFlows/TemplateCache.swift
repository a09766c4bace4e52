import Foundation
import Mustache

/// Compiled templates by their text, shared by every render of a ``MustacheRenderer``.
final class TemplateCache: @unchecked Sendable {
    // @unchecked: `templates` is only read or written while `lock` is held, and MustacheTemplate
    // values are immutable and Sendable.
    private let lock = NSLock()
    private var templates: [String: MustacheTemplate] = [:]
    /// Past this many texts the cache starts over, so it cannot grow without bound.
    private let limit = 1_024

    /// The compiled template for `text`, rendered as plain text: nothing is HTML-escaped.
    func template(for text: String) throws -> MustacheTemplate {
        if let template = lock.withLock({ templates[text] }) { return template }
        let template: MustacheTemplate
        do {
            // The pragma on its own line is a standalone tag: its line is dropped, and the text
            // parses as it would on its own.
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT }}\n" + text)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateSyntaxError(
                line: error.context.lineNumber - 1, column: error.context.columnNumber,
                message: TemplateSyntaxError.explain(error.error))
        }
        lock.withLock {
            if templates.count >= limit { templates.removeAll() }
            templates[text] = template
        }
        return template
    }
}
