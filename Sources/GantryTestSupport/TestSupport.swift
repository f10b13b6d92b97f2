import Foundation
import GantryAPI

/// A fresh temporary directory, removed by `cleanup()`.
public struct TempDir: Sendable {
    public let path: String

    public init(_ label: String = "gantry-test") {
        let p = NSTemporaryDirectory() + "/\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        path = p
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Errors raised by test helpers.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(10), interval: Duration = .milliseconds(20),
                       _ what: String = "condition", _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw TestFailure("timed out after \(timeout) waiting for \(what)")
}
