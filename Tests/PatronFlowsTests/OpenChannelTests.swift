import Foundation
import PatronCore
import PatronFlows
import Testing

/// A channel the kernel has never heard of, registered at run time, is usable everywhere a
/// channel is: flow files check its templates by its descriptor, the planner addresses and
/// consents by it, segments test `consent.<channel>`, the contact policy caps it.
@Suite struct OpenChannelTests {
    static let whatsapp = ChannelDescriptor(
        channel: "whatsapp", summary: "WhatsApp marketing", address: .phoneNumber, consent: .optIn, hasSubject: false,
        maxBodyLength: 40, defaultCaps: [ContactPolicy.Cap(channel: "whatsapp", limit: 1, seconds: 3_600)])
    static let channels = ChannelRegistry([whatsapp])
    static let noon: Int64 = 1_750_075_200  // 2025-06-16 12:00 UTC

    static func file(_ template: String) -> String {
        """
        id: chat
        name: Chat
        trigger: { order_placed: {} }
        templates:
          hi: \(template)
        steps:
          - send: hi
        """
    }

    @Test func flowFilesCheckTemplatesByTheChannelsDescriptor() throws {
        let flow = try FlowFile.parse(
            Self.file(#"{ channel: whatsapp, body: "Thanks, {{customer.first_name}}!" }"#), file: "t.yaml",
            channels: Self.channels)
        #expect(flow.templates["hi"]?.channel == "whatsapp")
        for (template, expected) in [
            (#"{ channel: whatsap, body: "Hi" }"#, "did you mean 'whatsapp'"),
            (#"{ channel: whatsapp, subject: "S", body: "Hi" }"#, "a message on whatsapp has no subject"),
            (
                #"{ channel: whatsapp, body: "This fixed text is longer than forty characters." }"#,
                "the body is 48 characters; whatsapp takes at most 40"
            ),
        ] {
            do {
                _ = try FlowFile.parse(Self.file(template), file: "t.yaml", channels: Self.channels)
                Issue.record("accepted: \(template)")
            } catch {
                #expect(error.errors.contains { $0.message.contains(expected) }, "\(error)")
            }
        }
        // Email is not among these channels: a file naming it is refused.
        #expect(throws: FlowFileErrors.self) {
            try FlowFile.parse(
                Self.file(#"{ channel: email, subject: "S", body: "Hi" }"#), file: "t.yaml", channels: Self.channels)
        }
    }

    @Test func thePlannerAddressesConsentsAndCapsByTheDescriptor() throws {
        let flow = try FlowFile.parse(
            Self.file(#"{ channel: whatsapp, body: "Hi" }"#), file: "t.yaml", channels: Self.channels)
        let planner = FlowPlanner(policy: ContactPolicy(quietHours: nil, channels: Self.channels))
        #expect(planner.policy.caps.contains(ContactPolicy.Cap(channel: "whatsapp", limit: 1, seconds: 3_600)))
        let run = Enrollment(
            id: 1, flowID: "chat", customerID: CustomerID(7), triggerKey: "order:1", triggeredAt: Self.noon,
            wakeAt: Self.noon)
        func plan(_ consent: ConsentStatus, history: [ContactPolicy.Sent] = []) -> FlowPlanner.Advance {
            let customer = CustomerRecord(
                id: CustomerID(7), email: "a@example.com", phone: "+4915112345678", createdAt: 0,
                consent: ConsentState(["whatsapp": ConsentEntry(status: consent, at: 0)]))
            return planner.advance(
                flow: flow, program: FlowProgram(flow.steps), enrollment: run,
                subject: FlowPlanner.Subject(
                    customer: customer, orderAfterTrigger: nil, history: history, holds: { _ in false }),
                now: Self.noon)
        }
        let granted = plan(.granted)
        #expect(
            granted.messages.map(\.recipient) == ["+4915112345678"] && granted.messages.first?.channel == "whatsapp")
        // Opt-in: silence is no consent.
        #expect(plan(.unknown).messages.isEmpty && plan(.unknown).decisions.map(\.reason) == ["no_consent"])
        // Its own cap: one an hour.
        let capped = plan(
            .granted, history: [ContactPolicy.Sent(channel: "whatsapp", flow: "other", at: Self.noon - 60)])
        #expect(capped.messages.isEmpty && capped.decisions.map(\.reason) == ["capped"])
        // A channel nobody registered plans nothing, and says why.
        let unknown = FlowPlanner(policy: ContactPolicy(quietHours: nil, channels: ChannelRegistry()))
        let nowhere = unknown.advance(
            flow: flow, program: FlowProgram(flow.steps), enrollment: run,
            subject: FlowPlanner.Subject(
                customer: CustomerRecord(id: CustomerID(7), phone: "+4915112345678", createdAt: 0),
                orderAfterTrigger: nil, history: [], holds: { _ in false }), now: Self.noon)
        #expect(nowhere.messages.isEmpty && nowhere.decisions.map(\.reason) == ["unknown_channel"])
    }

    @Test func segmentsTestTheConsentOfARegisteredChannel() throws {
        ChannelRegistry.bootstrap([Self.whatsapp])
        let store = InMemoryStore()
        let who = CustomerIdentity(refs: [ExternalRef(source: "", id: "c1")], phone: "+4915112345678")
        try Ingestor(store: store).ingest([
            IngestEvent(
                id: "e1", source: "shop", occurredAt: Self.noon,
                kind: .consentChanged(ConsentChange(customer: who, channel: "whatsapp", status: .granted)))
        ])
        let members = try store.members(try SegmentParser.parse(#"consent.whatsapp = "granted""#), now: Self.noon)
        #expect(members.count == 1)
        #expect(
            SegmentCatalogue.fields.contains {
                $0.name == "consent.whatsapp" && $0.summary == "WhatsApp marketing consent"
            })
        #expect(throws: SegmentError.self) { try SegmentParser.parse(#"consent.whatsap = "granted""#) }
    }

    @Test func aContactPointChannelSendsToTheNewestPointOrSaysThereIsNone() throws {
        let pager = ChannelDescriptor(
            channel: "pager", summary: "pager", address: .contactPoint, consent: .optIn, hasSubject: false)
        let channels = ChannelRegistry([pager])
        let flow = try FlowFile.parse(Self.file(#"{ channel: pager, body: "Hi" }"#), file: "t.yaml", channels: channels)
        let planner = FlowPlanner(policy: ContactPolicy(quietHours: nil, channels: channels))
        let run = Enrollment(
            id: 1, flowID: "chat", customerID: CustomerID(7), triggerKey: "order:1", triggeredAt: Self.noon,
            wakeAt: Self.noon)
        func plan(_ points: [ContactPoint]) -> FlowPlanner.Advance {
            let customer = CustomerRecord(
                id: CustomerID(7), createdAt: 0,
                consent: ConsentState(["pager": ConsentEntry(status: .granted, at: 0)]),
                contactPoints: points)
            return planner.advance(
                flow: flow, program: FlowProgram(flow.steps), enrollment: run,
                subject: FlowPlanner.Subject(
                    customer: customer, orderAfterTrigger: nil, history: [], holds: { _ in false }),
                now: Self.noon)
        }
        let sent = plan([
            ContactPoint(channel: "pager", address: "old", addedAt: 1),
            ContactPoint(channel: "other", address: "x", addedAt: 2),
            ContactPoint(channel: "pager", address: "new", addedAt: 3),
        ])
        #expect(sent.messages.map(\.recipient) == ["new"])
        let none = plan([])
        #expect(none.messages.isEmpty && none.decisions.map(\.detail) == ["no pager contact point"])
    }
}
