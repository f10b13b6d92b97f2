import Foundation
import GantryAPI
import GantryClient
import Logging
import ServiceLifecycle

/// The node half of the local-path provisioner: when a Delete-policy volume whose directory is on this node is
/// deleted, removes the directory and then the volume's `gantry.dev/local-path-cleanup` finalizer, so the
/// PersistentVolume goes only once its data is gone (k3s' local-path-provisioner runs a helper pod for this).
public final class LocalVolumeCleaner: ServiceLifecycle.Service, @unchecked Sendable {
    let client: GantryClient
    let nodeName: String
    let root: String
    let logger: Logger
    let volumes: Informer<PersistentVolume>

    public init(client: GantryClient, nodeName: String, root: String, logger: Logger) {
        self.client = client
        self.nodeName = nodeName
        self.root = root
        self.logger = logger
        self.volumes = Informer(client: client, logger: logger)
        volumes.addHandler { [weak self] e in
            guard let self, case let v = e.object, self.due(v) else { return }
            if case .deleted = e { return }
            Task { await self.clean(v) }
        }
    }

    /// Whether the volume is this node's to clean up now.
    func due(_ v: PersistentVolume) -> Bool {
        v.metadata.deletionTimestamp != nil && v.metadata.finalizers?.contains(LocalPath.finalizer) == true
            && v.metadata.annotations?[LocalPath.nodeAnnotation] == nodeName
    }

    func clean(_ v: PersistentVolume) async {
        let path = v.spec?.hostPath?.path ?? v.spec?.local?.path ?? ""
        // Only what the provisioner made, under this node's root: never a path a user pointed a volume at.
        if path.hasPrefix(root + "/"), !path.dropFirst(root.count + 1).contains("/") {
            do {
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            } catch {
                logger.warning("cannot remove a local-path volume's directory", metadata: ["volume": "\(v.name)", "path": "\(path)", "error": "\(error)"])
                return
            }
        } else {
            logger.warning("not removing a local-path volume outside this node's storage root", metadata: ["volume": "\(v.name)", "path": "\(path)"])
        }
        let left = (v.metadata.finalizers ?? []).filter { $0 != LocalPath.finalizer }
        do {
            _ = try await client.patch(.persistentVolumes, namespace: nil, name: v.name,
                                       ["metadata": ["finalizers": .array(left.map { .string($0) }),
                                                     "resourceVersion": .string(v.metadata.resourceVersion ?? "")]])
            logger.info("removed a deleted local-path volume", metadata: ["volume": "\(v.name)", "path": "\(path)"])
        } catch let e as GantryError where e.code == .notFound || e.code == .conflict {
            // Gone already, or changed: the next event brings the new version.
        } catch {
            logger.warning("cannot release a local-path volume", metadata: ["volume": "\(v.name)", "error": "\(error)"])
        }
    }

    public func run() async throws { try await volumes.run() }
}
