import Foundation
import GantryAPI
import GantryClient

/// Creating and deleting a controller's pods while keeping its expectations right.
struct PodControl: Sendable {
    let client: GantryClient
    let expectations: Expectations
    let recorder: EventRecorder

    /// `create`, then the owner's SuccessfulCreate / FailedCreate events, as Kubernetes' controllers report them.
    func createRecorded<O: KubeObject>(_ owner: O, count: Int, namespace: String, key: String,
                                       make: @escaping @Sendable (Int) throws -> JSONValue) async -> Error?
    {
        let (created, error) = await create(count: count, namespace: namespace, key: key, make: make)
        if !created.isEmpty {
            await recorder.record(owner, reason: "SuccessfulCreate",
                                  message: "Created pod\(created.count == 1 ? "" : "s"): \(created.joined(separator: ", "))")
        }
        if let error { await recorder.record(owner, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error)") }
        return error
    }

    /// `delete`, then the owner's SuccessfulDelete event.
    func deleteRecorded<O: KubeObject>(_ owner: O, _ pods: [Pod], key: String) async -> Error? {
        guard !pods.isEmpty else { return nil }
        let error = await delete(pods, key: key)
        await recorder.record(owner, reason: "SuccessfulDelete",
                              message: "Deleted pod\(pods.count == 1 ? "" : "s"): \(pods.map(\.name).joined(separator: ", "))")
        return error
    }

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

extension Expectations {
    /// Counts a pod event against the expectations of its controller (of kind `ownerKind`); returns that
    /// controller's key, or nil if the pod has no such controller.
    func observe(_ e: InformerEvent<Pod>, ownerKind: String) -> String? {
        guard let ref = e.object.controllerRef, ref.kind == ownerKind, let name = ref.name else { return nil }
        let key = objectKey(namespace: e.object.metadata.namespace, name: name)
        switch e {
        case .added: creationObserved(key)
        case .updated(let old, let new):
            if old.metadata.deletionTimestamp == nil, new.metadata.deletionTimestamp != nil { deletionObserved(key) }
        case .deleted(let p):
            if p.metadata.deletionTimestamp == nil { deletionObserved(key) }
        }
        return key
    }
}

extension GantryClient {
    /// Writes `status` into the object's status subresource unless it is already there; a vanished object is fine.
    func writeStatus<T: KubeObject, S: Equatable>(_ object: T, _ path: WritableKeyPath<T, S?>, _ status: S) async throws {
        guard object[keyPath: path] != status else { return }
        var updated = object
        updated[keyPath: path] = status
        do {
            _ = try await update(updated, subresource: "status")
        } catch let e as GantryError where e.code == .notFound {}
    }
}

extension ReconcileResult {
    /// The end of a sync: rethrows a failure (retried with back-off), else looks again after `seconds` if given.
    static func finishing(_ failure: Error?, requeueAfter seconds: TimeInterval?) throws -> ReconcileResult {
        if let failure { throw failure }
        guard let seconds else { return .done }
        return .requeue(after: .milliseconds(Int64(max(0, seconds) * 1000) + 50))
    }
}
