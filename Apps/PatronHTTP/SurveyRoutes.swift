import Foundation
import Hummingbird
import PatronAuth
import PatronCore
import PatronFlows
import PatronSMS

/// `/s/{token}`: the page a survey link opens, with no login — the link's signature is the
/// customer's proof. `GET` shows the form (with `?score=N`, the score clicked in the message is
/// recorded first); `POST` (a plain form: score, text) records or changes the answer. Works
/// without JavaScript. A changed or cut link is a 403 page, an expired one a 403 page that says
/// when it closed; nothing is stored for either.
struct SurveyRoutes<S: PatronStore> {
    let api: APIContext<S>
    let links: SurveyLinkSigner?
    let questions = SurveyQuestions()

    var routes: [APIRoute] {
        let token = APIParameter.path(
            "token", "The signed survey token of the link (`PAYLOAD.SIGNATURE`).",
            schema: ["type": "string", "pattern": "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"])
        let score = APIParameter.query(
            "score", "The score clicked in the message (recorded at once).",
            schema: ["type": "integer", "minimum": 0, "maximum": 10])
        func page(_ description: String) -> [String: Any] {
            ["description": description, "content": ["text/html": ["schema": ["type": "string"]]]]
        }
        let errors: [Int: [String: Any]] = [
            400: page("The score or the text is wrong; nothing was recorded."),
            403: page("The link was changed, cut short or has expired; nothing was recorded."),
            404: page("The survey is not there any more, or surveys are not set up here."),
            409: page("The answer contradicts one given before."),
        ]
        let form: [String: Any] = [
            "required": true,
            "content": [
                "application/x-www-form-urlencoded": [
                    "schema": [
                        "type": "object", "required": ["score"],
                        "properties": [
                            "score": ["type": "integer", "minimum": 0, "maximum": 10],
                            "text": ["type": "string", "maxLength": FeedbackDesk.mostTextCharacters],
                        ],
                    ]
                ]
            ],
        ]
        return [
            APIRoute(
                method: .get, path: "/s/{token}", operationID: "surveyPage",
                summary: "The answer page of a survey link (no key: the link is signed); ?score=N records N.",
                scope: nil, parameters: [token, score],
                responses: errors.merging([200: page("The survey's form, with the answer so far.")]) { a, _ in a },
                handler: { request, call in await show(request, call) }),
            APIRoute(
                method: .post, path: "/s/{token}", operationID: "surveyAnswer",
                summary: "Records (or changes) the answer of a survey link: a plain form with score and text.",
                scope: nil, parameters: [token], requestBody: form,
                responses: errors.merging([200: page("Recorded; the form again, to change it.")]) { a, _ in a },
                handler: { request, call in await submit(request, call) }),
        ]
    }

    /// The page, after recording the score of a one-click link.
    func show(_ request: Request, _ call: APICall) async -> Response {
        await answering(call) { token in
            guard let text = call.query["score"] else {
                return (try FeedbackDesk.survey(api.store, token, at: api.now()), false)
            }
            let score = try Self.score(text, kind: token.kind)
            let answered = try FeedbackDesk.answer(
                api.store, token, score: score, text: nil, channel: "link", at: api.now())
            return (answered.survey, true)
        }
    }

    /// Records the form's score and words.
    func submit(_ request: Request, _ call: APICall) async -> Response {
        var request = request
        return await answering(call) { token in
            let body = try await request.body(upTo: 64 * 1024)
            let fields: FormFields
            do {
                fields = try FormEncoding.decode(bytes: Array(buffer: body))
            } catch {
                throw SurveyPage.Failure(.badRequest, "The form could not be read: \(error).")
            }
            guard let text = fields["score"] else {
                throw SurveyPage.Failure(.badRequest, "score: choose a score before sending.")
            }
            let score = try Self.score(text, kind: token.kind)
            let answered = try FeedbackDesk.answer(
                api.store, token, score: score, text: fields["text"] ?? "", channel: "link", at: api.now())
            return (answered.survey, true)
        }
    }

    /// Checks the link's signature, runs `body` (one store transaction: the survey read, or the
    /// answer written with the survey's checks) and renders the form with the answer, or the
    /// page that says what is wrong.
    func answering(_ call: APICall, _ body: (SurveyToken) async throws -> (OpenSurvey, saved: Bool)) async
        -> Response
    {
        guard let links else {
            return SurveyPage.failure(.notFound, "Surveys are not set up on this server.")
        }
        do {
            let token: SurveyToken
            do {
                token = try links.verify(call.path("token"))
            } catch {
                throw SurveyPage.Failure(.forbidden, "This link does not work: \(error). Nothing was recorded.")
            }
            let (survey, saved) = try await body(token)
            // A failure here must not say a saved answer was lost: the page asks the default question.
            let question = try? await questions.question(of: survey.message, in: api.store)
            return SurveyPage.form(survey, answer: survey.current, saved: saved, question: question ?? nil)
        } catch let failure as SurveyPage.Failure {
            return SurveyPage.failure(failure.status, failure.message)
        } catch let error as PatronError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .forbidden: .forbidden
                case .notFound: .notFound
                case .conflict: .conflict
                case .invalidValue, .invalidArgument: .badRequest
                default: .internalServerError
                }
            if status == .internalServerError {
                api.logger.error("survey answer failed", metadata: ["error": "\(error)"])
                return SurveyPage.failure(status, "Your answer could not be recorded now. Please try again later.")
            }
            return SurveyPage.failure(status, error.message + (status == .forbidden ? ". Nothing was recorded." : ""))
        } catch let problem as Problem {
            return SurveyPage.failure(problem.status, problem.detail)
        } catch {
            api.logger.error("survey answer failed", metadata: ["error": "\(error)"])
            return SurveyPage.failure(
                .internalServerError, "Your answer could not be recorded now. Please try again later.")
        }
    }

    /// A score as the form or the link gives it: a whole number in the kind's range.
    static func score(_ text: String, kind: SurveyKind) throws(SurveyPage.Failure) -> Int {
        let range = kind.scores
        guard let score = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(score) else {
            throw SurveyPage.Failure(
                .badRequest,
                "score: expected a whole number from \(range.lowerBound) to \(range.upperBound), found '\(text.prefix(40))'. Nothing was recorded."
            )
        }
        return score
    }
}

/// The follow-up question of a survey message's step, from its flow's stored file; a file is
/// parsed once and read again after a minute (a changed flow shows its new question then).
actor SurveyQuestions {
    private var programs: [String: (readAt: Date, program: FlowProgram?)] = [:]
    static let refreshSeconds: TimeInterval = 60

    func question(of message: OutboxMessage, in store: some PatronStore) async throws -> String? {
        if let known = programs[message.flowID], -known.readAt.timeIntervalSinceNow < Self.refreshSeconds {
            return known.program?.survey(at: message.step)?.question
        }
        var program: FlowProgram?
        if let stored = try await store.flows().first(where: { $0.id == message.flowID }) {
            let digits = CurrencyCode.minorUnitDigits(of: try store.reportingCurrency())
            let flow = try? FlowFile.parseStored(
                id: stored.id, source: stored.source, path: stored.path, currencyDigits: digits,
                savedSegment: { try store.savedSegment(named: $0)?.expression })
            program = flow.map { FlowProgram($0.steps) }
        }
        programs[message.flowID] = (Date(), program)
        return program?.survey(at: message.step)?.question
    }
}
