import Foundation
import Hummingbird
import Logging

/// The small HTTP listener of a process that serves nothing else (`patron-scheduler
/// --metrics-port`): `GET /metrics` (Prometheus text) and `GET /health` (the store monitor's
/// JSON; 503 while the store does not answer). No key: bind it to loopback or a private network.
public enum OpsListener {
    /// The listener's application, a ServiceLifecycle service; `onRunning` gets the port bound.
    public static func application(
        host: String, port: Int, monitor: StoreMonitor, service: String, logger: Logger,
        refresh: @escaping @Sendable () async -> Void = {},
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            await refresh()
            return metricsResponse()
        }
        router.get("/health") { _, _ in
            let (ok, json) = await monitor.health(service: service)
            return Response(
                status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: service),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The registry rendered as a response.
    public static func metricsResponse() -> Response {
        Response(
            status: .ok, headers: [.contentType: PatronMetrics.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: PatronMetrics.render())))
    }
}
