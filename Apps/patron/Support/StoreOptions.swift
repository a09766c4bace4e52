import ArgumentParser
import Foundation
import PatronCore
import PatronStoreFactory

/// `--db`: where the store is.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The store: a file, sqlite:FILE or postgres://USER@HOST:PORT/DATABASE (default: $PATRON_DB, else ./patron.sqlite)."
    )
    var db: String?

    /// The store's file (the location as given when it is not a file).
    var path: String {
        let location = try? StoreLocation.resolve(flag: db, environment: ProcessInfo.processInfo.environment)
        return location?.path ?? location?.description ?? db ?? "patron.sqlite"
    }

    /// Opens the store for what the command does with it: `.create` (init, imports, ingest),
    /// `.write` (an existing store), `.read` (reports; works where the file may only be read).
    func open(_ access: StoreAccess) throws(PatronError) -> any PatronStore {
        try StoreFactory.open(db, access: access)
    }
}

/// Runs a command body, turning a ``PatronError`` (or any other error) into one line on stderr
/// and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as SegmentError {
        FileHandle.standardError.write(Data("patron: segment: \(error.rendered)\n".utf8))
        throw ExitCode.failure
    } catch let error as PatronError {
        FileHandle.standardError.write(Data("patron: \(error)\n".utf8))
        throw ExitCode.failure
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("patron: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Parses `--as-of`.
func parseDay(_ text: String?, option: String) throws(PatronError) -> Day? {
    guard let text else { return nil }
    guard let day = Day(iso: text) else {
        throw PatronError(.invalidArgument, "\(option): unparseable date '\(text)' (expected YYYY-MM-DD)")
    }
    return day
}

/// Writes to stdout (`-` or no path) or to a file that appears only when complete (temp + rename).
final class OutputFile {
    private let path: String?
    private let tempPath: String?
    private let handle: FileHandle
    private var buffer = Data()

    init(path: String?) throws(PatronError) {
        if let path, path != "-" {
            let temp = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: temp, contents: nil),
                let handle = FileHandle(forWritingAtPath: temp)
            else {
                throw PatronError(.io, "cannot write the output file", at: InputLocation(file: path))
            }
            self.path = path
            self.tempPath = temp
            self.handle = handle
        } else {
            self.path = nil
            self.tempPath = nil
            self.handle = FileHandle.standardOutput
        }
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Finishes the output: flushes, and moves a file into place; for a file, `confirmation`
    /// (what was written, e.g. "export customers: 120 rows") goes to stderr with the file's name.
    func commit(confirming confirmation: String? = nil) throws(PatronError) {
        flush()
        guard let path, let tempPath else { return }
        try? handle.close()
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: tempPath, toPath: path)
        } catch {
            throw PatronError(
                .io, "cannot write the output file: \(error.localizedDescription)", at: InputLocation(file: path))
        }
        if let confirmation {
            FileHandle.standardError.write(Data("\(confirmation) written to \(path)\n".utf8))
        }
    }

    deinit {
        if let tempPath, FileManager.default.fileExists(atPath: tempPath) {
            try? FileManager.default.removeItem(atPath: tempPath)
        }
    }
}

/// Without `--as-of`, reports are as of today; on a store whose orders ended long ago (a data set,
/// an old export) that makes everyone churned. Say so once on stderr, with the day to use.
func noteStaleAsOf(_ store: some Store, asOf: String?) {
    guard asOf == nil, let last = try? store.orderSpan()?.upperBound, Day.today - last > 365 else { return }
    FileHandle.standardError.write(
        Data(
            "note: the newest order is from \(last), over a year ago; for the data as it was then, pass --as-of \(last)\n"
                .utf8))
}
