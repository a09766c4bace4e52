import Mustache

/// A message template that swift-mustache cannot parse, with the place in the template.
public struct TemplateSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line and column in the template's text.
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `2:7: template syntax error: …`.
    public var description: String { "\(line):\(column): template syntax error: \(message)" }
}

extension TemplateSyntaxError {
    /// swift-mustache's parser error in words.
    static func explain(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with another name"
        case .unfinishedName: return "a tag is not closed properly"
        case .expectedSectionEnd: return "a section is never closed"
        case .invalidSetDelimiter: return "bad delimiter change"
        case .transformAppliedToInheritanceSection: return "a transform on an inherited section"
        case .illegalTokenInsideInheritSection, .textInsideInheritSection: return "bad content in an inherited partial"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: return "bad pragma"
        }
    }
}
