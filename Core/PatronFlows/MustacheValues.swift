import Mustache
import PatronCore

/// ``TemplateValue``s as the dictionaries and arrays swift-mustache looks names up in.
enum MustacheValues {
    static func context(_ values: [String: TemplateValue]) -> [String: Any] {
        values.mapValues(convert)
    }

    static func convert(_ value: TemplateValue) -> Any {
        switch value {
        case .text(let text): text.isEmpty ? Empty() : text
        case .list(let items): items.map(context)
        case .object(let fields): context(fields)
        }
    }

    /// An empty text: renders as nothing and is false in a section, so
    /// `{{#customer.first_name}}…{{/customer.first_name}}{{^customer.first_name}}there{{/customer.first_name}}`
    /// falls back when the name is unknown.
    struct Empty: MustacheCustomRenderable {
        var renderText: String { "" }
        var isNull: Bool { true }
    }
}
