import Foundation
import PatronCSV
import PatronCore

/// The CSV reader with encoding and delimiter sniffing, over any bytes (from a file, as the
/// reader reads): every record or a `PatronError`, never a crash or a hang.
let path = FileManager.default.temporaryDirectory.appendingPathComponent("patron-fuzz-\(getpid()).csv").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    guard let reader = try? CSVReader(path: path, chunkSize: 64) else { return 0 }
    var records = 0
    while records < 100_000, (try? reader.next()) != nil { records += 1 }
    return 0
}
