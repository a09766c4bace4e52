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
        case survey(SurveyStep)
        case ticket(FlowTicket)
        case wait(seconds: Int64)
        case branch(FlowCondition, elseAt: Int)
        case jump(Int)
        case exit

        /// The channel and template a `send` or `survey` instruction sends.
        public var message: (channel: ConsentChannel, template: String)? {
            switch self {
            case .send(let channel, let template): (channel, template)
            case .survey(let survey): (survey.channel, survey.template)
            default: nil
            }
        }
    }

    public let instructions: [Instruction]

    public init(_ steps: [FlowStep]) {
        var out: [Instruction] = []
        Self.emit(steps, into: &out)
        instructions = out
    }

    /// The survey step at `pc`, if the instruction there is one.
    public func survey(at pc: Int) -> SurveyStep? {
        guard instructions.indices.contains(pc), case .survey(let survey) = instructions[pc] else { return nil }
        return survey
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
            case .survey(let survey): out.append(.survey(survey))
            case .ticket(let ticket): out.append(.ticket(ticket))
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
