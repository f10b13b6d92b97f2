import Foundation
import GantryAPI
import GantryClient

/// Creating and deleting a controller's pods while keeping its expectations right.
struct PodControl: Sendable {
    let client: GantryClient
    let expectations: Expectations

    /// Creates `count` pods made by `make` in batches of 1, 2, 4, … (slow start: a template that cannot work
    /// fails once, not `count` times). Returns the names created and the first error.
    func create(count: Int, namespace: String, key: String,
                make: @escaping @Sendable (Int) throws -> JSONValue) async -> (created: [String], error: Error?)
    {
        expectations.expect(key, adds: count)
        var remaining = count
        var batch = 1
        var created: [String] = []
        var failure: Error?
        var index = 0
        while remaining > 0, failure == nil {
            let n = min(batch, remaining)
            let first = index
            let results = await withTaskGroup(of: Result<String, Error>.self) { group in
                for i in 0..<n {
                    group.addTask { [client] in
                        do {
                            let made = try await client.create(.pods, namespace: namespace, try make(first + i))
                            return .success(made[path: ["metadata", "name"]]?.stringValue ?? "")
                        } catch { return .failure(error) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for r in results {
                switch r {
                case .success(let name): created.append(name)
                case .failure(let e):
                    failure = failure ?? e
                    expectations.creationObserved(key)
                }
            }
            index += n
            remaining -= n
            batch *= 2
        }
        for _ in 0..<remaining { expectations.creationObserved(key) }
        return (created, failure)
    }

    /// Deletes these pods; returns the first error other than not-found.
    func delete(_ pods: [Pod], key: String) async -> Error? {
        expectations.expect(key, dels: pods.count)
        var failure: Error?
        for p in pods {
            do {
                try await client.delete(.pods, namespace: p.metadata.namespace, name: p.name)
            } catch let e as GantryError where e.code == .notFound {
                expectations.deletionObserved(key)
            } catch {
                expectations.deletionObserved(key)
                failure = failure ?? error
            }
        }
        return failure
    }
}
