/// The schema of every API type Gantry serves, as data.
///
/// The catalogue drives four things: the OpenAPI v3 documents (`OpenAPIV3`), strategic merge patch
/// (`Patch`, which needs each list's merge strategy and key), strict field validation
/// (`FieldValidation`) and `kubectl explain` (through OpenAPI). Types carry their Kubernetes
/// OpenAPI names (`io.k8s.api.core.v1.Pod`), so documents and clients line up with Kubernetes.
///
/// The catalogue is written in a compact line-oriented text DSL (see `SchemaDSL`), one file per
/// API group (`SchemaCatalog+Core.swift`, ...), parsed once on first use.

// MARK: - Model

/// The type of a field or of a named primitive type.
public indirect enum SchemaType: Sendable, Hashable {
    /// A string, with an optional OpenAPI `format` (`byte`, `date-time`, `int-or-string`).
    case string(format: String?)
    /// An integer with format `int32` or `int64`.
    case integer(format: String)
    /// A floating point number (format `double`).
    case number
    case boolean
    /// A named type of the catalogue (`io.k8s.api.core.v1.Container`).
    case ref(String)
    /// A JSON array of elements of one type.
    case array(SchemaType)
    /// A JSON object with arbitrary keys and values of one type (`labels`, `resources.limits`).
    case map(SchemaType)
    /// An object of any shape (`RawExtension`, `FieldsV1`): anything is accepted.
    case freeForm

    /// The referenced type name, looking through arrays and maps.
    public var referencedName: String? {
        switch self {
        case .ref(let n): return n
        case .array(let t), .map(let t): return t.referencedName
        default: return nil
        }
    }
}

/// One field of an object type, with the Kubernetes patch metadata of lists.
public struct SchemaField: Sendable, Hashable {
    /// The JSON name.
    public var name: String
    public var type: SchemaType
    /// A one-line description.
    public var description: String
    /// Whether the field is required.
    public var required: Bool
    /// `x-kubernetes-patch-strategy`: `merge`, `retainKeys`, `merge,retainKeys`, or `nil` (replace).
    public var patchStrategy: String?
    /// `x-kubernetes-patch-merge-key`: the key identifying list elements in a strategic merge.
    public var patchMergeKey: String?
    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    public var listType: String?
    /// `x-kubernetes-list-map-keys` for `listType == "map"`.
    public var listMapKeys: [String]
    /// Allowed values, if the field is an enum.
    public var enumValues: [String]

    public init(name: String, type: SchemaType, description: String, required: Bool = false,
                patchStrategy: String? = nil, patchMergeKey: String? = nil, listType: String? = nil,
                listMapKeys: [String] = [], enumValues: [String] = []) {
        self.name = name
        self.type = type
        self.description = description
        self.required = required
        self.patchStrategy = patchStrategy
        self.patchMergeKey = patchMergeKey
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.enumValues = enumValues
    }

    /// Whether a strategic merge patch merges this list (rather than replacing it).
    public var mergesList: Bool {
        patchStrategy?.split(separator: ",").contains("merge") ?? false
    }
}

/// A group, version and kind, as in `x-kubernetes-group-version-kind`.
public struct GroupVersionKind: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }
    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
}

/// A named type of the catalogue: an object with fields, or a named primitive (Quantity, Time).
public struct SchemaDefinition: Sendable, Hashable {
    /// The Kubernetes OpenAPI name (`io.k8s.api.core.v1.PodSpec`).
    public var name: String
    public var description: String
    /// The fields of an object type, in declaration order; empty for primitives and free-form objects.
    public var fields: [SchemaField]
    /// For a named primitive (`Quantity`, `IntOrString`, `Time`), its type; `nil` for object types.
    public var primitive: SchemaType?
    /// Kinds this type is the schema of (top-level kinds and lists).
    public var groupVersionKinds: [GroupVersionKind]

    public init(name: String, description: String, fields: [SchemaField] = [], primitive: SchemaType? = nil,
                groupVersionKinds: [GroupVersionKind] = []) {
        self.name = name
        self.description = description
        self.fields = fields
        self.primitive = primitive
        self.groupVersionKinds = groupVersionKinds
    }

