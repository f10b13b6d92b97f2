import Foundation
import GantryAPI
import GantryRuntime

/// Media types of the OCI image spec and Docker's schema 2 that the store understands.
enum MediaTypes {
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    static let ociConfig = "application/vnd.oci.image.config.v1+json"
    static let dockerConfig = "application/vnd.docker.container.image.v1+json"

    static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
    static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"

    /// Every manifest type we ask registries for, most preferred first.
    static let manifestAccept = [ociIndex, dockerManifestList, ociManifest, dockerManifest]

    static func isIndex(_ t: String?) -> Bool { t == ociIndex || t == dockerManifestList }
    static func isManifest(_ t: String?) -> Bool { t == ociManifest || t == dockerManifest }

    /// The compression of a layer media type, or nil when the type is not a filesystem layer we can unpack.
    static func layerCompression(_ t: String) -> LayerCompression? {
        switch t {
        case ociLayerTar, "application/vnd.oci.image.layer.nondistributable.v1.tar",
             "application/vnd.docker.image.rootfs.diff.tar":
            return .plain
        case ociLayerGzip, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
             "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
            return .gzip
        case ociLayerZstd, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
            return .zstd
        default:
            return nil
        }
    }
}

/// How a layer blob is compressed.
enum LayerCompression: String, Sendable { case plain, gzip, zstd }

/// An OCI platform (`linux/amd64`).
struct Platform: Codable, Sendable, Hashable {
    var architecture: String
    var os: String
    var variant: String?

    var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    /// The platform of this machine, in OCI/Go naming.
    static let host: Platform = {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: &u.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch machine {
        case "x86_64": return Platform(architecture: "amd64", os: "linux")
        case "aarch64", "arm64": return Platform(architecture: "arm64", os: "linux")
        case "armv7l": return Platform(architecture: "arm", os: "linux", variant: "v7")
        case "i386", "i686": return Platform(architecture: "386", os: "linux")
        default: return Platform(architecture: machine, os: "linux")
        }
    }()
}

/// A content descriptor: what a manifest or index points at.
struct Descriptor: Codable, Sendable, Hashable {
    var mediaType: String?
    var digest: String
    var size: Int64
    var platform: Platform?
    var annotations: [String: String]?
}

/// An image manifest or an index (both decode into this; check `manifests` vs `layers`).
struct ManifestDocument: Codable, Sendable {
    var schemaVersion: Int?
    var mediaType: String?
    var config: Descriptor?
    var layers: [Descriptor]?
    var manifests: [Descriptor]?
    var annotations: [String: String]?
}

/// The parts of an OCI / Docker image config file the store reads.
struct ImageConfigFile: Decodable, Sendable {
    struct Inner: Decodable, Sendable {
        var Entrypoint: [String]?
        var Cmd: [String]?
        var Env: [String]?
        var WorkingDir: String?
        var User: String?
    }
    struct RootFS: Decodable, Sendable {
        var type: String?
        var diff_ids: [String]?
    }
    var architecture: String?
    var os: String?
    var config: Inner?
    var rootfs: RootFS?

    var imageConfig: ImageConfig {
        ImageConfig(entrypoint: config?.Entrypoint, cmd: config?.Cmd, env: config?.Env,
                    workingDir: (config?.WorkingDir).flatMap { $0.isEmpty ? nil : $0 },
                    user: (config?.User).flatMap { $0.isEmpty ? nil : $0 })
    }
}

/// Picks the manifest for `platform` from an index's entries.
func selectPlatform(_ manifests: [Descriptor], platform: Platform = .host) throws -> Descriptor {
    let candidates = manifests.filter { d in
        guard let p = d.platform else { return false }
        return p.os == platform.os && p.architecture == platform.architecture
    }
    if let exact = candidates.first(where: { $0.platform?.variant == platform.variant }) { return exact }
    if let any = candidates.first { return any }
    // An index without platform information and a single image manifest: take it.
    let images = manifests.filter { MediaTypes.isManifest($0.mediaType) || $0.mediaType == nil }
    if images.count == 1, images[0].platform == nil { return images[0] }
    let available = manifests.compactMap { $0.platform?.description }
    throw GantryError(.notFound, "no manifest for platform \(platform.description) in the image index"
        + (available.isEmpty ? "" : " (available: \(available.joined(separator: ", ")))"))
}

/// One image in the store's index file (`images.json`).
struct ImageRecord: Codable, Sendable, Hashable {
    /// Canonical names (`127.0.0.1:5000/web:1`, `docker.io/library/busybox:latest`).
    var names: [String]
    /// The digest the image is known by: the index's when it was pulled through an index, else the manifest's.
    var digest: String
    /// The platform-specific image manifest.
    var manifestDigest: String
    var configDigest: String
    /// Layer blob digests, bottom first.
    var layers: [String]
    var layerMediaTypes: [String]
    var config: ImageConfig
    var size: Int64
    var created: Date

    var stored: StoredImage {
        StoredImage(names: names, digest: digest, layers: layers, config: config, size: size)
    }

    /// Every blob this image needs kept.
    var blobs: Set<String> { Set([digest, manifestDigest, configDigest] + layers) }
}

/// The on-disk index of images.
struct ImageIndexFile: Codable {
    var version = 1
    var images: [ImageRecord]
}
