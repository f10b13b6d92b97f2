import Foundation
import GantryAPI
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOHTTP2
import SwiftProtobuf

/// How to reach an etcd cluster: its client URLs and, for `https://` ones, the client certificate and CA.
public struct EtcdConfiguration: Sendable {
    /// Client URLs (`https://10.0.0.1:2379`, `http://127.0.0.1:2379`, or a bare `host:port`, meaning http).
    public var endpoints: [String]
    /// The CA that signed the members' serving certificates (PEM file).
    public var caFile: String?
    /// The client certificate and key presented to etcd (PEM files), for `--client-cert-auth` members.
    public var certFile: String?
    public var keyFile: String?
    /// Every key Gantry writes starts with this (several clusters can share one etcd).
    public var prefix: String
    /// How long one request may take before it fails (a member without a leader stalls writes).
    public var requestTimeout: Duration

    public init(endpoints: [String], caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil,
                prefix: String = "/gantry", requestTimeout: Duration = .seconds(10)) {
        self.endpoints = endpoints
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.prefix = prefix
        self.requestTimeout = requestTimeout
    }

    /// The endpoints as (host, port, secure), checked.
    func parsedEndpoints() throws -> [(host: String, port: Int, secure: Bool)] {
        guard !endpoints.isEmpty else { throw GantryError(.invalid, "no etcd endpoints given (--etcd-endpoints)") }
        return try endpoints.map { raw in
            var rest = Substring(raw.trimmingCharacters(in: .whitespaces))
            var secure = false
            if rest.hasPrefix("https://") { secure = true; rest = rest.dropFirst(8) }
            else if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
            while rest.hasSuffix("/") { rest = rest.dropLast() }
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), port > 0, port < 65536
            else { throw GantryError(.invalid, "etcd endpoint \(raw) is not a URL with a port (https://HOST:2379)") }
            var host = String(rest[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host, port, secure)
        }
    }
}

/// A connection to an etcd cluster over gRPC (grpc-swift-2 on HTTP/2): unary calls to any member, round-robin
/// across the healthy ones, so a member's loss costs the calls in flight to it and nothing after.
public final class EtcdClient: Sendable {
    let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let runner: Task<Void, Never>
    /// The configured per-request timeout.
    public let timeout: Duration
    /// The endpoints, as given.
    public let endpoints: [String]
    /// Where writes go: the leader's own connection once known, else any member.
    let leader: LeaderRoute

