import AsyncHTTPClient
import Crypto
import Foundation
import GantryAPI
import GantryRuntime

/// Speaks the OCI distribution API (pull side) to one or more registries: manifests, blobs, and the
/// Docker token / basic authentication handshake.
final class RegistryClient: Sendable {
    let http: HTTPClient
    let insecureRegistries: Set<String>
    private let auth = AuthCache()

    /// Manifests larger than this are refused (the distribution spec's recommended limit is 4 MiB).
    static let maxManifestBytes = 4 << 20

    init(http: HTTPClient, insecureRegistries: Set<String>) {
        self.http = http
        self.insecureRegistries = insecureRegistries
    }

    // MARK: Endpoints

    /// `docker.io` is served by `registry-1.docker.io`.
    static func apiHost(_ registry: String) -> String {
        registry == "docker.io" || registry == "index.docker.io" ? "registry-1.docker.io" : registry
    }

    /// Whether `registry` (host[:port]) is on a loopback address.
    static func isLoopback(_ registry: String) -> Bool {
        var host = registry
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { host = String(host[host.index(after: host.startIndex)..<end]) }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            host = String(host[..<colon])
        }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `http://host:port` for loopback and insecure registries, `https://host` otherwise.
    func baseURL(_ registry: String) -> String {
        let plain = Self.isLoopback(registry) || insecureRegistries.contains(registry)
        return (plain ? "http://" : "https://") + Self.apiHost(registry)
    }

    // MARK: Manifests

