/// The OpenAPI v3 documents the API serves at `/openapi/v3`, generated from `SchemaCatalog` and the
/// resource registry, shaped like Kubernetes' own `api/openapi-spec/v3` documents.
///
/// kubectl reads them for `apply` (client-side validation, and the patch metadata of strategic merge
/// patches, which it finds through `x-kubernetes-group-version-kind` on operations and schemas) and for
/// `explain`. Documents are built once and cached; their hashes are stable for a given build.
public enum OpenAPIV3 {
    /// The Kubernetes version the documents claim (`info.version`).
    public static let kubernetesVersion = "v1.32.0"

    /// What `GET /openapi/v3` returns: every document path with its `serverRelativeURL` (carrying a content hash).
    public static func index() -> JSONValue { cache.index }

    /// The document served at `/openapi/v3/<path>` (`api/v1`, `apis/apps/v1`, `api`, `apis`, `version`), or `nil`.
    /// A leading `/` or `openapi/v3/` prefix and a `?hash=` query are ignored.
    public static func document(path: String) -> JSONValue? {
        var p = Substring(path)
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        while p.hasPrefix("/") { p = p.dropFirst() }
        if p.hasPrefix("openapi/v3/") { p = p.dropFirst("openapi/v3/".count) }
        while p.hasSuffix("/") { p = p.dropLast() }
        return cache.documents[String(p)]
    }

    /// The document paths served, in index order.
    public static var documentPaths: [String] { cache.paths }

    /// The content hash of a document (upper-case hex of 64-bit FNV-1a over its serialized JSON).
    public static func hash(path: String) -> String? { cache.hashes[path] }

    /// The index with the documents of custom resources' group versions added.
    public static func index(custom documents: [String: JSONValue]) -> JSONValue {
        guard !documents.isEmpty, var paths = cache.index["paths"]?.objectValue else { return cache.index }
        for (path, doc) in documents {
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(fnv1aHex(doc.serialized()))")]
        }
        return ["paths": .object(paths)]
    }