    public init(_ config: EtcdConfiguration) throws {
        let parsed = try config.parsedEndpoints()
        let secure = parsed.contains { $0.secure }
        if secure, parsed.contains(where: { !$0.secure }) {
            throw GantryError(.invalid, "etcd endpoints mix https:// and http://: \(config.endpoints.joined(separator: ","))")
        }
        let target: any ResolvableTarget
        if parsed.allSatisfy({ Self.isIPv4($0.host) }) {
            target = .ipv4(pairs: parsed.map { ($0.host, $0.port) })
        } else if parsed.count == 1 {
            target = .dns(host: parsed[0].host, port: parsed[0].port)
        } else {
            // Several names: resolve each once to its IPv4 address so that all of them are balanced over.
            target = .ipv4(pairs: try parsed.map { (try Self.resolve($0.host), $0.port) })
        }
        let security: HTTP2ClientTransport.Posix.TransportSecurity
        if secure {
            guard let ca = config.caFile else {
                throw GantryError(.invalid, "https:// etcd endpoints need the CA that signed them (--etcd-cafile)")
            }
            if let cert = config.certFile, let key = config.keyFile {
                security = .mTLS(certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem)) {
                    $0.trustRoots = .certificates([.file(path: ca, format: .pem)])
                }
            } else {
                security = .tls { $0.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            }
        } else {
            security = .plaintext
        }
        let grpc = try Self.makeClient(target: target, security: security)
        self.grpc = grpc
        self.timeout = config.requestTimeout
        self.endpoints = config.endpoints
        // With several members, one connection more to each, for sending writes to the leader (see `LeaderRoute`).
        var members: [GRPCClient<HTTP2ClientTransport.Posix>] = []
        if parsed.count > 1 {
            for p in parsed {
                let host = Self.isIPv4(p.host) ? p.host : try Self.resolve(p.host)
                members.append(try Self.makeClient(target: .ipv4(host: host, port: p.port), security: security))
            }
        }
        let route = LeaderRoute(members: members)
        leader = route
        runner = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await grpc.runConnections() }
                for m in members { group.addTask { try? await m.runConnections() } }
                if !members.isEmpty { group.addTask { await route.run() } }
            }
        }
    }

    private static func makeClient(target: any ResolvableTarget, security: HTTP2ClientTransport.Posix.TransportSecurity) throws
        -> GRPCClient<HTTP2ClientTransport.Posix>
    {
        let transport = try HTTP2ClientTransport.Posix(
            target: target, transportSecurity: security,
            config: .defaults { c in
                // Reconnect to a member that comes back quickly (etcd restarts in about a second).
                c.backoff.initial = .milliseconds(100)
                c.backoff.max = .seconds(2)
                // Find a member that stopped answering without closing the connection (a partition, a frozen
                // host) within seconds, so that calls go to the others; etcd refuses pings more often than 5 s.
                c.connection.keepalive = .init(time: .seconds(5), timeout: .seconds(3), allowWithoutCalls: true)
                c.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(ResetNoErrorFilter(), position: .before(try sync.handler(type: NIOHTTP2Handler.self)))
                    }
                }
            },
            serviceConfig: ServiceConfig(loadBalancingConfig: [.roundRobin]))
        return GRPCClient(transport: transport)
    }

    /// The endpoint writes go to: the leader's, once found (nil: round-robin over all, and always with one
    /// endpoint).
    public var leaderEndpoint: String? { leader.leaderIndex.map { endpoints[$0] } }

    /// Closes every connection (calls in flight finish first).
    public func close() {
        grpc.beginGracefulShutdown()
        leader.close()
    }

    static func isIPv4(_ host: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, host, &a) == 1
    }

    static func resolve(_ host: String) throws -> String {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
            throw GantryError(.unavailable, "cannot resolve etcd endpoint host \(host)")
        }
        defer { freeaddrinfo(result) }
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let sin = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
        var addr = sin.sin_addr
        inet_ntop(AF_INET, &addr, &buffer, socklen_t(INET_ADDRSTRLEN))
        return String(cString: buffer)
    }

    // MARK: - Calls

    func options(timeout: Duration? = nil) -> CallOptions {
        var o = CallOptions.defaults
        o.timeout = timeout ?? self.timeout
        // Wait for a member to be reachable (one restarting, a leader election) rather than failing at once.
        o.waitForReady = true
        return o
    }

    /// One unary call, its failure as a `GantryError`.
    /// `toLeader`: sent to the leader's own connection when it is known (writes and linearizable reads, which a
    /// follower would forward to it anyway: one hop and its CPU saved), else round-robin over the members.
    func unary<Request: SwiftProtobuf.Message & Sendable, Response: SwiftProtobuf.Message & Sendable>(
        _ service: String, _ method: String, _ request: Request, as: Response.Type = Response.self, timeout: Duration? = nil,
        toLeader: Bool = false
    ) async throws -> Response {
        let direct = toLeader ? leader.client : nil
        do {
            return try await (direct ?? grpc).unary(
                request: ClientRequest(message: request),
                descriptor: MethodDescriptor(fullyQualifiedService: service, method: method),
                serializer: ProtobufMessageSerializer<Request>(), deserializer: ProtobufMessageDeserializer<Response>(),
                options: { () -> CallOptions in
                    var o = options(timeout: timeout)
                    // Not on the leader's connection: a call there fails at once when it is down, and goes to
                    // the others (`lost`) instead of waiting for it.
                    if direct != nil { o.waitForReady = false }
                    return o
                }()
            ) { try $0.message }
        } catch {
            let e = Self.translate(error, "\(service.split(separator: ".").last ?? "")/\(method)")
            // The leader may have died or stepped down: use every member until it is found again.
            if let direct, e.code == .unavailable || e.code == .timeout { leader.lost(direct) }
            throw e
        }
    }

    /// An etcd error in Gantry's terms: a compacted revision is `gone`, a future one a `timeout` (as
    /// kube-apiserver answers "Too large resource version"), an unreachable cluster `unavailable`.
    static func translate(_ error: any Error, _ what: String) -> GantryError {
        if let g = error as? GantryError { return g }
        guard let rpc = error as? RPCError else {
            return GantryError(.unavailable, "etcd \(what) failed: \(error)", cause: error)
        }
        let message = rpc.message
        if message.contains("required revision has been compacted") {
            return GantryError(.gone, "too old resource version (etcd: \(message))")
        }
        if message.contains("required revision is a future revision") {
            return GantryError(.timeout, "Too large resource version (etcd: \(message))")
        }
        switch rpc.code {
        case .deadlineExceeded:
            return GantryError(.timeout, "etcd \(what) timed out: \(message)", cause: error)
        case .invalidArgument, .failedPrecondition, .outOfRange:
            return GantryError(.badRequest, "etcd \(what) refused: \(message)", cause: error)
        default:
            return GantryError(.unavailable, "etcd \(what) failed (\(rpc.code)): \(message)\(rpc.cause.map { " (\($0))" } ?? "")", cause: error)
        }
    }

    // MARK: KV

    func range(_ request: Etcdserverpb_RangeRequest) async throws -> Etcdserverpb_RangeResponse {
        try await unary("etcdserverpb.KV", "Range", request, toLeader: !request.serializable)
    }

    func txn(_ request: Etcdserverpb_TxnRequest, timeout: Duration? = nil) async throws -> Etcdserverpb_TxnResponse {
        try await unary("etcdserverpb.KV", "Txn", request, timeout: timeout, toLeader: true)
    }

    func deleteRange(_ request: Etcdserverpb_DeleteRangeRequest) async throws -> Etcdserverpb_DeleteRangeResponse {
        try await unary("etcdserverpb.KV", "DeleteRange", request, toLeader: true)
    }

    func put(_ request: Etcdserverpb_PutRequest) async throws -> Etcdserverpb_PutResponse {
        try await unary("etcdserverpb.KV", "Put", request, toLeader: true)
    }

    func compact(_ request: Etcdserverpb_CompactionRequest) async throws -> Etcdserverpb_CompactionResponse {
        try await unary("etcdserverpb.KV", "Compact", request, timeout: .seconds(60))
    }

    // MARK: Cluster and maintenance

    /// One member of the etcd cluster.
    public struct Member: Sendable, Hashable {
        public var id: UInt64
        public var name: String
        public var peerURLs: [String]
        public var clientURLs: [String]
        public var isLearner: Bool
    }

    /// What a member says of itself (`Maintenance/Status`).
    public struct MemberStatus: Sendable, Hashable {
        public var memberID: UInt64
        public var leader: UInt64
        public var version: String
        public var revision: Int64
        public var dbSize: Int64
        public var dbSizeInUse: Int64
        public var raftTerm: UInt64
        public var raftIndex: UInt64
        public var errors: [String]
        public var isLearner: Bool
    }

    static func member(_ m: Etcdserverpb_Member) -> Member {
        Member(id: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner)
    }

    /// The members of the cluster.
    public func memberList() async throws -> [Member] {
        var r = Etcdserverpb_MemberListRequest()
        r.linearizable = false
        let resp: Etcdserverpb_MemberListResponse = try await unary("etcdserverpb.Cluster", "MemberList", r)
        return resp.members.map(Self.member)
    }

    /// Adds a member that will join with `peerURLs`; returns it and the members after the change.
    public func memberAdd(peerURLs: [String]) async throws -> (added: Member, members: [Member]) {
        var r = Etcdserverpb_MemberAddRequest()
        r.peerUrls = peerURLs
        let resp: Etcdserverpb_MemberAddResponse = try await unary("etcdserverpb.Cluster", "MemberAdd", r)
        return (Self.member(resp.member), resp.members.map(Self.member))
    }

    /// Removes the member `id`.
    public func memberRemove(id: UInt64) async throws -> [Member] {
        var r = Etcdserverpb_MemberRemoveRequest()
        r.id = id
        let resp: Etcdserverpb_MemberRemoveResponse = try await unary("etcdserverpb.Cluster", "MemberRemove", r)
        return resp.members.map(Self.member)
    }

    /// The status of whichever member answers.
    public func status() async throws -> MemberStatus {
        let s: Etcdserverpb_StatusResponse = try await unary("etcdserverpb.Maintenance", "Status", Etcdserverpb_StatusRequest())
        return MemberStatus(memberID: s.header.memberID, leader: s.leader, version: s.version, revision: s.header.revision,
                            dbSize: s.dbSize, dbSizeInUse: s.dbSizeInUse, raftTerm: s.raftTerm, raftIndex: s.raftIndex,
                            errors: s.errors, isLearner: s.isLearner)
    }

    /// Streams a snapshot of the member's whole database to `path` (written to a temporary file, then renamed).
    /// Returns its size in bytes.
    public func snapshot(to path: String) async throws -> Int64 {
        let tmp = path + ".part"
        FileManager.default.createFile(atPath: tmp, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: tmp) else {
            throw GantryError(.internalError, "cannot write the snapshot to \(tmp)")
        }
        do {
            let size: Int64 = try await grpc.serverStreaming(
                request: ClientRequest(message: Etcdserverpb_SnapshotRequest()),
                descriptor: MethodDescriptor(fullyQualifiedService: "etcdserverpb.Maintenance", method: "Snapshot"),
                serializer: ProtobufMessageSerializer<Etcdserverpb_SnapshotRequest>(),
                deserializer: ProtobufMessageDeserializer<Etcdserverpb_SnapshotResponse>(),
                options: options(timeout: .seconds(600))
            ) { response in
                var total: Int64 = 0
                for try await chunk in response.messages {
                    try handle.write(contentsOf: chunk.blob)
                    total += Int64(chunk.blob.count)
                }
                return total
            }
            try handle.synchronize()
            try handle.close()
            _ = rename(tmp, path)
            return size
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: tmp)
            throw Self.translate(error, "Maintenance/Snapshot")
        }
    }
}

