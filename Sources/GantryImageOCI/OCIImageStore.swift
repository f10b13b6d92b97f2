import AsyncHTTPClient
import Foundation
import GantryAPI
import GantryRuntime

/// An `ImageStore` on the local filesystem: pulls from OCI distribution registries, imports
/// `docker save` and OCI-layout archives, unpacks each layer once, and mounts container root
/// filesystems with overlayfs.
///
/// Layout under `root`:
/// - `blobs/sha256/<hex>`: content-addressed blobs (manifests, configs, layers), written to a temp
///   file, digest-verified, then renamed — a half-written blob is never visible.
/// - `layers/<hex>/`: each layer blob unpacked once (temp dir, then rename), shared read-only by
///   every overlay mount that uses it.
/// - `images.json`: names → manifest digest, config, layers; rewritten atomically.
/// - `tmp/`: downloads and imports in progress (cleared when the store first loads).
public actor OCIImageStore: ImageStore {
    /// The store's root directory.
    public let root: String
    private let client: RegistryClient
    private var records: [ImageRecord] = []
    private var loaded = false
    /// Downloads and unpacks in flight, so concurrent pulls of shared content do the work once.
    private var inflight: [String: Task<Void, any Error>] = [:]
    /// Digests pulls are using right now; garbage collection leaves them alone.
    private var pinned: [String: Int] = [:]
    /// The garbage collection in progress, which pulls and imports wait for before they look at the disk.
    private var gcTask: Task<Void, any Error>?

    /// A client for registries that fails fast when a registry cannot be reached (no connect retries),
    /// so an agent's own backoff decides when to try again. Never shut down (process lifetime).
    public static let defaultHTTPClient: HTTPClient = {
        var config = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(120)))
        config.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
    }()

    /// Creates a store rooted at `root` (created on first use).
    /// - Parameters:
    ///   - insecureRegistries: `host:port` registries spoken to over plain HTTP (loopback always is).
    ///   - httpClient: the client used for registries and token services.
    public init(root: String, insecureRegistries: Set<String> = [], httpClient: HTTPClient = OCIImageStore.defaultHTTPClient) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.client = RegistryClient(http: httpClient, insecureRegistries: insecureRegistries)
    }

    // MARK: Paths

    var blobsDir: String { root + "/blobs/sha256" }
    var layersDir: String { root + "/layers" }
    var tmpDir: String { root + "/tmp" }
    var indexPath: String { root + "/images.json" }
    func blobPath(_ d: Digest) -> String { blobsDir + "/" + d.hex }
    func layerPath(_ d: Digest) -> String { layersDir + "/" + d.hex }

    // MARK: ImageStore

    /// Pulls `reference` from its registry, verifying every digest, unpacks its layers, and records it.
    /// Idempotent: an image already present by digest is not fetched again; a tag is re-resolved and
    /// only missing blobs are downloaded.
    public func pull(_ reference: String, credentials: RegistryCredentials?) async throws -> StoredImage {
        do {
            try load()
            let ref = try ImageReference(reference)
            let name = ref.description
            if let digest = ref.digest {
                _ = try Digest(parsing: digest)
                if let i = indexOf(digest: digest), isComplete(records[i])
                {
                    try register(name: name, at: i)
                    return records[i].stored
                }
            }
            await waitForGC()
            return try await pullFromRegistry(ref, name: name, credentials: credentials)
        } catch let e as GantryError {
            throw GantryError(e.code, "failed to pull image \(reference): \(e.message)", cause: e.cause)
        } catch {
            throw GantryError(.internalError, "failed to pull image \(reference)", cause: error)
        }
    }

    /// The image known by `reference`: a name (`busybox:1`, normalized like Docker), `name@digest`,
    /// `sha256:<digest or unique prefix>`, or a unique hex prefix of the digest.
    public func image(_ reference: String) async throws -> StoredImage? {
        try load()
        return try find(reference).map { records[$0.index].stored }
    }

    /// Every stored image.
    public func list() async throws -> [StoredImage] {
        try load()
        return records.map(\.stored)
    }

    /// Imports a `docker save` tarball or an OCI image-layout archive (plain or gzip-compressed tar),
    /// verifying every blob's digest; names come from `RepoTags` or the `io.containerd.image.name` /
    /// `org.opencontainers.image.ref.name` annotations. Importing the same archive twice is harmless.
    public func importArchive(_ path: String) async throws -> [StoredImage] {
        do {
            try load()
            guard FS.exists(path) else { throw GantryError(.notFound, "no such file") }
            await waitForGC()
            let work = tmpDir + "/import-" + UUID().uuidString
            try FS.mkdirs(work, mode: 0o700)
            defer { try? FS.removeTree(work) }
            try await offload { try Unpacker.extractArchive(path, into: work) }
            if FS.exists(work + "/index.json") {
                return try await importOCILayout(work)
            } else if FS.exists(work + "/manifest.json") {
                return try await importDockerSave(work)
            }
            throw GantryError(.invalid, "not an image archive: it has neither index.json (OCI layout) nor manifest.json (docker save)")
        } catch let e as GantryError {
            throw GantryError(e.code, "failed to import image archive \(path): \(e.message)", cause: e.cause)
        } catch {
            throw GantryError(.internalError, "failed to import image archive \(path)", cause: error)
        }
    }

    /// Removes `reference`: by name it drops that name (the image goes when it has no names left);
    /// by digest it drops the image and all its names. Blobs and unpacked layers no other image uses
    /// are deleted. Throws `notFound` for an unknown reference.
    public func remove(_ reference: String) async throws {
        try load()
        guard let match = try find(reference) else {
            throw GantryError(.notFound, "failed to remove image \(reference): image not found")
        }
        if let name = match.name, records[match.index].names.count > 1 {
            records[match.index].names.removeAll { $0 == name }
            try save()
            return
        }
        records.remove(at: match.index)
        try save()
        try await collectGarbage()
    }

    /// Removes every image whose digest is not in `keep`, then unused blobs and layers.
    public func prune(keep: Set<String>) async throws -> [StoredImage] {
        try load()
        let removed = records.filter { !keep.contains($0.digest) && !keep.contains($0.manifestDigest) }
        records.removeAll { !keep.contains($0.digest) && !keep.contains($0.manifestDigest) }
        try save()
        try await collectGarbage()
        return removed.map(\.stored)
    }

    /// Mounts an overlay at `target`: the image's unpacked layers as lower dirs (top first),
    /// `<scratch>/upper` and `<scratch>/work` writable. Unpacks missing layers from their blobs.
    /// Idempotent: an existing mount at `target` is left as is.
    public func mountRootfs(_ image: StoredImage, target: String, scratch: String) async throws {
        do {
            try load()
            try FS.mkdirs(target)
            if Overlay.isMountPoint(target) { return }
            var lowers: [String] = []
            let rec = records.first { $0.digest == image.digest }
            for (i, layer) in image.layers.enumerated() {
                let d = try Digest(parsing: layer)
                if !FS.isDirectory(layerPath(d)) {
                    let mediaType = rec.flatMap { i < $0.layerMediaTypes.count ? $0.layerMediaTypes[i] : nil } ?? MediaTypes.ociLayerGzip
                    guard FS.exists(blobPath(d)) else {
                        throw GantryError(.notFound, "layer \(layer) is neither unpacked nor stored; pull the image again")
                    }
                    try await ensureUnpacked(d, mediaType: mediaType)
                }
                lowers.append(layerPath(d))
            }
            if lowers.isEmpty {
                let empty = layersDir + "/empty"
                try FS.mkdirs(empty)
                lowers = [empty]
            }
            let upper = scratch + "/upper", work = scratch + "/work"
            try FS.mkdirs(upper)
            try FS.mkdirs(work)
            try Overlay.mount(lowerDirs: lowers.reversed(), upper: upper, work: work, target: target)
        } catch let e as GantryError {
            throw GantryError(e.code, "failed to mount root filesystem of \(image.names.first ?? image.digest) at \(target): \(e.message)",
                              cause: e.cause)
        }
    }

    /// Unmounts `target` (lazily if busy) and removes `scratch` (the writable layer) and `target`
    /// if empty. Idempotent.
    public func unmountRootfs(target: String, scratch: String) async throws {
        do {
            try Overlay.unmount(target)
            try await offload { try FS.removeTree(scratch) }
            rmdir(target)
        } catch let e as GantryError {
            throw GantryError(e.code, "failed to unmount root filesystem at \(target): \(e.message)", cause: e.cause)
        }
    }

    // MARK: Pull

    private func pullFromRegistry(_ ref: ImageReference, name: String, credentials: RegistryCredentials?) async throws
        -> StoredImage
    {
        let requested = ref.digest ?? ref.tag ?? "latest"
        let (topData, topType) = try await client.manifest(ref, requested, credentials: credentials)
        let topDigest = Digest.of(topData)
        if let want = ref.digest, want != topDigest.description {
            throw GantryError(.invalid, "manifest digest mismatch: expected \(want), got \(topDigest)")
        }
        var doc = try decodeManifest(topData, what: "manifest \(requested)")
        var mediaType = doc.mediaType ?? topType ?? (doc.manifests != nil ? MediaTypes.ociIndex : MediaTypes.ociManifest)
        var manifestData = topData
        var manifestDigest = topDigest
        if MediaTypes.isIndex(mediaType) || (doc.manifests != nil && doc.layers == nil) {
            let chosen = try selectPlatform(doc.manifests ?? [])
            let want = try Digest(parsing: chosen.digest)
            let (data, type) = try await client.manifest(ref, want.description, credentials: credentials)
            let got = Digest.of(data)
            guard got == want else { throw GantryError(.invalid, "manifest digest mismatch: expected \(want), got \(got)") }
            doc = try decodeManifest(data, what: "manifest \(want)")
            mediaType = doc.mediaType ?? chosen.mediaType ?? type ?? MediaTypes.ociManifest
            manifestData = data
            manifestDigest = got
        }
        let (config, layers) = try validateImageManifest(doc, mediaType: mediaType)

        let all = [topDigest, manifestDigest, config.digest] + layers.map(\.digest)
        pin(all)
        defer { unpin(all) }

        // Config first (small; tells us the image is usable), then every layer concurrently.
        try await ensureBlob(config.digest, size: config.size, ref: ref, credentials: credentials)
        let configFile = try readConfig(config.digest)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for layer in layers {
                group.addTask {
                    try await self.ensureBlob(layer.digest, size: layer.size, ref: ref, credentials: credentials)
                    try await self.ensureUnpacked(layer.digest, mediaType: layer.mediaType)
                }
            }
            try await group.waitForAll()
        }
        try storeBlob(manifestData, digest: manifestDigest)
        if topDigest != manifestDigest { try storeBlob(topData, digest: topDigest) }

        let i = upsert(ImageRecord(top: topDigest, manifest: manifestDigest, config: config, layers: layers, configFile: configFile))
        try register(name: name, at: i)
        return records[i].stored
    }

    struct Blob: Sendable {
        var digest: Digest
        var size: Int64
        var mediaType: String
    }

    private func decodeManifest(_ data: Data, what: String) throws -> ManifestDocument {
        do { return try JSONDecoder().decode(ManifestDocument.self, from: data) } catch {
            throw GantryError(.invalid, "\(what) is not valid JSON: \(error)")
        }
    }

    /// Checks an image manifest's shape and media types; returns its config and layer descriptors.
    private func validateImageManifest(_ doc: ManifestDocument, mediaType: String) throws -> (Blob, [Blob]) {
        if mediaType == MediaTypes.dockerSchema1 || mediaType == MediaTypes.dockerSchema1Signed || doc.schemaVersion == 1 {
            throw GantryError(.invalid, "Docker schema 1 manifests are not supported (re-push the image with a current client)")
        }
        guard MediaTypes.isManifest(mediaType) || mediaType.isEmpty, let config = doc.config, let layers = doc.layers else {
            throw GantryError(.invalid, "unsupported manifest media type \(mediaType)")
        }
        let configType = config.mediaType ?? MediaTypes.ociConfig
        guard configType == MediaTypes.ociConfig || configType == MediaTypes.dockerConfig else {
            throw GantryError(.invalid, "not a container image: config media type is \(configType)")
        }
        let cfg = Blob(digest: try Digest(parsing: config.digest), size: config.size, mediaType: configType)
        let ls = try layers.map { l -> Blob in
            let t = l.mediaType ?? MediaTypes.ociLayerGzip
            guard MediaTypes.layerCompression(t) != nil else {
                throw GantryError(.invalid, "unsupported layer media type \(t) (layer \(l.digest))")
            }
            return Blob(digest: try Digest(parsing: l.digest), size: l.size, mediaType: t)
        }
        return (cfg, ls)
    }

    private func readConfig(_ d: Digest) throws -> ImageConfigFile {
        guard let data = FileManager.default.contents(atPath: blobPath(d)) else {
            throw GantryError(.internalError, "config blob \(d) is missing from the store")
        }
        do { return try JSONDecoder().decode(ImageConfigFile.self, from: data) } catch {
            throw GantryError(.invalid, "image config \(d) is not valid: \(error)")
        }
    }

    /// Downloads a blob unless present; concurrent callers for the same digest share one download.
    private func ensureBlob(_ d: Digest, size: Int64?, ref: ImageReference, credentials: RegistryCredentials?) async throws {
        if FS.exists(blobPath(d)) { return }
        let key = "blob:" + d.hex
        if let running = inflight[key] { return try await running.value }
        let (client, tmp, final) = (client, tmpDir, blobPath(d))
        let task = Task {
            try await client.downloadBlob(ref, digest: d, size: size, tmpDir: tmp, finalPath: final, credentials: credentials)
        }
        inflight[key] = task
        defer { inflight[key] = nil }
        try await task.value
    }

    /// Unpacks a layer blob unless already unpacked: into a temp dir, then renamed into place.
    private func ensureUnpacked(_ d: Digest, mediaType: String) async throws {
        let final = layerPath(d)
        if FS.isDirectory(final) { return }
        let key = "layer:" + d.hex
        if let running = inflight[key] { return try await running.value }
        guard let compression = MediaTypes.layerCompression(mediaType) else {
            throw GantryError(.invalid, "unsupported layer media type \(mediaType)")
        }
        let blob = blobPath(d), tmp = layersDir + "/.tmp-\(d.hex)-\(UUID().uuidString)"
        let task = Task {
            try await offload {
                try FS.mkdirs(tmp)
                do {
                    try Unpacker.unpackLayer(blob: blob, compression: compression, into: tmp, what: "layer \(d)")
                    chmod(tmp, 0o755)
                    if rename(tmp, final) != 0 {
                        let code = errno
                        guard FS.isDirectory(final) else { throw posixError("cannot move unpacked layer \(d) into place", code) }
                        try FS.removeTree(tmp)
                    }
                } catch {
                    try? FS.removeTree(tmp)
                    throw error
                }
            }
        }
        inflight[key] = task
        defer { inflight[key] = nil }
        try await task.value
    }

    /// Stores in-memory bytes as a blob (digest already computed by the caller).
    private func storeBlob(_ data: Data, digest: Digest) throws {
        if FS.exists(blobPath(digest)) { return }
        try FS.writeAtomically(data, to: blobPath(digest))
    }

    // MARK: Import

    private func importOCILayout(_ dir: String) async throws -> [StoredImage] {
        guard let indexData = FileManager.default.contents(atPath: dir + "/index.json") else {
            throw GantryError(.invalid, "cannot read index.json")
        }
        let index = try decodeManifest(indexData, what: "index.json")
        var result: [StoredImage] = []
        for desc in index.manifests ?? [] {
            let topDigest = try Digest(parsing: desc.digest)
            var manifestDigest = topDigest
            var data = try await importBlob(from: dir, topDigest, read: true)
            var doc = try decodeManifest(data, what: "manifest \(topDigest)")
            var mediaType = doc.mediaType ?? desc.mediaType ?? MediaTypes.ociManifest
            if MediaTypes.isIndex(mediaType) || (doc.manifests != nil && doc.layers == nil) {
                let chosen = try selectPlatform(doc.manifests ?? [])
                manifestDigest = try Digest(parsing: chosen.digest)
                data = try await importBlob(from: dir, manifestDigest, read: true)
                doc = try decodeManifest(data, what: "manifest \(manifestDigest)")
                mediaType = doc.mediaType ?? chosen.mediaType ?? MediaTypes.ociManifest
            }
            let (config, layers) = try validateImageManifest(doc, mediaType: mediaType)
            let all = [topDigest, manifestDigest, config.digest] + layers.map(\.digest)
            pin(all)
            defer { unpin(all) }
            _ = try await importBlob(from: dir, config.digest, read: false)
            for l in layers { _ = try await importBlob(from: dir, l.digest, read: false) }
            let configFile = try readConfig(config.digest)
            try await unpackAll(layers)
            let i = upsert(ImageRecord(top: topDigest, manifest: manifestDigest, config: config, layers: layers,
                                       configFile: configFile))
            let ann = desc.annotations ?? [:]
            if let name = Self.importName(full: ann["io.containerd.image.name"], ref: ann["org.opencontainers.image.ref.name"]) {
                try register(name: name, at: i)
            } else {
                try save()
            }
            result.append(records[i].stored)
        }
        return result
    }

    /// A canonical image name from import annotations; a bare tag (`latest`) names nothing.
    static func importName(full: String?, ref: String?) -> String? {
        for candidate in [full, ref].compactMap({ $0 }) {
            guard candidate.contains("/") || candidate.contains(":") || candidate.contains("@") else { continue }
            if let r = try? ImageReference(candidate) { return r.description }
        }
        return nil
    }

    private func importDockerSave(_ dir: String) async throws -> [StoredImage] {
        struct Entry: Decodable { var Config: String; var RepoTags: [String]?; var Layers: [String] }
        guard let data = FileManager.default.contents(atPath: dir + "/manifest.json"),
              let entries = try? JSONDecoder().decode([Entry].self, from: data)
        else { throw GantryError(.invalid, "manifest.json is not a docker save manifest") }
        var result: [StoredImage] = []
        for e in entries {
            let configPath = try Self.memberPath(dir, e.Config)
            let (configDigest, configSize) = try await offload { try Digest.ofFile(configPath) }
            try Self.checkNamedDigest(e.Config, configDigest)
            try moveIntoStore(configPath, configDigest)
            var layers: [Blob] = []
            for l in e.Layers {
                let p = try Self.memberPath(dir, l)
                let (d, size) = try await offload { try Digest.ofFile(p) }
                try Self.checkNamedDigest(l, d)
                let gz = Self.isGzip(p)
                try moveIntoStore(p, d)
                layers.append(Blob(digest: d, size: size, mediaType: gz ? MediaTypes.ociLayerGzip : MediaTypes.ociLayerTar))
            }
            // docker save carries no manifest: synthesize a deterministic OCI one.
            let manifest = ManifestDocument(
                schemaVersion: 2, mediaType: MediaTypes.ociManifest,
                config: Descriptor(mediaType: MediaTypes.ociConfig, digest: configDigest.description, size: configSize),
                layers: layers.map { Descriptor(mediaType: $0.mediaType, digest: $0.digest.description, size: $0.size) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let mdata = try encoder.encode(manifest)
            let mdigest = Digest.of(mdata)
            let all = [mdigest, configDigest] + layers.map(\.digest)
            pin(all)
            defer { unpin(all) }
            try storeBlob(mdata, digest: mdigest)
            let configFile = try readConfig(configDigest)
            try await unpackAll(layers)
            let record = ImageRecord(
                names: [], digest: mdigest.description, manifestDigest: mdigest.description,
                configDigest: configDigest.description, layers: layers.map(\.digest.description),
                layerMediaTypes: layers.map(\.mediaType), config: configFile.imageConfig,
                size: configSize + layers.reduce(0) { $0 + $1.size }, created: Date())
            let i = upsert(record)
            for tag in e.RepoTags ?? [] {
                if let r = try? ImageReference(tag) { try register(name: r.description, at: i) }
            }
            try save()
            result.append(records[i].stored)
        }
        return result
    }

    private func unpackAll(_ layers: [Blob]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for l in layers {
                group.addTask { try await self.ensureUnpacked(l.digest, mediaType: l.mediaType) }
            }
            try await group.waitForAll()
        }
    }

    /// A file inside an extracted archive, refusing names that escape it.
    static func memberPath(_ dir: String, _ name: String) throws -> String {
        let rel = try Unpacker.sanitize(name, what: "archive")
        let p = dir + "/" + rel
        guard !rel.isEmpty, FS.exists(p) else { throw GantryError(.invalid, "archive lacks \(name)") }
        return p
    }

    /// Where a member is named by its digest (`blobs/sha256/<hex>`, `<hex>.json`), the content must match.
    static func checkNamedDigest(_ name: String, _ d: Digest) throws {
        let base = (name as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
        if base.count == 64, base.allSatisfy(\.isHexDigit), base != d.hex {
            throw GantryError(.invalid, "digest mismatch for \(name): content is \(d)")
        }
    }

    static func isGzip(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let b = (try? h.read(upToCount: 2)) ?? Data()
        return b.count == 2 && b[b.startIndex] == 0x1f && b[b.startIndex + 1] == 0x8b
    }

    /// Verifies `blobs/sha256/<hex>` of an OCI layout against its digest and moves it into the store.
    /// With `read`, returns its bytes (for manifests).
    private func importBlob(from dir: String, _ d: Digest, read: Bool) async throws -> Data {
        let src = dir + "/blobs/sha256/" + d.hex
        if FS.exists(src) {
            let (got, _) = try await offload { try Digest.ofFile(src) }
            guard got == d else { throw GantryError(.invalid, "blob digest mismatch: expected \(d), got \(got)") }
            try moveIntoStore(src, d)
        } else if !FS.exists(blobPath(d)) {
            throw GantryError(.invalid, "archive lacks blob \(d)")
        }
        guard read else { return Data() }
        guard let data = FileManager.default.contents(atPath: blobPath(d)) else {
            throw GantryError(.internalError, "cannot read blob \(d)")
        }
        return data
    }

    /// Renames an already-verified file into the blob store (same filesystem, under `tmp/`).
    private func moveIntoStore(_ src: String, _ d: Digest) throws {
        if FS.exists(blobPath(d)) { return }
        chmod(src, 0o644)
        guard rename(src, blobPath(d)) == 0 else { throw posixError("cannot store blob \(d)") }
    }

    // MARK: Index

    private func load() throws {
        guard !loaded else { return }
        for d in [blobsDir, layersDir, tmpDir] { try FS.mkdirs(d) }
        // Leftovers of an interrupted process: partial downloads, imports and unpacks.
        for name in FS.list(tmpDir) { try? FS.removeTree(tmpDir + "/" + name) }
        for name in FS.list(layersDir) where name.hasPrefix(".tmp-") { try? FS.removeTree(layersDir + "/" + name) }
        if let data = FileManager.default.contents(atPath: indexPath) {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            do { records = try decoder.decode(ImageIndexFile.self, from: data).images } catch {
                throw GantryError(.internalError, "image index \(indexPath) is corrupt", cause: error)
            }
        }
        loaded = true
    }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(ImageIndexFile(images: records))
        try FS.writeAtomically(data, to: indexPath)
    }

    /// Inserts or updates (same digest) a record; returns its index. Names are kept.
    private func upsert(_ record: ImageRecord) -> Int {
        if let i = records.firstIndex(where: { $0.digest == record.digest }) {
            let names = records[i].names
            records[i] = record
            records[i].names = names
            return i
        }
        records.append(record)
        return records.count - 1
    }

    /// Gives `name` to image `i`, taking it from any other image (a tag that moved), and saves.
    private func register(name: String, at i: Int) throws {
        for j in records.indices where j != i { records[j].names.removeAll { $0 == name } }
        if !records[i].names.contains(name) { records[i].names.append(name) }
        try save()
    }

    /// The record known by `digest`: its own digest first, else its platform manifest's.
    private func indexOf(digest: String) -> Int? {
        records.firstIndex { $0.digest == digest } ?? records.firstIndex { $0.manifestDigest == digest }
    }

    private func isComplete(_ r: ImageRecord) -> Bool {
        guard let c = try? Digest(parsing: r.configDigest), FS.exists(blobPath(c)) else { return false }
        return r.layers.allSatisfy { l in
            guard let d = try? Digest(parsing: l) else { return false }
            return FS.isDirectory(layerPath(d))
        }
    }

    /// Finds a record by name, `name@digest`, digest or unique digest prefix.
    private func find(_ reference: String) throws -> (index: Int, name: String?)? {
        if let i = records.firstIndex(where: { $0.names.contains(reference) }) { return (i, reference) }
        var prefix: String?
        if reference.hasPrefix("sha256:") {
            prefix = String(reference.dropFirst(7))
        } else if let ref = try? ImageReference(reference) {
            let name = ref.description
            if let i = records.firstIndex(where: { $0.names.contains(name) }) { return (i, name) }
            if let d = ref.digest, let i = indexOf(digest: d) { return (i, nil) }
        }
        if prefix == nil, !reference.isEmpty, reference.allSatisfy(\.isHexDigit) { prefix = reference.lowercased() }
        guard let prefix, !prefix.isEmpty else { return nil }
        // The image's own digest first; the platform manifest's digest only when no image digest matches.
        var matches = records.indices.filter { records[$0].digest.dropFirst(7).hasPrefix(prefix) }
        if matches.isEmpty { matches = records.indices.filter { records[$0].manifestDigest.dropFirst(7).hasPrefix(prefix) } }
        if matches.count > 1 {
            throw GantryError(.invalid, "image reference \(reference) is ambiguous: it matches \(matches.count) images")
        }
        return matches.first.map { ($0, nil) }
    }

    // MARK: Garbage collection

    private func pin(_ ds: [Digest]) { for d in ds { pinned[d.hex, default: 0] += 1 } }
    private func unpin(_ ds: [Digest]) {
        for d in ds {
            pinned[d.hex, default: 1] -= 1
            if pinned[d.hex] == 0 { pinned[d.hex] = nil }
        }
    }

    /// Deletes blobs and unpacked layers no image references; layers an overlay still mounts stay.
    private func collectGarbage() async throws {
        await waitForGC()
        // From here to `gcTask = task` nothing suspends: no pull can start in between.
        var used = Set<String>()
        for r in records { for b in r.blobs { used.insert(String(b.dropFirst(7))) } }
        for hex in pinned.keys { used.insert(hex) }
        let mounts = Overlay.mountTable()
        let blobs = FS.list(blobsDir).filter { !used.contains($0) && !$0.contains(".tmp-") }.map { blobsDir + "/" + $0 }
        let layers = FS.list(layersDir).filter { name in
            !name.hasPrefix(".") && name != "empty" && !used.contains(name) && !mounts.contains(layersDir + "/" + name)
        }.map { layersDir + "/" + $0 }
        let task = Task {
            try await offload {
                for p in blobs { unlink(p) }
                for p in layers { try FS.removeTree(p) }
            }
        }
        gcTask = task
        defer { if gcTask == task { gcTask = nil } }
        try await task.value
    }

    private func waitForGC() async {
        while let t = gcTask { _ = try? await t.value; if gcTask == t { gcTask = nil } }
    }
}

extension ImageRecord {
    /// The record of an image whose blobs are all stored: `top` is the digest it is known by (an index's, or
    /// the manifest's), `manifest` the platform manifest's.
    init(top: Digest, manifest: Digest, config: OCIImageStore.Blob, layers: [OCIImageStore.Blob], configFile: ImageConfigFile) {
        self.init(names: [], digest: top.description, manifestDigest: manifest.description, configDigest: config.digest.description,
                  layers: layers.map(\.digest.description), layerMediaTypes: layers.map(\.mediaType), config: configFile.imageConfig,
                  size: config.size + layers.reduce(0) { $0 + $1.size }, created: Date())
    }
}