    /// The document of a group version of custom resources: their schemas (`openAPIV3Schema` with
    /// `x-kubernetes-group-version-kind`, `metadata` as ObjectMeta) and paths, as apiextensions-apiserver
    /// publishes them.
    public static func customDocument(_ resources: [ResourceInfo]) -> JSONValue {
        var roots = [metaPrefix + "DeleteOptions", metaPrefix + "Status", metaPrefix + "WatchEvent", metaPrefix + "Patch",
                     metaPrefix + "ObjectMeta", metaPrefix + "ListMeta"]
        if resources.contains(where: { $0.custom?.scale != nil }) { roots.append("io.k8s.api.autoscaling.v1.Scale") }
        var paths = [String: JSONValue]()
        var custom = [String: JSONValue]()
        for r in resources {
            guard let c = r.custom else { continue }
            var schema = c.schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            var props = schema["properties"]?.objectValue ?? [:]
            props["apiVersion"] = ["type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."]
            props["kind"] = ["type": "string", "description": "Kind is a string value representing the REST resource this object represents."]
            props["metadata"] = ["allOf": [ref(metaPrefix + "ObjectMeta")], "description": "Standard object's metadata."]
            schema["properties"] = .object(props)
            schema["x-kubernetes-group-version-kind"] = [["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)]]
            custom[SchemaCatalog.rootTypeName(for: r)] = schema
            custom[SchemaCatalog.listTypeName(for: r)] = [
                "type": "object", "required": ["items"],
                "description": .string("\(r.kind)List is a list of \(r.kind)"),
                "properties": [
                    "apiVersion": ["type": "string"], "kind": ["type": "string"],
                    "items": ["type": "array", "items": ref(SchemaCatalog.rootTypeName(for: r))],
                    "metadata": ["allOf": [ref(metaPrefix + "ListMeta")]],
                ],
                "x-kubernetes-group-version-kind": [["group": .string(r.group), "kind": .string(r.listKind), "version": .string(r.version)]],
            ]
            for (p, item) in resourcePaths(r) { paths[p] = item }
        }
        var doc = header(paths: paths, roots: roots)
        var schemas = doc[path: ["components", "schemas"]]?.objectValue ?? [:]
        for (k, v) in custom { schemas[k] = v }
        doc[path: ["components", "schemas"]] = .object(schemas)
        return doc
    }

    // MARK: - Cache

    private struct Cache: Sendable {
        var documents: [String: JSONValue] = [:]
        var hashes: [String: String] = [:]
        var paths: [String] = []
        var index: JSONValue = .emptyObject
    }

    private static let cache: Cache = {
        var c = Cache()
        var docs: [(String, JSONValue)] = []
        for gv in ResourceInfo.groupVersions {
            let path = gv.group.isEmpty ? "api/\(gv.version)" : "apis/\(gv.group)/\(gv.version)"
            docs.append((path, groupVersionDocument(group: gv.group, version: gv.version)))
        }
        docs.append(("api", discoveryDocument(path: "/api/", operationId: "getCoreAPIVersions", tag: "core",
                                              description: "get available API versions",
                                              schema: "io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions")))
        docs.append(("apis", discoveryDocument(path: "/apis/", operationId: "getAPIVersions", tag: "apis",
                                               description: "get available API versions",
                                               schema: "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList")))
        docs.append(("version", discoveryDocument(path: "/version/", operationId: "getCodeVersion", tag: "version",
                                                  description: "get the version information for this server",
                                                  schema: "io.k8s.apimachinery.pkg.version.Info")))
        var indexPaths = [String: JSONValue]()
        for (path, doc) in docs {
            let h = fnv1aHex(doc.serialized())
            c.documents[path] = doc
            c.hashes[path] = h
            c.paths.append(path)
            indexPaths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(h)")]
        }
        c.index = ["paths": .object(indexPaths)]
        return c
    }()

    static func fnv1aHex(_ data: some Sequence<UInt8>) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let s = String(h, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    // MARK: - Schemas

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    /// The OpenAPI schema of a type expression (no description).
    static func schema(of type: SchemaType) -> JSONValue {
        switch type {
        case .string(let format):
            var o: [String: JSONValue] = ["type": "string"]
            if let format { o["format"] = .string(format) }
            return .object(o)
        case .integer(let format): return ["type": "integer", "format": .string(format)]
        case .number: return ["type": "number", "format": "double"]
        case .boolean: return ["type": "boolean"]
        case .ref(let n): return ref(n)
        case .array(let t): return ["type": "array", "items": schema(of: t)]
        case .map(let t): return ["type": "object", "additionalProperties": schema(of: t)]
        case .freeForm: return ["type": "object"]
        }
    }

    static func gvkList(_ gvks: [GroupVersionKind]) -> JSONValue {
        .array(gvks.map { ["group": .string($0.group), "kind": .string($0.kind), "version": .string($0.version)] })
    }

    /// The component schema of one catalogue definition.
    public static func componentSchema(_ def: SchemaDefinition) -> JSONValue {
        var o = [String: JSONValue]()
        if !def.description.isEmpty { o["description"] = .string(def.description) }
        if let p = def.primitive {
            if case .object(let s) = schema(of: p) { for (k, v) in s { o[k] = v } }
        } else {
            o["type"] = "object"
            var props = [String: JSONValue]()
            for f in def.fields { props[f.name] = fieldSchema(f) }
            o["properties"] = .object(props)
            let req = def.required
            if !req.isEmpty { o["required"] = .array(req.map { .string($0) }) }
        }
        if !def.groupVersionKinds.isEmpty { o["x-kubernetes-group-version-kind"] = gvkList(def.groupVersionKinds) }
        return .object(o)
    }

    /// The property schema of one field: refs with a description sit in `allOf`, as Kubernetes emits them.
    static func fieldSchema(_ f: SchemaField) -> JSONValue {
        var o = [String: JSONValue]()
        if case .ref(let n) = f.type {
            o["allOf"] = [ref(n)]
        } else if case .object(let s) = schema(of: f.type) {
            o = s
        }
        if !f.description.isEmpty { o["description"] = .string(f.description) }
        if !f.enumValues.isEmpty { o["enum"] = .array(f.enumValues.map { .string($0) }) }
        if let s = f.patchStrategy { o["x-kubernetes-patch-strategy"] = .string(s) }
        if let k = f.patchMergeKey { o["x-kubernetes-patch-merge-key"] = .string(k) }
        if let t = f.listType {
            o["x-kubernetes-list-type"] = .string(t)
            if t == "map", !f.listMapKeys.isEmpty {
                o["x-kubernetes-list-map-keys"] = .array(f.listMapKeys.map { .string($0) })
            }
        }
        return .object(o)
    }

    static func components(roots: [String]) -> JSONValue {
        var schemas = [String: JSONValue]()
        for name in SchemaCatalog.closure(of: roots) {
            if let d = SchemaCatalog.definition(named: name) { schemas[name] = componentSchema(d) }
        }
        return ["schemas": .object(schemas)]
    }

    // MARK: - Documents

    static func header(paths: [String: JSONValue], roots: [String]) -> JSONValue {
        [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(kubernetesVersion)],
            "paths": .object(paths),
            "components": components(roots: roots),
        ]
    }

    static func discoveryDocument(path: String, operationId: String, tag: String, description: String,
                                  schema: String) -> JSONValue {
        let op: JSONValue = [
            "description": .string(description),
            "operationId": .string(operationId),
            "responses": [
                "200": ["description": "OK", "content": content(ref(schema), types: ["application/json", "application/yaml"])],
                "401": ["description": "Unauthorized"],
            ],
            "tags": [.string(tag)],
        ]
        return header(paths: [path: ["get": op]], roots: [schema])
    }

    static let metaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1."

    /// The document of one served group version.
    static func groupVersionDocument(group: String, version: String) -> JSONValue {
        let resources = ResourceInfo.all.filter { $0.group == group && $0.version == version }
        var roots = [metaPrefix + "DeleteOptions", metaPrefix + "Status", metaPrefix + "WatchEvent", metaPrefix + "Patch"]
        var paths = [String: JSONValue]()
        for r in resources {
            roots.append(SchemaCatalog.rootTypeName(for: r))
            if r.stored { roots.append(SchemaCatalog.listTypeName(for: r)) }
            for sub in r.subresources where ["scale", "binding", "token"].contains(sub) {
                roots.append(SchemaCatalog.rootTypeName(for: r, subresource: sub))
            }
            for (p, item) in resourcePaths(r) { paths[p] = item }
        }
        return header(paths: paths, roots: roots)
    }

    static func content(_ schema: JSONValue, types: [String]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: types.map { ($0, ["schema": schema]) }))
    }

