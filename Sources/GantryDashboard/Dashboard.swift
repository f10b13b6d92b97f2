/// The web dashboard: hand-written HTML, CSS and JavaScript embedded in the binary at build time
/// (SwiftPM's `embedInCode`), served by `gantry server` under `/ui/`. The page talks to the same
/// Kubernetes API as any client, with the user's bearer token, and keeps itself live with watches.
public enum Dashboard {
    /// One embedded file: its media type, its bytes and a strong entity tag derived from them.
    public struct Asset: Sendable {
        public let contentType: String
        public let bytes: [UInt8]
        public let etag: String
    }

    /// The path prefix the dashboard is served under.
    public static let prefix = "/ui/"

    /// The asset for a request path under `/ui/` (`/ui/` itself is the page), or nil for any other path.
    public static func asset(for path: String) -> Asset? {
        guard path.hasPrefix(prefix) else { return nil }
        return assets[String(path.dropFirst(prefix.count))]
    }

    /// Bytes the embedded assets take, all together (what the dashboard adds to the binary).
    public static var assetBytes: Int { assets.values.reduce(0) { $0 + $1.bytes.count } }

    /// The embedded files by their name under `/ui/` ("" is the page).
    static let assets: [String: Asset] = {
        var out: [String: Asset] = [:]
        func add(_ name: String, _ type: String, _ bytes: [UInt8]) {
            out[name] = Asset(contentType: type, bytes: bytes, etag: "\"\(fnv1a(bytes))\"")
        }
        add("", "text/html; charset=utf-8", PackageResources.index_html)
        add("index.html", "text/html; charset=utf-8", PackageResources.index_html)
        add("app.js", "text/javascript; charset=utf-8", PackageResources.app_js)
        add("app.css", "text/css; charset=utf-8", PackageResources.app_css)
        add("favicon.svg", "image/svg+xml", PackageResources.favicon_svg)
        return out
    }()

    /// 64-bit FNV-1a of the bytes, in hex: the assets' entity tag (they change only with the binary).
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }
}