    /// Fetches a manifest or index by tag or digest. Returns its bytes and media type.
    func manifest(_ ref: ImageReference, _ tagOrDigest: String, credentials: RegistryCredentials?) async throws
        -> (data: Data, mediaType: String?)
    {
        let url = "\(baseURL(ref.registry))/v2/\(ref.repository)/manifests/\(tagOrDigest)"
        let resp = try await send(url: url, accept: MediaTypes.manifestAccept, ref: ref, credentials: credentials,
                                  longRunning: false)
        guard resp.status.code == 200 else { throw await Self.failure(resp, what: "manifest \(tagOrDigest)") }
        if let len = resp.headers.first(name: "Content-Length").flatMap(Int.init), len > Self.maxManifestBytes {
            throw GantryError(.invalid, "manifest \(tagOrDigest) is too large (\(len) bytes)")
        }
        var data = Data()
        do {
            for try await chunk in resp.body {
                chunk.withUnsafeReadableBytes { data.append(contentsOf: $0) }
                if data.count > Self.maxManifestBytes {
                    throw GantryError(.invalid, "manifest \(tagOrDigest) is larger than \(Self.maxManifestBytes) bytes")
                }
            }
        } catch {
            if let e = error as? GantryError { throw e }
            throw GantryError(.unavailable, "reading manifest \(tagOrDigest) from \(ref.registry) failed: \(Self.describe(error))")
        }
        var type = resp.headers.first(name: "Content-Type").map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) }
        if type == "application/json" || type == "text/plain" || type == "application/octet-stream" { type = nil }
        return (data, type)
    }

    // MARK: Blobs

    /// Downloads blob `digest` to `finalPath`: streamed into a temp file in `tmpDir` while hashing, then
    /// verified (digest and size) and renamed into place. Nothing is left behind on failure.
    func downloadBlob(_ ref: ImageReference, digest: Digest, size: Int64?, tmpDir: String, finalPath: String,
                      credentials: RegistryCredentials?) async throws
    {
        let url = "\(baseURL(ref.registry))/v2/\(ref.repository)/blobs/\(digest)"
        let resp = try await send(url: url, accept: [], ref: ref, credentials: credentials, longRunning: true)
        guard resp.status.code == 200 else { throw await Self.failure(resp, what: "blob \(digest)") }
        if let size, let len = resp.headers.first(name: "Content-Length").flatMap(Int64.init), len != size {
            throw GantryError(.invalid, "blob \(digest) has size \(len), but the manifest says \(size)")
        }
        let tmp = "\(tmpDir)/blob-\(digest.hex)-\(UUID().uuidString)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot create \(tmp)") }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(tmp)  // after a successful rename this is a no-op
        }
        var hasher = SHA256()
        var total: Int64 = 0
        do {
            for try await chunk in resp.body {
                try chunk.withUnsafeReadableBytes { raw in
                    hasher.update(bufferPointer: raw)
                    try FS.writeAll(fd, raw, path: tmp)
                }
                total += Int64(chunk.readableBytes)
                if let size, total > size {
                    throw GantryError(.invalid, "blob \(digest) is larger than the \(size) bytes the manifest says")
                }
            }
        } catch {
            if let e = error as? GantryError { throw e }
            throw GantryError(.unavailable, "downloading blob \(digest) from \(ref.registry) failed: \(Self.describe(error))")
        }
        let got = Digest(hex: hasher.finalize().hexString)
        guard got == digest else {
            throw GantryError(.invalid, "blob digest mismatch: expected \(digest), got \(got)")
        }
        if let size, total != size {
            throw GantryError(.invalid, "blob \(digest) has size \(total), but the manifest says \(size)")
        }
        guard fsync(fd) == 0 else { throw posixError("cannot sync \(tmp)") }
        close(fd)
        closed = true
        guard rename(tmp, finalPath) == 0 else { throw posixError("cannot store blob \(digest)") }
    }

    // MARK: Requests and authentication

    /// Sends a GET, answering one authentication challenge (Bearer token or Basic) if the registry asks.
    private func send(url: String, accept: [String], ref: ImageReference, credentials: RegistryCredentials?,
                      longRunning: Bool) async throws -> HTTPClientResponse
    {
        let scopeKey = "\(ref.registry)/\(ref.repository)"
        var authorization = await auth.header(for: scopeKey)
        for attempt in 0..<2 {
            var req = HTTPClientRequest(url: url)
            req.method = .GET
            if !accept.isEmpty { req.headers.add(name: "Accept", value: accept.joined(separator: ", ")) }
            if let authorization { req.headers.add(name: "Authorization", value: authorization) }
            let resp: HTTPClientResponse
            do {
                // Blobs can be large: their bound is the client's read timeout, not a total deadline.
                resp = try await (longRunning ? http.execute(req, timeout: .hours(24)) : http.execute(req, timeout: .seconds(60)))
            } catch {
                throw GantryError(.unavailable, "cannot reach registry \(ref.registry) (\(url)): \(Self.describe(error))",
                                  cause: error)
            }
            guard resp.status.code == 401, attempt == 0 else { return resp }
            // Raw values: the canonical form would split the challenge at the commas between its parameters.
            let challenges = resp.headers["WWW-Authenticate"]
            _ = try? await resp.body.collect(upTo: 1 << 16)
            guard let challenge = AuthChallenge.parse(challenges) else {
                throw GantryError(.unauthorized, "registry \(ref.registry) requires authentication but sent no usable challenge")
            }
            let value = try await authorize(challenge, ref: ref, credentials: credentials)
            authorization = value
            await auth.set(value, for: scopeKey)
        }
        preconditionFailure("unreachable")
    }

    /// Turns a challenge into an `Authorization` header value: a bearer token from the realm, or basic credentials.
    private func authorize(_ challenge: AuthChallenge, ref: ImageReference, credentials: RegistryCredentials?)
        async throws -> String
    {
        let basic = credentials.map { "Basic " + Data("\($0.username):\($0.password)".utf8).base64EncodedString() }
        switch challenge.scheme {
        case "basic":
            guard let basic else {
                throw GantryError(.unauthorized, "authentication required by registry \(ref.registry) (no credentials given)")
            }
            return basic
        case "bearer":
            guard let realm = challenge.params["realm"], var comps = URLComponents(string: realm) else {
                throw GantryError(.unauthorized, "registry \(ref.registry) sent a bearer challenge without a realm")
            }
            var query = comps.queryItems ?? []
            if let service = challenge.params["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            let scope = challenge.params["scope"] ?? "repository:\(ref.repository):pull"
            for s in scope.split(separator: " ") { query.append(URLQueryItem(name: "scope", value: String(s))) }
            comps.queryItems = query
            guard let tokenURL = comps.string else {
                throw GantryError(.unauthorized, "invalid token realm \(realm)")
            }
            var req = HTTPClientRequest(url: tokenURL)
            req.method = .GET
            if let basic { req.headers.add(name: "Authorization", value: basic) }
            let resp: HTTPClientResponse
            do { resp = try await http.execute(req, timeout: .seconds(60)) } catch {
                throw GantryError(.unavailable, "cannot reach token service \(realm): \(Self.describe(error))", cause: error)
            }
            guard resp.status.code == 200 else {
                let f = await Self.failure(resp, what: "token")
                throw GantryError(resp.status.code == 401 ? .unauthorized : f.code,
                                  "token service \(realm) refused: \(f.message)")
            }
            struct TokenResponse: Decodable { var token: String?; var access_token: String? }
            let body = try await resp.body.collect(upTo: 1 << 20)
            let data = body.withUnsafeReadableBytes { Data($0) }
            guard let tr = try? JSONDecoder().decode(TokenResponse.self, from: data),
                  let token = tr.token ?? tr.access_token, !token.isEmpty
            else {
                throw GantryError(.unauthorized, "token service \(realm) returned no token")
            }
            return "Bearer " + token
        default:
            throw GantryError(.unauthorized, "registry \(ref.registry) asks for unsupported authentication scheme \(challenge.scheme)")
        }
    }

    /// Reads a registry error response (`{"errors":[{"code","message"}]}`) into a GantryError.
    static func failure(_ resp: HTTPClientResponse, what: String) async -> GantryError {
        let status = Int(resp.status.code)
        var message: String?
        if let body = try? await resp.body.collect(upTo: 1 << 16) {
            let data = body.withUnsafeReadableBytes { Data($0) }
            struct Errors: Decodable {
                struct E: Decodable { var code: String?; var message: String? }
                var errors: [E]?
            }
            if let e = try? JSONDecoder().decode(Errors.self, from: data), let errs = e.errors, !errs.isEmpty {
                message = errs.map { $0.message ?? $0.code ?? "error" }.joined(separator: "; ")
            }
        }
        let code: GantryError.Code
        switch status {
        case 400: code = .badRequest
        case 401: code = .unauthorized
        case 403: code = .forbidden
        case 404: code = .notFound
        case 429: code = .tooManyRequests
        case 500...599: code = .unavailable
        default: code = .internalError
        }
        if message == nil {
            message = status == 404 ? "\(what) not found" : "\(what): HTTP \(status) \(resp.status.reasonPhrase)"
        }
        return GantryError(code, message!)
    }

    /// A short human description of a transport error.
    static func describe(_ error: any Error) -> String {
        let s = String(describing: error)
        if s.contains("refused") || s.contains("ECONNREFUSED") { return "connection refused" }
        if s.contains("connectTimeout") { return "connection timed out" }
        if s.contains("deadlineExceeded") || s.contains("readTimeout") { return "request timed out" }
        if s.contains("remoteConnectionClosed") { return "connection closed by the registry" }
        return s
    }
}

