import Foundation
import GantryAPI

/// The API servers a client may talk to, and the one it talks to now.
///
/// A request goes to the current server; when one cannot reach it (connection refused, connect timeout, a
/// connection that breaks), the client marks it failed and the next server becomes current, so that watches
/// and writes move to a live server by themselves. No server is ever dropped for failing, so all of them
/// failing at once under load does not leave the list empty; servers learned from the `kubernetes` Endpoints
/// are added (and those that left them removed), the ones given on the command line always stay.
public final class APIServerList: @unchecked Sendable {
    private let lock = NSLock()
    private let configured: [String]
    /// Configured first, then the learned ones not configured: kept, not recomputed per request.
    private var merged: [String]
    private var index = 0
    private var failures: [String: Int] = [:]

    /// `urls`: base URLs (`https://10.0.0.1:6443`); at least one.
    public init(_ urls: [String]) {
        configured = urls.isEmpty ? ["https://127.0.0.1:6443"] : urls
        merged = configured
    }

    /// Every server, configured first.
    public var all: [String] { lock.withLock { merged } }

    /// The server requests go to now.
    public var current: String {
        lock.withLock { merged[index % merged.count] }
    }

    /// `url` did not answer: if it is still current, the next server becomes current. Returns the new current.
    @discardableResult
    public func markFailed(_ url: String) -> String {
        lock.withLock {
            let m = merged
            failures[url, default: 0] += 1
            if m[index % m.count] == url { index = (index + 1) % m.count }
            return m[index % m.count]
        }
    }

    /// `url` answered.
    public func markHealthy(_ url: String) {
        lock.withLock { failures[url] = nil }
    }

    /// How many times `url` failed since it last answered.
    public func failureCount(_ url: String) -> Int { lock.withLock { failures[url] ?? 0 } }

    /// Replaces the learned servers with `urls` (the `kubernetes` Endpoints); the current server stays current.
    public func learn(_ urls: [String]) {
        lock.withLock {
            let cur = merged[index % merged.count]
            merged = configured + urls.filter { !configured.contains($0) }
            index = merged.firstIndex(of: cur) ?? 0
        }
    }

    /// The base URLs the `kubernetes` Endpoints name (`scheme://ip:port` for each address and port).
    public static func urls(fromEndpoints endpoints: JSONValue, scheme: String = "https") -> [String] {
        var out: [String] = []
        for subset in endpoints["subsets"]?.arrayValue ?? [] {
            let ports = (subset["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.intValue }
            for address in subset["addresses"]?.arrayValue ?? [] {
                guard let ip = address["ip"]?.stringValue else { continue }
                for p in ports { out.append("\(scheme)://\(ip):\(p)") }
            }
        }
        return out
    }
}

extension GantryClient {
    /// Teaches this client every API server the `kubernetes` Endpoints list (with this client's scheme).
    /// Returns the servers it now knows.
    @discardableResult
    public func learnServers() async throws -> [String] {
        let endpoints = try await get(.endpoints, namespace: "default", name: "kubernetes")
        let scheme = server.hasPrefix("http://") ? "http" : "https"
        let urls = APIServerList.urls(fromEndpoints: endpoints, scheme: scheme)
        if !urls.isEmpty { servers.learn(urls) }
        return servers.all
    }
}