    /// The names of the required fields.
    public var required: [String] { fields.filter(\.required).map(\.name) }

    /// The field named `name`, if any.
    public func field(_ name: String) -> SchemaField? { fields.first { $0.name == name } }

    /// The short name (`PodSpec`).
    public var shortName: String { String(name.split(separator: ".").last ?? Substring(name)) }
}

// MARK: - Catalogue

/// The catalogue of API types: lookups by name and by kind.
public enum SchemaCatalog {
    /// Every definition, by full name.
    public static let definitions: [String: SchemaDefinition] = {
        var sources = [metaSchemaSource, coreSchemaSource, coreSchemaSource2, workloadsSchemaSource, securitySchemaSource, networkingSchemaSource, policiesSchemaSource, extensionsSchemaSource, storageSchemaSource, metricsSchemaSource, autoscalingSchemaSource]
        sources.append(contentsOf: [])
        var out = [String: SchemaDefinition]()
        for src in sources {
            for def in SchemaDSL.parse(src) {
                precondition(out[def.name] == nil, "schema type \(def.name) defined twice")
                out[def.name] = def
            }
        }
        return out
    }()

    /// The definition named `name` (full OpenAPI name).
    public static func definition(named name: String) -> SchemaDefinition? { definitions[name] }

    /// The definition carrying the group-version-kind `apiVersion`/`kind`, if any.
    public static func definition(apiVersion: String, kind: String) -> SchemaDefinition? {
        byGVK[apiVersion + "/" + kind].flatMap { definitions[$0] }
    }

    private static let byGVK: [String: String] = {
        var m = [String: String]()
        for d in definitions.values {
            for g in d.groupVersionKinds { m[g.apiVersion + "/" + g.kind] = d.name }
        }
        return m
    }()

    /// The OpenAPI type name of a resource's objects (`io.k8s.api.apps.v1.Deployment`), or of one of its
    /// subresources: `scale` is `io.k8s.api.autoscaling.v1.Scale`, `binding` is `io.k8s.api.core.v1.Binding`,
    /// `status` is the resource's own type.
    public static func rootTypeName(for resource: ResourceInfo, subresource: String? = nil) -> String {
        switch subresource {
        case "scale": return "io.k8s.api.autoscaling.v1.Scale"
        case "binding": return "io.k8s.api.core.v1.Binding"
        case "token": return "io.k8s.api.authentication.v1.TokenRequest"
        default: break
        }
        if resource.custom != nil { return customTypeName(resource, resource.kind) }
        if let d = definition(apiVersion: resource.apiVersion, kind: resource.kind) { return d.name }
        return "\(packagePrefix(group: resource.group, version: resource.version))\(resource.kind)"
    }

    /// The OpenAPI type name of a resource's list kind (`io.k8s.api.core.v1.PodList`).
    public static func listTypeName(for resource: ResourceInfo) -> String {
        if resource.custom != nil { return customTypeName(resource, resource.listKind) }
        if let d = definition(apiVersion: resource.apiVersion, kind: resource.listKind) { return d.name }
        return "\(packagePrefix(group: resource.group, version: resource.version))\(resource.listKind)"
    }

    /// `io.k8s.api.core.v1.` for the core group, `io.k8s.api.coordination.v1.` for `coordination.k8s.io`.
    /// A custom resource's OpenAPI type name, as apiextensions-apiserver names it: the group reversed
    /// (`com.example.stable.v1.CronTab`).
    public static func customTypeName(_ r: ResourceInfo, _ kind: String) -> String {
        r.group.split(separator: ".").reversed().joined(separator: ".") + ".\(r.version).\(kind)"
    }

    public static func packagePrefix(group: String, version: String) -> String {
        let pkg = group.isEmpty ? "core" : String(group.split(separator: ".").first!)
        return "io.k8s.api.\(pkg).\(version)."
    }

    /// Resolves a type through named primitives: a `.ref` to `Quantity` becomes `.string`, other refs stay.
    public static func resolve(_ type: SchemaType) -> SchemaType {
        if case .ref(let n) = type, let d = definitions[n], let p = d.primitive { return p }
        return type
    }

