import PatronCore
import Yams

/// A template of a flow file as read, with its nodes for positions; `template` is `nil` when
/// something in it was wrong.
struct TemplateEntry {
    var name: String
    var nameNode: Node
    var channel: ConsentChannel?
    var subject: Node?
    var body: Node?
    var template: FlowTemplate?
}
