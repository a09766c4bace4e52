import CoreMetrics
import Foundation
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once to a Prometheus registry, rendered in
/// the Prometheus text format (version 0.0.4) by `GET /metrics`.
///
/// Names are sanitised for Prometheus (a dot or any other character outside `[a-zA-Z0-9_:]`
/// becomes `_`), so Hummingbird's `http.server.request.duration` is scraped as
/// `http_server_request_duration`. Timers are histograms in seconds.
public enum PatronMetrics {
    /// The registry `GET /metrics` renders.
    public static let registry = PrometheusCollectorRegistry()
    nonisolated(unsafe) private static var bootstrapped = false
    private static let lock = NSLock()

    /// Bootstraps swift-metrics to ``registry``; later calls do nothing (a process bootstraps once).
    public static func bootstrap() {
        lock.lock()
        defer { lock.unlock() }
        guard !bootstrapped else { return }
        bootstrapped = true
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.nameAndLabelSanitizer = { name, labels in
            (sanitized(name), labels.map { (sanitized($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
    }

    /// Whether ``bootstrap()`` has run in this process.
    public static var isBootstrapped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return bootstrapped
    }

    /// The registry in the Prometheus text format.
    public static func render() -> [UInt8] { registry.emitToBuffer() }

    /// The content type of ``render()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `name` with every character Prometheus does not allow in a name replaced by `_`.
    static func sanitized(_ name: String) -> String {
        var out = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let allowed =
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == ":"
                || (index > 0 && ("0"..."9").contains(scalar))
            out.unicodeScalars.append(allowed ? scalar : "_")
        }
        return out
    }
}