    static let objectTypes = ["application/json", "application/yaml"]
    static let listTypes = ["application/json", "application/yaml", "application/json;stream=watch"]

    static func param(_ name: String, _ description: String, in location: String = "query", type: String = "string",
                      required: Bool = false) -> JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(name), "in": .string(location), "description": .string(description),
            "schema": ["type": .string(type), "uniqueItems": true],
        ]
        if required { o["required"] = true }
        return .object(o)
    }

    static let pretty = param("pretty", "If 'true', then the output is pretty printed.")
    static let namespaceParam = param("namespace", "object name and auth scope, such as for teams and projects",
                                      in: "path", required: true)
    static let dryRun = param("dryRun", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed")
    static let fieldManager = param("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes.")
    static let fieldValidation = param("fieldValidation", "fieldValidation determines how the server should respond to unknown/duplicate fields in the object in the request. Valid values are: - Ignore: ignores unknown/duplicate fields. - Warn: responds with a warning for each unknown/duplicate field, but successfully serves the request. - Strict: fails the request on unknown/duplicate fields.")
    static let force = param("force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.", type: "boolean")
    static let writeParams = [dryRun, fieldManager, fieldValidation]
    static let listParams: [JSONValue] = [
        param("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", type: "boolean"),
        param("continue", "The continue option should be set when retrieving more results from the server."),
        param("fieldSelector", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        param("labelSelector", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        param("limit", "limit is a maximum number of responses to return for a list call.", type: "integer"),
        param("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from."),
        param("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
        param("sendInitialEvents", "`sendInitialEvents=true` may be set together with `watch=true`.", type: "boolean"),
        param("timeoutSeconds", "Timeout for the list/watch call.", type: "integer"),
        param("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", type: "boolean"),
    ]
    static let deleteParams: [JSONValue] = [
        dryRun,
        param("gracePeriodSeconds", "The duration in seconds before the object should be deleted. Zero means delete immediately.", type: "integer"),
        param("orphanDependents", "Deprecated: please use the PropagationPolicy.", type: "boolean"),
        param("propagationPolicy", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
    ]

    static func groupVersionCamel(_ r: ResourceInfo) -> String {
        let g = r.group.isEmpty ? "core" : String(r.group.split(separator: ".").first!)
        return g.prefix(1).uppercased() + g.dropFirst() + r.version.prefix(1).uppercased() + r.version.dropFirst()
    }

    static func tag(_ r: ResourceInfo) -> String {
        let g = r.group.isEmpty ? "core" : String(r.group.split(separator: ".").first!)
        return "\(g)_\(r.version)"
    }

    static func gvk(_ group: String, _ version: String, _ kind: String) -> JSONValue {
        ["group": .string(group), "kind": .string(kind), "version": .string(version)]
    }

    static func operation(action: String, id: String, description: String, gvk: JSONValue, params: [JSONValue],
                          body: JSONValue?, responses: [(String, String, JSONValue, [String])], tag: String) -> JSONValue {
        var o: [String: JSONValue] = [
            "description": .string(description),
            "operationId": .string(id),
            "x-kubernetes-action": .string(action),
            "x-kubernetes-group-version-kind": gvk,
            "tags": [.string(tag)],
        ]
        if !params.isEmpty { o["parameters"] = .array(params) }
        if let body { o["requestBody"] = body }
        var resp: [String: JSONValue] = ["401": ["description": "Unauthorized"]]
        for (code, desc, schema, types) in responses {
            resp[code] = ["description": .string(desc), "content": content(schema, types: types)]
        }
        o["responses"] = .object(resp)
        return .object(o)
    }

    static func jsonBody(_ schema: JSONValue) -> JSONValue {
        ["content": content(schema, types: ["application/json", "application/yaml"]), "required": true]
    }

    static let patchBody: JSONValue = [
        "content": content(ref(metaPrefix + "Patch"), types: PatchType.allCases.map(\.rawValue)),
        "required": true,
    ]
    /// A custom resource's patch body: no strategic merge patch (kubectl then sends JSON merge patches).
    static let customPatchBody: JSONValue = [
        "content": content(ref(metaPrefix + "Patch"), types: PatchType.allCases.filter { $0 != .strategic }.map(\.rawValue)),
        "required": true,
    ]

    /// The path items of one resource: collection, item, all-namespaces list and subresources.
    static func resourcePaths(_ r: ResourceInfo) -> [(String, JSONValue)] {
        let base = r.group.isEmpty ? "/api/\(r.version)" : "/apis/\(r.group)/\(r.version)"
        let patchBody = r.custom == nil ? Self.patchBody : Self.customPatchBody
        let gv = groupVersionCamel(r)
        let scope = r.namespaced ? "Namespaced" : ""
        let kindGVK = gvk(r.group, r.version, r.kind)
        let obj = ref(SchemaCatalog.rootTypeName(for: r))
        let list = ref(SchemaCatalog.listTypeName(for: r))
        let status = ref(metaPrefix + "Status")
        let t = tag(r)
        let collection = r.namespaced ? "\(base)/namespaces/{namespace}/\(r.plural)" : "\(base)/\(r.plural)"
        let item = collection + "/{name}"
        let scopeParams: [JSONValue] = r.namespaced ? [namespaceParam] : []
        let nameParam = param("name", "name of the \(r.kind)", in: "path", required: true)
        var out = [(String, JSONValue)]()
        if !r.stored {
            // A review is only ever created, and answered in the response.
            return [(collection, .object([
                "parameters": .array(scopeParams + [pretty]),
                "post": operation(action: "post", id: "create\(gv)\(scope)\(r.kind)", description: "create a \(r.kind)",
                                  gvk: kindGVK, params: writeParams, body: jsonBody(obj),
                                  responses: [("200", "OK", obj, objectTypes), ("201", "Created", obj, objectTypes),
                                              ("202", "Accepted", obj, objectTypes)], tag: t),
            ]))]
        }

        out.append((collection, .object([
            "parameters": .array(scopeParams + [pretty]),
            "get": operation(action: "list", id: "list\(gv)\(scope)\(r.kind)",
                             description: "list or watch objects of kind \(r.kind)", gvk: kindGVK, params: listParams,
                             body: nil, responses: [("200", "OK", list, listTypes)], tag: t),
            "post": operation(action: "post", id: "create\(gv)\(scope)\(r.kind)", description: "create a \(r.kind)",
                              gvk: kindGVK, params: writeParams, body: jsonBody(obj),
                              responses: [("200", "OK", obj, objectTypes), ("201", "Created", obj, objectTypes),
                                          ("202", "Accepted", obj, objectTypes)], tag: t),
            "delete": operation(action: "deletecollection", id: "delete\(gv)Collection\(scope)\(r.kind)",
                                description: "delete collection of \(r.kind)", gvk: kindGVK,
                                params: deleteParams + listParams.filter { $0["name"] != "watch" && $0["name"] != "allowWatchBookmarks" },
                                body: ["content": content(ref(metaPrefix + "DeleteOptions"), types: ["application/json"])],
                                responses: [("200", "OK", status, objectTypes)], tag: t),
        ])))

        out.append((item, .object([
            "parameters": .array([nameParam] + scopeParams + [pretty]),
            "get": operation(action: "get", id: "read\(gv)\(scope)\(r.kind)", description: "read the specified \(r.kind)",
                             gvk: kindGVK, params: [], body: nil, responses: [("200", "OK", obj, objectTypes)], tag: t),
            "put": operation(action: "put", id: "replace\(gv)\(scope)\(r.kind)",
                             description: "replace the specified \(r.kind)", gvk: kindGVK, params: writeParams,
                             body: jsonBody(obj),
                             responses: [("200", "OK", obj, objectTypes), ("201", "Created", obj, objectTypes)], tag: t),
            "patch": operation(action: "patch", id: "patch\(gv)\(scope)\(r.kind)",
                               description: "partially update the specified \(r.kind)", gvk: kindGVK,
                               params: writeParams + [force], body: patchBody,
                               responses: [("200", "OK", obj, objectTypes), ("201", "Created", obj, objectTypes)], tag: t),
            "delete": operation(action: "delete", id: "delete\(gv)\(scope)\(r.kind)",
                                description: "delete a \(r.kind)", gvk: kindGVK, params: deleteParams,
                                body: ["content": content(ref(metaPrefix + "DeleteOptions"), types: ["application/json"])],
                                responses: [("200", "OK", status, objectTypes), ("202", "Accepted", status, objectTypes)],
                                tag: t),
        ])))

        if r.namespaced {
            out.append(("\(base)/\(r.plural)", .object([
                "parameters": .array(listParams + [pretty]),
                "get": operation(action: "list", id: "list\(gv)\(r.kind)ForAllNamespaces",
                                 description: "list or watch objects of kind \(r.kind)", gvk: kindGVK, params: [],
                                 body: nil, responses: [("200", "OK", list, listTypes)], tag: t),
            ])))
        }

        for sub in r.subresources {
            let path = "\(item)/\(sub)"
            let params = JSONValue.array([nameParam] + scopeParams + [pretty])
            switch sub {
            case "status", "scale":
                let isScale = sub == "scale"
                let subGVK = isScale ? gvk("autoscaling", "v1", "Scale") : kindGVK
                let subObj = isScale ? ref(SchemaCatalog.rootTypeName(for: r, subresource: "scale")) : obj
                let suffix = isScale ? "Scale" : "Status"
                let what = isScale ? "scale" : "status"
                out.append((path, .object([
                    "parameters": params,
                    "get": operation(action: "get", id: "read\(gv)\(scope)\(r.kind)\(suffix)",
                                     description: "read \(what) of the specified \(r.kind)", gvk: subGVK, params: [],
                                     body: nil, responses: [("200", "OK", subObj, objectTypes)], tag: t),
                    "put": operation(action: "put", id: "replace\(gv)\(scope)\(r.kind)\(suffix)",
                                     description: "replace \(what) of the specified \(r.kind)", gvk: subGVK,
                                     params: writeParams, body: jsonBody(subObj),
                                     responses: [("200", "OK", subObj, objectTypes), ("201", "Created", subObj, objectTypes)],
                                     tag: t),
                    "patch": operation(action: "patch", id: "patch\(gv)\(scope)\(r.kind)\(suffix)",
                                       description: "partially update \(what) of the specified \(r.kind)", gvk: subGVK,
                                       params: writeParams + [force], body: patchBody,
                                       responses: [("200", "OK", subObj, objectTypes), ("201", "Created", subObj, objectTypes)],
                                       tag: t),
                ])))
            case "binding":
                let binding = ref(SchemaCatalog.rootTypeName(for: r, subresource: "binding"))
                out.append((path, .object([
                    "parameters": params,
                    "post": operation(action: "post", id: "create\(gv)\(scope)\(r.kind)Binding",
                                      description: "create binding of a \(r.kind)", gvk: gvk("", "v1", "Binding"),
                                      params: writeParams, body: jsonBody(binding),
                                      responses: [("200", "OK", binding, objectTypes), ("201", "Created", binding, objectTypes),
                                                  ("202", "Accepted", binding, objectTypes)], tag: t),
                ])))
            default:
                continue  // log, exec, eviction, finalize: not described
            }
        }
        return out
    }
}