/// Authorization header values per `registry/repository`.
private actor AuthCache {
    var headers: [String: String] = [:]
    func header(for key: String) -> String? { headers[key] }
    func set(_ value: String, for key: String) { headers[key] = value }
}

/// One parsed `WWW-Authenticate` challenge.
struct AuthChallenge: Sendable, Equatable {
    /// Lowercased scheme: `bearer` or `basic`.
    var scheme: String
    var params: [String: String]

    /// Picks the first Bearer challenge, else the first Basic one, from the header values.
    static func parse(_ headers: [String]) -> AuthChallenge? {
        let all = headers.flatMap(parseHeader)
        return all.first(where: { $0.scheme == "bearer" }) ?? all.first(where: { $0.scheme == "basic" }) ?? all.first
    }

    /// Parses `Scheme k="v", k2=v2, Scheme2 ...` (quoted values may contain commas).
    static func parseHeader(_ header: String) -> [AuthChallenge] {
        var result: [AuthChallenge] = []
        let chars = Array(header)
        var i = 0
        func skipSpaceAndCommas() { while i < chars.count, chars[i] == " " || chars[i] == "," || chars[i] == "\t" { i += 1 } }
        func token() -> String {
            let start = i
            while i < chars.count, chars[i] != " ", chars[i] != "=", chars[i] != ",", chars[i] != "\t" { i += 1 }
            return String(chars[start..<i])
        }
        while i < chars.count {
            skipSpaceAndCommas()
            let word = token()
            if word.isEmpty { i += 1; continue }
            if i < chars.count, chars[i] == "=", !result.isEmpty {
                // A parameter of the current challenge.
                i += 1
                var value = ""
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        value.append(chars[i])
                        i += 1
                    }
                    i += 1
                } else {
                    let start = i
                    while i < chars.count, chars[i] != ",", chars[i] != " " { i += 1 }
                    value = String(chars[start..<i])
                }
                result[result.count - 1].params[word.lowercased()] = value
            } else {
                result.append(AuthChallenge(scheme: word.lowercased(), params: [:]))
            }
        }
        return result
    }
}
