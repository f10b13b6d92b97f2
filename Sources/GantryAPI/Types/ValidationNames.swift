import Foundation

/// Kubernetes' name and value syntax checks (`k8s.io/apimachinery/pkg/util/validation`): each returns the
/// problems found, worded as Kubernetes words them, or an empty array when the value is valid.
public enum NameRules {
    static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    static let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
    static let configKeyFmt = "[-._a-zA-Z0-9]+"
    static let envVarNameFmt = "[-._a-zA-Z][-._a-zA-Z0-9]*"
    static let percentFmt = "[0-9]+%"

    static func regexMessage(_ msg: String, _ fmt: String, _ examples: [String]) -> String {
        var s = msg + " ("
        if !examples.isEmpty {
            s += "e.g. " + examples.map { "'\($0)'" }.joined(separator: ",  or ") + ", "
        }
        return s + "regex used for validation is '\(fmt)')"
    }

    static func maxLenMessage(_ n: Int) -> String { "must be no more than \(n) characters" }

    private static func isLowerAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }
    private static func isAlnum(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }

    static func matchesDNS1123Label(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, isLowerAlnum(f), isLowerAlnum(l) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// A name that is only a URL path segment (RBAC objects: `system:node`): not `.` or `..`, no `/` or `%`.
    public static func pathSegment(_ s: String) -> [String] {
        if s == "." || s == ".." { return ["may not be '\(s)'"] }
        if s.contains("/") { return ["may not contain '/'"] }
        if s.contains("%") { return ["may not contain '%'"] }
        return []
    }

    /// A DNS-1123 label: at most 63 lower-case alphanumerics or '-', starting and ending alphanumeric.
    public static func dns1123Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append(maxLenMessage(63)) }
        if !matchesDNS1123Label(s) {
            errs.append(regexMessage("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                                     dns1123LabelFmt, ["my-name", "123-abc"]))
        }
        return errs
    }

    /// A DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels.
    public static func dns1123Subdomain(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append(maxLenMessage(253)) }
        let ok = !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            matchesDNS1123Label(String($0))
        }
        if !ok {
            errs.append(regexMessage("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                                     dns1123SubdomainFmt, ["example.com"]))
        }
        return errs
    }

    /// A DNS-1035 label (Service names): like a DNS-1123 label but starting with a letter.
    public static func dns1035Label(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append(maxLenMessage(63)) }
        let b = Array(s.utf8)
        let ok = matchesDNS1123Label(s) && b[0] >= UInt8(ascii: "a") && b[0] <= UInt8(ascii: "z")
        if !ok {
            errs.append(regexMessage("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
                                     dns1035LabelFmt, ["my-name", "abc-123"]))
        }
        return errs
    }

    static func matchesQualifiedNamePart(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, let l = b.last, isAlnum(f), isAlnum(l) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// A qualified name (label and annotation keys): an optional DNS subdomain prefix and '/', then a name
    /// of at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
    public static func qualifiedName(_ s: String) -> [String] {
        var errs: [String] = []
        let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += dns1123Subdomain(prefix).map { "prefix part " + $0 }
            }
        default:
            return [regexMessage("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                                 qualifiedNameFmt, ["MyName", "my.name", "123-abc"])
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part " + maxLenMessage(63))
        }
        if !name.isEmpty, !matchesQualifiedNamePart(name) {
            errs.append("name part " + regexMessage("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                                                    qualifiedNameFmt, ["MyName", "my.name", "123-abc"]))
        }
        return errs
    }

    /// A label value: empty, or at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
    public static func labelValue(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 63 { errs.append(maxLenMessage(63)) }
        if !s.isEmpty, !matchesQualifiedNamePart(s) {
            errs.append(regexMessage("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                                     labelValueFmt, ["MyValue", "my_value", "12345"]))
        }
        return errs
    }

    /// A ConfigMap or Secret key: at most 253 alphanumerics, '-', '_' or '.', not '.' or '..'.
    public static func configMapKey(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 253 { errs.append(maxLenMessage(253)) }
        let ok = !s.isEmpty && s.utf8.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
        if !ok {
            errs.append(regexMessage("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                     configKeyFmt, ["key.name", "KEY_NAME", "key-name"]))
        }
        if s == "." { errs.append("must not be '.'") }
        else if s == ".." { errs.append("must not be '..'") }
        else if s.hasPrefix("..") { errs.append("must not start with '..'") }
        return errs
    }

    /// An environment variable name: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
    public static func envVarName(_ s: String) -> [String] {
        let b = Array(s.utf8)
        let isStart: (UInt8) -> Bool = {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
        }
        let ok = !b.isEmpty && isStart(b[0])
            && b.allSatisfy { isStart($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
        var errs: [String] = []
        if !ok {
            errs.append(regexMessage("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
                                     envVarNameFmt, ["my.env-name", "MY_ENV.NAME", "MyEnvName1"]))
        }
        if s == "." { errs.append("must not be '.'") }
        else if s == ".." { errs.append("must not be '..'") }
        else if s.hasPrefix("..") { errs.append("must not start with '..'") }
        return errs
    }

    /// An IANA service name (named ports): at most 15 lower-case alphanumerics or '-', with a letter,
    /// no leading, trailing or doubled '-'.
    public static func ianaServiceName(_ s: String) -> [String] {
        var errs: [String] = []
        if s.utf8.count > 15 { errs.append(maxLenMessage(15)) }
        if !s.utf8.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if s.contains("--") { errs.append("must not contain consecutive hyphens") }
        if !s.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
            errs.append("must contain at least one letter (a-z)")
        }
        if s.hasPrefix("-") || s.hasSuffix("-") { errs.append("must not begin or end with a hyphen") }
        return errs
    }

    /// A port number: 1–65535.
    public static func portNumber(_ p: Int) -> [String] {
        (1...65535).contains(p) ? [] : ["must be between 1 and 65535, inclusive"]
    }

    /// A percentage string (`25%`).
    public static func percent(_ s: String) -> [String] {
        let ok = s.hasSuffix("%") && s.count > 1 && s.dropLast().allSatisfy { $0.isASCII && $0.isNumber }
        return ok ? [] : [regexMessage("a valid percent string must be a numeric string followed by an ending '%'",
                                       percentFmt, ["1%", "93%"])]
    }

    /// An IPv4 or IPv6 address.
    public static func isIP(_ s: String) -> Bool { isIPv4(s) || isIPv6(s) }

    /// A dotted-quad IPv4 address.
    public static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p) else { return false }
            return v <= 255 && !(p.count > 1 && p.first == "0")
        }
    }

    /// An IPv6 address (with optional embedded IPv4 tail).
    public static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":"), !s.contains(":::") else { return false }
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (hi, half) in halves.enumerated() {
            if half.isEmpty { continue }
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                let isLast = hi == halves.count - 1 && i == parts.count - 1
                if isLast, p.contains(".") {
                    guard isIPv4(String(p)) else { return false }
                    groups += 2
                    continue
                }
                guard (1...4).contains(p.count), p.allSatisfy({ $0.isHexDigit }) else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups < 8 : groups == 8
    }

    /// A CIDR (`10.244.0.0/24`, `fd00::/64`).
    public static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy({ $0.isNumber }) else { return false }
        let ip = String(parts[0])
        if isIPv4(ip) { return (0...32).contains(bits) }
        if isIPv6(ip) { return (0...128).contains(bits) }
        return false
    }
}
