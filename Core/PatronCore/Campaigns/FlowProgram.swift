import Foundation

/// A flow's steps compiled to a flat list the planner runs with a program counter, so an
/// enrollment's place in the flow is one number that can be stored.
///
/// A condition becomes a ``Instruction/branch(_:elseAt:)`` (go on with the next instruction when
/// the customer is in the segment, else jump), its `yes` steps, a jump over the `no` steps, and
/// the `no` steps. Running past the last instruction ends the flow.
public struct FlowProgram: Hashable, Sendable {
    public enum Instruction: Hashable, Sendable {
        case send(channel: ConsentChannel, template: String)
        case wait(seconds: Int64)
        case branch(FlowCondition, elseAt: Int)
        case jump(Int)
        case exit
    }

    public let instructions: [Instruction]

    public init(_ steps: [FlowStep]) {
        var out: [Instruction] = []
        Self.emit(steps, into: &out)
        instructions = out
    }

    /// Every condition of the flow's steps, in program order.
    public var conditions: [FlowCondition] {
        instructions.compactMap {
            if case .branch(let condition, _) = $0 { return condition }
            return nil
        }
    }

    static func emit(_ steps: [FlowStep], into out: inout [Instruction]) {
        for step in steps {
            switch step {
            case .wait(let seconds): out.append(.wait(seconds: seconds))
            case .send(let channel, let template): out.append(.send(channel: channel, template: template))
            case .exit: out.append(.exit)
            case .condition(let condition, let yes, let no):
                let branchAt = out.count
                out.append(.exit)  // patched below
                emit(yes, into: &out)
                let jumpAt = out.count
                out.append(.exit)  // patched below
                out[branchAt] = .branch(condition, elseAt: out.count)
                emit(no, into: &out)
                out[jumpAt] = .jump(out.count)
            }
        }
    }
}
