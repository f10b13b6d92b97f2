import Foundation

/// A top-level Kubernetes object with `apiVersion`, `kind` and `metadata`, served as one resource.
public protocol KubeObject: Codable, Sendable {
    /// The registry entry of the resource this type is served as.
    static var resourceInfo: ResourceInfo { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }
    var metadata: ObjectMeta { get set }
}

extension KubeObject {
    /// `metadata.name`, or the empty string.
    public var name: String { metadata.name ?? "" }
    /// `metadata.namespace`, or `nil`.
    public var namespace: String? { metadata.namespace }
}

/// A list of objects of one kind (`PodList`), as returned by a list request.
public struct KubeList<T: KubeObject>: Codable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta?
    public var items: [T]

    /// Creates a list; `apiVersion` and `kind` default to those of `T` (`v1`, `PodList`).
    public init(apiVersion: String? = T.resourceInfo.apiVersion, kind: String? = T.resourceInfo.listKind,
                metadata: ListMeta? = nil, items: [T] = []) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.items = items
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, items }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decodeIfPresent(ListMeta.self, forKey: .metadata)
        items = try c.decodeIfPresent([T].self, forKey: .items) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try c.encodeIfPresent(kind, forKey: .kind)
        try c.encode(metadata ?? ListMeta(), forKey: .metadata)
        try c.encode(items, forKey: .items)
    }
}

extension KubeList: Equatable where T: Equatable {}
extension KubeList: Hashable where T: Hashable {}