    /// The object definition a type refers to (`nil` for primitives, arrays, maps, free-form).
    public static func objectDefinition(_ type: SchemaType?) -> SchemaDefinition? {
        guard let type, case .ref(let n) = type, let d = definitions[n], d.primitive == nil else { return nil }
        return d
    }

    /// Every type name reachable from `roots` (including the roots).
    public static func closure(of roots: [String]) -> Set<String> {
        var seen = Set<String>()
        var stack = roots
        while let n = stack.popLast() {
            guard !seen.contains(n), let d = definitions[n] else { continue }
            seen.insert(n)
            for f in d.fields { if let r = f.type.referencedName { stack.append(r) } }
            if let r = d.primitive?.referencedName { stack.append(r) }
        }
        return seen
    }
}

// MARK: - DSL

/// The text form of the catalogue.
///
/// ```
/// # comment
/// @core.Container | A single application container that you want to run within a pod.
///   name string req | Name of the container specified as a DNS_LABEL.
///   ports []core.ContainerPort patch=merge key=containerPort list=map keys=containerPort,protocol | Ports to expose.
///   resources core.ResourceRequirements | Compute resources required by this container.
/// @quantity = string | Quantity is a fixed-point representation of a number (`500m`, `128Mi`).
/// @apps.Deployment gvk=apps/v1/Deployment | Deployment enables declarative updates for Pods and ReplicaSets.
/// ```
///
/// A header line starts with `@NAME`; `@NAME = TYPE` declares a named primitive. Field lines are indented:
/// `NAME TYPE [options] | description`. Types: `string`, `byte` (base64 string), `int32`, `int64`,
/// `double`, `boolean`, `object` (free-form), `quantity`, `intstr`, `time`, `microtime`, `[]T` (array),
/// `{}T` (map), or a type name. Name prefixes `core.`, `apps.`, `batch.`, `coord.`, `discovery.`, `autoscaling.`,
/// `policy.`, `networking.`, `scheduling.`, `storage.`, `events.`, `apiextensions.`, `certificates.`, `rbac.`, `authentication.`, `authorization.`, `meta.`, `runtime.`, `version.` expand to the Kubernetes package names. Options: `req`,
/// `patch=STRATEGY`, `key=MERGEKEY`, `list=atomic|set|map`, `keys=K1,K2`, `enum=A,B`, `format=F`, and on
/// headers `gvk=GROUP/VERSION/KIND` (`gvk=v1/Pod` for the core group; repeatable).
public enum SchemaDSL {
    static let prefixes: [(String, String)] = [
        ("core.", "io.k8s.api.core.v1."),
        ("apps.", "io.k8s.api.apps.v1."),
        ("batch.", "io.k8s.api.batch.v1."),
        ("coord.", "io.k8s.api.coordination.v1."),
        ("discovery.", "io.k8s.api.discovery.v1."),
        ("autoscaling.", "io.k8s.api.autoscaling.v1."),
        ("autoscaling2.", "io.k8s.api.autoscaling.v2."),
        ("policy.", "io.k8s.api.policy.v1."),
        ("networking.", "io.k8s.api.networking.v1."),
        ("scheduling.", "io.k8s.api.scheduling.v1."),
        ("storage.", "io.k8s.api.storage.v1."),
        ("events.", "io.k8s.api.events.v1."),
        ("apiextensions.", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."),
        ("certificates.", "io.k8s.api.certificates.v1."),
        ("rbac.", "io.k8s.api.rbac.v1."),
        ("authentication.", "io.k8s.api.authentication.v1."),
        ("authorization.", "io.k8s.api.authorization.v1."),
        ("meta.", "io.k8s.apimachinery.pkg.apis.meta.v1."),
        ("runtime.", "io.k8s.apimachinery.pkg.runtime."),
        ("version.", "io.k8s.apimachinery.pkg.version."),
        ("metrics.", "io.k8s.metrics.pkg.apis.metrics.v1beta1."),
    ]

    static let aliases: [String: String] = [
        "quantity": "io.k8s.apimachinery.pkg.api.resource.Quantity",
        "intstr": "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        "time": "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
        "microtime": "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    ]

    /// Expands a short type name (`core.Pod`, `quantity`) to the full OpenAPI name.
    public static func expand(_ name: String) -> String {
        if let a = aliases[name] { return a }
        for (p, full) in prefixes where name.hasPrefix(p) { return full + name.dropFirst(p.count) }
        return name
    }

    /// Parses a type expression (`[]core.Container`, `{}quantity`, `int32`).
    public static func parseType(_ s: String, format: String? = nil) -> SchemaType {
        if s.hasPrefix("[]") { return .array(parseType(String(s.dropFirst(2)))) }
        if s.hasPrefix("{}") { return .map(parseType(String(s.dropFirst(2)))) }
        switch s {
        case "string": return .string(format: format)
        case "byte": return .string(format: "byte")
        case "int32": return .integer(format: "int32")
        case "int64": return .integer(format: "int64")
        case "double": return .number
        case "boolean": return .boolean
        case "object": return .freeForm
        default: return .ref(expand(s))
        }
    }

    /// Parses catalogue text into definitions, in order. Malformed lines are programming errors (trap).
    public static func parse(_ text: String) -> [SchemaDefinition] {
        var defs = [SchemaDefinition]()
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(rawLine)
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var spec = Substring(trimmed)
            var desc = ""
            if let bar = trimmed.range(of: " | ") {
                spec = trimmed[..<bar.lowerBound]
                desc = String(trimmed[bar.upperBound...])
            } else if trimmed.hasSuffix(" |") {
                spec = trimmed.dropLast(2)
            }
            var tokens = spec.split(separator: " ").map(String.init)
            if line.hasPrefix("@") {
                let name = expand(String(tokens.removeFirst().dropFirst()))
                var def = SchemaDefinition(name: name, description: desc)
                var format: String?
                var primitiveType: String?
                var i = 0
                while i < tokens.count {
                    let t = tokens[i]
                    if t == "=" {
                        primitiveType = tokens[i + 1]
                        i += 2
                        continue
                    }
                    let (k, v) = option(t)
                    switch k {
                    case "gvk":
                        let parts = v.split(separator: "/").map(String.init)
                        if parts.count == 2 {
                            def.groupVersionKinds.append(GroupVersionKind(group: "", version: parts[0], kind: parts[1]))
                        } else {
                            precondition(parts.count == 3, "bad gvk in \(line)")
                            def.groupVersionKinds.append(GroupVersionKind(group: parts[0], version: parts[1], kind: parts[2]))
                        }
                    case "format": format = v
                    default: preconditionFailure("unknown header option \(t) in \(line)")
                    }
                    i += 1
                }
                if let primitiveType { def.primitive = parseType(primitiveType, format: format) }
                defs.append(def)
            } else {
                precondition(!defs.isEmpty && tokens.count >= 2, "field outside a type: \(line)")
                let name = tokens[0]
                var field = SchemaField(name: name, type: .freeForm, description: desc)
                var format: String?
                for t in tokens.dropFirst(2) {
                    let (k, v) = option(t)
                    switch k {
                    case "req": field.required = true
                    case "patch": field.patchStrategy = v
                    case "key": field.patchMergeKey = v
                    case "list": field.listType = v
                    case "keys": field.listMapKeys = v.split(separator: ",").map(String.init)
                    case "enum": field.enumValues = v.split(separator: ",").map(String.init)
                    case "format": format = v
                    default: preconditionFailure("unknown field option \(t) in \(line)")
                    }
                }
                field.type = parseType(tokens[1], format: format)
                // A merge key implies a map list keyed by it, unless said otherwise.
                if field.patchMergeKey != nil, field.listType == nil {
                    field.listType = "map"
                    if field.listMapKeys.isEmpty { field.listMapKeys = [field.patchMergeKey!] }
                }
                defs[defs.count - 1].fields.append(field)
            }
        }
        return defs
    }

    private static func option(_ t: String) -> (String, String) {
        guard let eq = t.firstIndex(of: "=") else { return (t, "") }
        return (String(t[..<eq]), String(t[t.index(after: eq)...]))
    }
}
