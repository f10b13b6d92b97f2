import Foundation
import GantryAPI

/// A kubeconfig file (clientcmd's `Config`), read for the current (or a named) context: the server, the CA to trust,
/// and the user's client certificate or token. `*-data` fields are base64; file paths are relative to the file.
public struct Kubeconfig: Sendable {
    public var server: String
    public var credentials: ClientCredentials
    /// The context's default namespace (nil if it sets none).
    public var namespace: String?
    /// Every API server of the cluster, when there are several (a cluster extension `gantry.io/servers`, which
    /// kubectl ignores and the gantry CLI fails over among); `server` comes first.
    public var servers: [String] = []

    /// The cluster extension that lists every server.
    public static let serversExtension = "gantry.io/servers"

    public init(server: String, credentials: ClientCredentials, namespace: String? = nil, servers: [String] = []) {
        self.server = server
        self.credentials = credentials
        self.namespace = namespace
        self.servers = servers
    }

    /// Reads `path`; `context` picks a context other than the current one.
    public static func load(path: String, context: String? = nil) throws -> Kubeconfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw GantryError(.invalid, "cannot read the kubeconfig \(path)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, source: path, baseDirectory: base, context: context)
    }

    /// Parses kubeconfig text.
    public static func parse(_ text: String, source: String = "kubeconfig", baseDirectory: String = ".",
                             context: String? = nil) throws -> Kubeconfig {
        guard let doc = try Manifest.decode(text, source: source).first else {
            throw GantryError(.invalid, "\(source) is empty")
        }
        func named(_ list: String, _ name: String) -> JSONValue? {
            doc[list]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        guard let contextName = context ?? doc["current-context"]?.stringValue, !contextName.isEmpty else {
            throw GantryError(.invalid, "\(source) has no current-context")
        }
        guard let ctx = named("contexts", contextName)?["context"] else {
            throw GantryError(.invalid, "\(source) has no context \"\(contextName)\"")
        }
        let clusterName = ctx["cluster"]?.stringValue ?? ""
        guard let cluster = named("clusters", clusterName)?["cluster"], let server = cluster["server"]?.stringValue else {
            throw GantryError(.invalid, "\(source): context \"\(contextName)\" names no cluster with a server")
        }
        let user = ctx["user"]?.stringValue.flatMap { named("users", $0)?["user"] } ?? .emptyObject
        func material(_ obj: JSONValue, data: String, file: String) throws -> String? {
            if let d = obj[data]?.stringValue, !d.isEmpty {
                guard let bytes = Data(base64Encoded: d) else { throw GantryError(.invalid, "\(source): \(data) is not base64") }
                return String(decoding: bytes, as: UTF8.self)
            }
            if let f = obj[file]?.stringValue, !f.isEmpty {
                let p = f.hasPrefix("/") ? f : baseDirectory + "/" + f
                guard let s = try? String(contentsOfFile: p, encoding: .utf8) else {
                    throw GantryError(.invalid, "\(source): cannot read \(file) \(p)")
                }
                return s
            }
            return nil
        }
        var c = ClientCredentials()
        c.caPEM = try material(cluster, data: "certificate-authority-data", file: "certificate-authority")
        c.insecureSkipVerify = cluster["insecure-skip-tls-verify"]?.boolValue ?? false
        c.certificatePEM = try material(user, data: "client-certificate-data", file: "client-certificate")
        c.keyPEM = try material(user, data: "client-key-data", file: "client-key")
        c.token = user["token"]?.stringValue
        if let f = user["tokenFile"]?.stringValue, !f.isEmpty { c.tokenFile = f.hasPrefix("/") ? f : baseDirectory + "/" + f }
        let listed = (cluster["extensions"]?.arrayValue ?? []).first { $0["name"]?.stringValue == serversExtension }?[path: ["extension", "servers"]]
        let servers = (listed?.arrayValue ?? []).compactMap(\.stringValue)
        return Kubeconfig(server: server, credentials: c, namespace: ctx["namespace"]?.stringValue, servers: servers)
    }

    /// The kubeconfig as YAML, with the CA and client certificate embedded, named `name` throughout.
    public func yaml(name: String = "gantry") -> String {
        var cluster: [String: JSONValue] = ["server": .string(server)]
        if let ca = credentials.caPEM { cluster["certificate-authority-data"] = .string(Data(ca.utf8).base64EncodedString()) }
        if credentials.insecureSkipVerify { cluster["insecure-skip-tls-verify"] = true }
        if servers.count > 1 {
            cluster["extensions"] = [["name": .string(Self.serversExtension),
                                      "extension": ["servers": .array(servers.map { .string($0) })]]]
        }
        var user: [String: JSONValue] = [:]
        if let cert = credentials.certificatePEM { user["client-certificate-data"] = .string(Data(cert.utf8).base64EncodedString()) }
        if let key = credentials.keyPEM { user["client-key-data"] = .string(Data(key.utf8).base64EncodedString()) }
        if let token = credentials.token { user["token"] = .string(token) }
        if let f = credentials.tokenFile { user["tokenFile"] = .string(f) }
        var context: [String: JSONValue] = ["cluster": .string(name), "user": .string(name)]
        if let namespace { context["namespace"] = .string(namespace) }
        let doc: JSONValue = [
            "apiVersion": "v1", "kind": "Config",
            "clusters": [["name": .string(name), "cluster": .object(cluster)]],
            "users": [["name": .string(name), "user": .object(user)]],
            "contexts": [["name": .string(name), "context": .object(context)]],
            "current-context": .string(name),
            "preferences": .emptyObject,
        ]
        return Manifest.yaml(doc)
    }

    /// The in-cluster configuration a pod gets: `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted ServiceAccount
    /// token and CA, or nil outside a pod.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 directory: String = "/var/run/secrets/kubernetes.io/serviceaccount") -> Kubeconfig? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"],
              let ca = try? String(contentsOfFile: directory + "/ca.crt", encoding: .utf8)
        else { return nil }
        let h = host.contains(":") ? "[\(host)]" : host
        let ns = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Kubeconfig(server: "https://\(h):\(port)",
                          credentials: ClientCredentials(caPEM: ca, tokenFile: directory + "/token"), namespace: ns)
    }
}