/// Which member leads, so that writes go straight to it. A follower forwards every write to the leader over its
/// peer connection (and a linearizable read asks the leader for its read index), so a write sent to a follower
/// costs two members' work; on three members on one host, sending writes to the leader raised creates/s by 40%.
/// The leader is found by asking each member's `Status` (every member names the leader; the one whose own ID that
/// is, is it), again every 5 s and at once when a call to it fails; until then calls go round-robin.
final class LeaderRoute: @unchecked Sendable {
    private let members: [GRPCClient<HTTP2ClientTransport.Posix>]
    private let lock = NSLock()
    private var index: Int?
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    init(members: [GRPCClient<HTTP2ClientTransport.Posix>]) {
        self.members = members
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// The leader's place in the endpoints, when known.
    var leaderIndex: Int? { lock.withLock { index } }

    /// The leader's connection, when known.
    var client: GRPCClient<HTTP2ClientTransport.Posix>? {
        lock.withLock { index.map { members[$0] } }
    }

    /// A call to `client` failed as if it were gone: forget it and look again.
    func lost(_ client: GRPCClient<HTTP2ClientTransport.Posix>) {
        lock.withLock {
            if let i = index, members[i] === client { index = nil }
        }
        wake.yield()
    }

    func close() {
        wake.finish()
        for m in members { m.beginGracefulShutdown() }
    }

    /// Looks for the leader now and every 5 s (sooner after `lost`), until `close`.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [wake] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    wake.yield()
                }
            }
            wake.yield()
            var misses = 0
            for await _ in wakes {
                let found = await find()
                lock.withLock { index = found }
                // While there is no leader (an election), look again shortly.
                if found == nil {
                    misses += 1
                    try? await Task.sleep(for: .milliseconds(min(100 * misses, 1000)))
                    wake.yield()
                } else {
                    misses = 0
                }
            }
            group.cancelAll()
        }
    }

    private func find() async -> Int? {
        await withTaskGroup(of: Int?.self) { group in
            for (i, m) in members.enumerated() {
                group.addTask {
                    var o = CallOptions.defaults
                    o.timeout = .seconds(1)
                    let s = try? await m.unary(
                        request: ClientRequest(message: Etcdserverpb_StatusRequest()),
                        descriptor: MethodDescriptor(fullyQualifiedService: "etcdserverpb.Maintenance", method: "Status"),
                        serializer: ProtobufMessageSerializer<Etcdserverpb_StatusRequest>(),
                        deserializer: ProtobufMessageDeserializer<Etcdserverpb_StatusResponse>(), options: o
                    ) { try $0.message }
                    guard let s, s.leader != 0, s.leader == s.header.memberID else { return nil }
                    return i
                }
            }
            for await r in group { if let r { group.cancelAll(); return r } }
            return nil
        }
    }
}

