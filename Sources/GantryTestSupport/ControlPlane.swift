import Foundation
import GantryAPIServer
import GantryClient
import GantryStore

/// Runs `body` with a client of a real control plane on loopback (in-memory store, free port), stopped afterwards.
public func withLoopbackControlPlane<T: Sendable>(_ body: (GantryClient) async throws -> T) async throws -> T {
    let cp = try ControlPlane(config: { var c = ControlPlaneConfig(); c.port = 0; return c }(), store: InMemoryStateStore())
    try await cp.bootstrap()
    let (ports, cont) = AsyncStream<Int>.makeStream()
    let app = try cp.application { cont.yield($0) }
    let server = Task { try await app.run() }
    defer { server.cancel() }
    var it = ports.makeAsyncIterator()
    guard let port = await it.next() else { throw TestFailure("the loopback API server did not start") }
    return try await body(GantryClient(server: "http://127.0.0.1:\(port)"))
}
