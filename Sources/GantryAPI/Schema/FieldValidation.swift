/// Server-side field validation (`?fieldValidation=Strict|Warn`): finds the fields of a request body that the
/// schema does not know, so the API server can reject them (Strict) or warn about them (Warn).
///
/// Paths are formatted as Kubernetes formats them (`spec.template.spec.containers[0].imagee`), so
/// `strictDecodingMessage` reads exactly like Kubernetes' `strict decoding error: unknown field "..."`.
/// Map-typed fields (`labels`, `data`, `nodeSelector`, `resources.limits`) accept any key and free-form
/// fields accept anything; values of the wrong JSON type are not reported here (that is validation's job).
public enum FieldValidation {
    /// Top-level fields accepted on every kind.
    static let alwaysKnownRootFields: Set<String> = ["apiVersion", "kind", "metadata", "spec", "status"]

    /// Every unknown field of `object`, an object of `resource` (or of its `subresource`: `scale`, `binding`,
    /// `status`), in a stable order.
    public static func unknownFields(in object: JSONValue, resource: ResourceInfo, subresource: String? = nil) -> [String] {
        if let custom = resource.custom, subresource == nil || subresource == "status" {
            // A custom object: what its schema prunes, and unknown metadata fields.
            var copy = object
            let pruned = custom.schema.map { StructuralSchema.prune(&copy, schema: $0) } ?? []
            let meta = unknownFields(in: object["metadata"] ?? .emptyObject, typeName: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            return (meta.map { "metadata.\($0)" } + pruned).sorted()
        }
        return unknownFields(in: object, typeName: SchemaCatalog.rootTypeName(for: resource, subresource: subresource))
    }

    /// Every unknown field of `object`, an object of catalogue type `typeName`. An unknown type reports nothing.
    public static func unknownFields(in object: JSONValue, typeName: String) -> [String] {
        guard let def = SchemaCatalog.definition(named: typeName), def.primitive == nil,
              case .object(let o) = object else { return [] }
        var out = [String]()
        for k in o.keys.sorted() {
            if let f = def.field(k) {
                walk(o[k]!, type: f.type, path: k, into: &out)
            } else if !alwaysKnownRootFields.contains(k) {
                out.append(k)
            }
        }
        return out
    }

    /// `strict decoding error: unknown field "a", unknown field "b"`, as Kubernetes words a Strict rejection
    /// (and, per field, its `Warn` warnings: `unknown field "a"`).
    public static func strictDecodingMessage(_ unknown: [String]) -> String {
        "strict decoding error: " + unknown.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
    }

    static func walk(_ value: JSONValue, type: SchemaType, path: String, into out: inout [String]) {
        switch SchemaCatalog.resolve(type) {
        case .ref(let name):
            guard let def = SchemaCatalog.definition(named: name), def.primitive == nil,
                  case .object(let o) = value else { return }
            for k in o.keys.sorted() {
                let p = path.isEmpty ? k : "\(path).\(k)"
                if let f = def.field(k) {
                    walk(o[k]!, type: f.type, path: p, into: &out)
                } else {
                    out.append(p)
                }
            }
        case .array(let elem):
            guard case .array(let a) = value else { return }
            for (i, v) in a.enumerated() { walk(v, type: elem, path: "\(path)[\(i)]", into: &out) }
        case .map(let elem):
            guard case .object(let o) = value else { return }
            for k in o.keys.sorted() { walk(o[k]!, type: elem, path: "\(path).\(k)", into: &out) }
        default:
            return
        }
    }
}