/// swift-protobuf's binary encoding as gRPC's message serializer.
struct ProtobufMessageSerializer<Message: SwiftProtobuf.Message>: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        let bytes: [UInt8] = try message.serializedBytes()
        return Bytes(bytes)
    }
}

/// swift-protobuf's binary decoding as gRPC's message deserializer.
struct ProtobufMessageDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> Message {
        try bytes.withUnsafeBytes { try Message(serializedBytes: Array($0)) }
    }
}

/// Keeps two kinds of frame etcd's gRPC server (grpc-go) sends in numbers from SwiftNIO's HTTP/2 denial-of-service
/// guard, which otherwise drops the whole connection, failing every call on it ("Stream unexpectedly closed";
/// seen after about 1,300 calls from 8 writers):
///
/// - PINGs: grpc-go pings to estimate bandwidth-delay whenever data arrives; NIO allows 200 control frames in
///   30 s. The filter answers each PING itself (a PING ACK with the same 8 bytes, as RFC 9113 §6.7 asks).
/// - RST_STREAM(NO_ERROR), sent after a response's trailers when the client's end-of-stream has not arrived yet
///   (one unary call in six on loopback); grpc-swift's client allows 200 in 10 s. They carry nothing: the stream
///   is over once the trailers are in, and the client's own end-of-stream closes it.
///
/// The filter parses the inbound HTTP/2 frame headers (9 bytes each, after TLS) and forwards every other frame
/// untouched; its acks are whole frames written between the HTTP/2 handler's own writes.
final class ResetNoErrorFilter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var pending: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var p = pending {
            p.writeBuffer(&incoming)
            incoming = p
        }
        pending = nil
        var out: ByteBuffer?
        var acks: [ByteBuffer] = []
        var passStart = incoming.readerIndex
        var cursor = incoming.readerIndex
        while let header = incoming.getBytes(at: cursor, length: 9) {
            let length = Int(header[0]) << 16 | Int(header[1]) << 8 | Int(header[2])
            let total = 9 + length
            guard incoming.writerIndex - cursor >= total else { break }
            let isResetNoError = header[3] == 0x3 && length == 4
                && incoming.getInteger(at: cursor + 9, endianness: .big, as: UInt32.self) == 0
            let isPing = header[3] == 0x6 && header[4] & 0x1 == 0 && length == 8
            if isPing, let payload = incoming.getSlice(at: cursor + 9, length: 8) {
                var ack = context.channel.allocator.buffer(capacity: 17)
                ack.writeBytes([0, 0, 8, 0x6, 0x1, 0, 0, 0, 0])
                var p = payload
                ack.writeBuffer(&p)
                acks.append(ack)
            }
            if isResetNoError || isPing {
                if cursor > passStart, let slice = incoming.getSlice(at: passStart, length: cursor - passStart) {
                    if out == nil { out = slice } else { var s = slice; out!.writeBuffer(&s) }
                }
                passStart = cursor + total
            }
            cursor += total
        }
        // Complete frames not dropped go on now; a partial frame waits for the rest of its bytes.
        if cursor > passStart, let slice = incoming.getSlice(at: passStart, length: cursor - passStart) {
            if out == nil { out = slice } else { var s = slice; out!.writeBuffer(&s) }
        }
        if incoming.writerIndex > cursor {
            pending = incoming.getSlice(at: cursor, length: incoming.writerIndex - cursor)
        }
        if !acks.isEmpty {
            for ack in acks { context.write(NIOAny(ack), promise: nil) }
            context.flush()
        }
        if let out, out.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(out)) }
    }
}

