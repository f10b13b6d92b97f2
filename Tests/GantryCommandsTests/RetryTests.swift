import Foundation
import GantryAPI
import GantryClient
import Logging
import Testing

@Suite("Back-off and retry logging")
struct RetryTests {
    @Test func backoffDoublesUpToTheCapWithJitterBelowTheCeiling() {
        var b = Backoff(initial: .milliseconds(100), cap: .seconds(2), jitter: 0.5)
        #expect(b.ceiling(afterFailures: 1) == .milliseconds(100))
        #expect(b.ceiling(afterFailures: 2) == .milliseconds(200))
        #expect(b.ceiling(afterFailures: 5) == .milliseconds(1600))
        #expect(b.ceiling(afterFailures: 6) == .seconds(2))
        #expect(b.ceiling(afterFailures: 1000) == .seconds(2))
        var seen: Set<Duration> = []
        for i in 1...40 {
            let d = b.next()
            let c = b.ceiling(afterFailures: i)
            #expect(d <= c && d >= c / 2, "try \(i): \(d) outside [\(c / 2), \(c)]")
            seen.insert(d)
        }
        #expect(seen.count > 10, "no jitter: \(seen)")
        b.reset()
        #expect(b.failures == 0)
        #expect(b.next() <= .milliseconds(100))
    }

    @Test func waitingIsCancellable() async throws {
        let t = Task {
            var b = Backoff(initial: .seconds(30), cap: .seconds(30), jitter: 0)
            try await b.wait()
        }
        try await Task.sleep(for: .milliseconds(50))
        t.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await t.value }
        #expect(ContinuousClock.now - started < .seconds(5), "a cancelled 30 s wait ends at once")
    }

    @Test func cancellationIsRecognisedThroughWrappers() {
        #expect(isCancellation(CancellationError()))
        #expect(isCancellation(GantryError(.unavailable, "x", cause: CancellationError())))
        #expect(!isCancellation(GantryError(.unavailable, "connection refused")))
    }

    @Test func aCancelledRequestThrowsCancellationNotUnavailable() async throws {
        // A server that accepts and never answers: the request is in flight when its task is cancelled.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 8)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let client = GantryClient(server: "http://127.0.0.1:\(port)")
        let t = Task { try await client.get(.nodes, namespace: nil, name: "n") }
        try await Task.sleep(for: .milliseconds(200))
        t.cancel()
        let result = await t.result
        guard case .failure(let error) = result else { Issue.record("the request succeeded"); return }
        #expect(error is CancellationError, "a cancelled request threw \(error)")
    }

    @Test func retryLogLogsOncePerChangeOfState() {
        let log = CapturedLog()
        var r = RetryLog("node heartbeat", logger: log.logger(level: .info))
        let refused = GantryError(.unavailable, "connection refused")
        for _ in 0..<500 { r.failed(refused) }
        #expect(log.entries.count == 1)
        r.failed(GantryError(.internalError, "database is locked"))
        #expect(log.entries.count == 2)
        for _ in 0..<100 { r.failed(GantryError(.internalError, "database is locked")) }
        #expect(log.entries.count == 2)
        r.succeeded()
        r.succeeded()
        #expect(log.entries.count == 3)
        #expect(log.entries.last?.0 == .info)
        #expect(log.entries.last?.2["failures"] == "601")
        r.failed(refused)
        #expect(log.entries.count == 4)
    }
}
