import Foundation

@testable import PatronMail

/// The shared e-mail corpus, read in place (never copied into the repository).
enum Fixtures {
    /// `../shared/fixtures/email` relative to the package root, which is three levels above this
    /// file (Tests/PatronMailTests/FixtureSupport.swift).
    static let root: URL = {
        let thisFile = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let packageRoot = thisFile.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent("../shared/fixtures/email").standardizedFileURL
    }()

    /// Every fixture, relative to `root`: the `.eml` files of each folder, plus the mbox files
    /// of the `mbox` folder.
    static let allFiles: [String] = {
        let manager = FileManager.default
        guard let folders = try? manager.contentsOfDirectory(atPath: root.path) else { return [] }
        var files: [String] = []
        for folder in folders.sorted() {
            var isDirectory: ObjCBool = false
            let folderPath = root.appendingPathComponent(folder).path
            guard manager.fileExists(atPath: folderPath, isDirectory: &isDirectory), isDirectory.boolValue,
                let names = try? manager.contentsOfDirectory(atPath: folderPath)
            else { continue }
            for name in names.sorted() where name.hasSuffix(".eml") || (folder == "mbox" && !name.hasPrefix(".")) {
                files.append("\(folder)/\(name)")
            }
        }
        return files
    }()

    static func bytes(_ relativePath: String) -> [UInt8] {
        let url = root.appendingPathComponent(relativePath)
        return [UInt8]((try? Data(contentsOf: url)) ?? Data())
    }

    /// The messages in a fixture: one for an `.eml` file, one per `From ` line for an mbox file.
    static func messages(in relativePath: String) -> [MIMEMessage] {
        let bytes = bytes(relativePath)
        let chunks = relativePath.hasSuffix(".eml") ? [bytes[...]] : Mbox.split(bytes)
        return chunks.map { MIMEMessage(parsing: Array($0)) }
    }

    static func message(_ relativePath: String) -> MIMEMessage {
        MIMEMessage(parsing: bytes(relativePath))
    }
}

/// Splits an mbox file on the `From ` lines that start each message.
enum Mbox {
    static func split(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        let marker = Array("From ".utf8)
        var starts: [Int] = []
        var lineStart = 0
        while lineStart < bytes.count {
            if bytes[lineStart...].starts(with: marker) { starts.append(lineStart) }
            guard let lineFeed = bytes[lineStart...].firstIndex(of: 0x0A) else { break }
            lineStart = lineFeed + 1
        }
        return starts.enumerated().map { index, start in
            bytes[start..<(index + 1 < starts.count ? starts[index + 1] : bytes.count)]
        }
    }
}

/// A UTC date from an ISO 8601 string, for expectations.
func utc(_ iso: String) -> Date {
    ISO8601DateFormatter().date(from: iso)!
}

/// Bytes from a string literal, for unit tests.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}
