// The cluster DNS server: UDP and TCP on one port, answers from the current ClusterZone, forwards the rest.
import Foundation
import GantryAPI
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Serves cluster DNS over UDP and TCP on one host and port: names in the cluster domain (and reverse names of
/// cluster addresses) are answered from the current `ClusterZone`; other names are forwarded to upstream resolvers.
///
/// Run it in a `ServiceGroup`, once. Graceful shutdown closes the listeners, lets each TCP connection finish the
/// query it is answering and closes it; in-flight UDP forwards are abandoned (the client retries).
public final class DNSServer: ServiceLifecycle.Service, Sendable {
    /// Where to listen and whom to forward to.
    public struct Configuration: Sendable {
        /// The address to listen on: `0.0.0.0`, a node or link-local address, `127.0.0.1`…
        public var host: String
        /// The port for both UDP and TCP; 0 picks a free one (the same for both), then see `boundPort`.
        public var port: Int
        /// The cluster domain, `cluster.local` by default.
        public var clusterDomain: String
        /// Upstream resolvers as `IP`, `IP:port` or `[IPv6]:port`, tried in order; none means SERVFAIL for
        /// names outside the cluster. See `DNSServer.upstreams(fromResolvConf:excluding:)`.
        public var upstreams: [String]
        /// How long to wait for each upstream before trying the next.
        public var upstreamTimeout: Duration
        /// How long a TCP connection may sit without a query before it is closed.
        public var tcpIdleTimeout: Duration
        /// Forwarded UDP queries in flight at most; more get SERVFAIL at once.
        public var maxConcurrentForwards: Int

        /// Creates a configuration.
        public init(host: String = "0.0.0.0", port: Int = 53, clusterDomain: String = "cluster.local",
                    upstreams: [String] = [], upstreamTimeout: Duration = .seconds(2),
                    tcpIdleTimeout: Duration = .seconds(10), maxConcurrentForwards: Int = 1000) {
            self.host = host
            self.port = port
            self.clusterDomain = clusterDomain
            self.upstreams = upstreams
            self.upstreamTimeout = upstreamTimeout
            self.tcpIdleTimeout = tcpIdleTimeout
            self.maxConcurrentForwards = maxConcurrentForwards
        }
    }

    /// The largest UDP payload this server advertises in its OPT records, and the most it sends over UDP.
    static let maxUDPPayload = 1232

    let configuration: Configuration
    private let domain: DNSName
    private let upstreams: [SocketAddress]
    private let client: DNSClient
    private let group: any EventLoopGroup
    private let logger: Logger
    private let zone: ZoneHolder
    private let bound = BoundPort()
    private let listeners = Listeners()
    let connections = Connections()
    private let forwards: Counter

    /// Creates a server with an empty zone; throws `invalid` for a bad cluster domain or upstream address.
    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "gantry.dns")) throws {
        self.configuration = configuration
        self.domain = try DNSName(configuration.clusterDomain)
        self.upstreams = try configuration.upstreams.map(DNSClient.socketAddress)
        self.client = DNSClient(group: group, timeout: configuration.upstreamTimeout)
        self.group = group
        self.logger = logger
        self.zone = ZoneHolder(ClusterZone(services: [], endpoints: [], domain: domain, serial: 1))
        self.forwards = Counter(limit: configuration.maxConcurrentForwards)
    }

    /// Replaces the zone with one built from these Services and Endpoints (all namespaces), bumping the SOA serial.
    /// Thread-safe; queries in flight see the old or the new zone, never a mix. It rebuilds the whole zone outside
    /// the lock, in time linear in Services and endpoint addresses; coalesce bursts of changes if there are many.
    public func update(services: [GantryAPI.Service], endpoints: [Endpoints]) {
        zone.update { serial in ClusterZone(services: services, endpoints: endpoints, domain: domain, serial: serial) }
    }

    /// The zone queries are answered from now.
    public var currentZone: ClusterZone { zone.current }

    /// The port UDP and TCP are listening on, once `run()` has bound them; nil before.
    public var boundPort: Int? { bound.port }

    /// Waits until `run()` has bound both sockets and returns the port; throws if binding failed.
    /// Call it after `run()` has been started.
    public func waitUntilBound() async throws -> Int { try await bound.wait() }

    /// Lists resolvers from a resolv.conf for `Configuration.upstreams`: each `nameserver` IP as `IP:53`
    /// (`[IPv6]:53`), in order, without duplicates, scoped addresses, or those in `excluding` (as `IP` or `IP:port`;
    /// pass this server's own address to avoid forwarding to itself). Throws `notFound` if the file cannot be read.
    public static func upstreams(fromResolvConf path: String = "/etc/resolv.conf", excluding: [String] = []) throws -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GantryError(.notFound, "failed to read resolver configuration \(path)", cause: error)
        }
        var result: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            let host = String(fields[1])
            guard IPv4Address(host) != nil || IPv6Address(host) != nil else { continue }
            let entry = host.contains(":") ? "[\(host)]:53" : "\(host):53"
            guard !excluding.contains(host), !excluding.contains(entry), !result.contains(entry) else { continue }
            result.append(entry)
        }
        return result
    }

    // MARK: Running

    /// Binds UDP and TCP and serves until graceful shutdown or cancellation; throws `unavailable` if it cannot bind.
    public func run() async throws {
        let (udp, tcp): (UDPChannel, TCPListener)
        do {
            (udp, tcp) = try await bind()
        } catch {
            bound.resolve(.failure(error))
            throw error
        }
        let port = udp.channel.localAddress?.port ?? configuration.port
        bound.resolve(.success(port))
        listeners.add(udp.channel)
        listeners.add(tcp.channel)
        logger.info("DNS server listening", metadata: [
            "host": "\(configuration.host)", "port": "\(port)", "domain": "\(domain)",
            "upstreams": "\(configuration.upstreams.joined(separator: ","))",
        ])
        do {
            try await withGracefulShutdownHandler {
                try await withTaskCancellationHandler {
                    try await withThrowingDiscardingTaskGroup { group in
                        group.addTask { try await self.serveUDP(udp) }
                        group.addTask { try await self.serveTCP(tcp) }
                    }
                } onCancel: {
                    self.stop()
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } catch is CancellationError {
            // Cancelled: the listeners are closed, which is all cancellation asks.
        }
        logger.info("DNS server stopped", metadata: ["port": "\(port)"])
    }

    /// Stops accepting queries: closes both listeners and every idle TCP connection; busy ones close after replying.
    func stop() {
        listeners.stop()
        connections.stop()
    }

    typealias UDPChannel = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    typealias TCPConnection = NIOAsyncChannel<ByteBuffer, ByteBuffer>
    typealias TCPListener = NIOAsyncChannel<TCPConnection, Never>

    /// Binds UDP, then TCP on the same port; with port 0, tries again if TCP finds the port UDP got taken.
    private func bind() async throws -> (UDPChannel, TCPListener) {
        var attempt = 0
        while true {
            attempt += 1
            let udp: UDPChannel
            do {
                udp = try await DatagramBootstrap(group: group)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
                    .bind(host: configuration.host, port: configuration.port) { [logger] channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DatagramErrorFilter(logger: logger))
                            return try UDPChannel(wrappingChannelSynchronously: channel)
                        }
                    }
            } catch {
                throw GantryError(.unavailable, "failed to listen for DNS on UDP \(configuration.host):\(configuration.port)", cause: error)
            }
            let port = udp.channel.localAddress?.port ?? configuration.port
            do {
                let idle = TimeAmount(configuration.tcpIdleTimeout)
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .bind(host: configuration.host, port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                            try channel.pipeline.syncOperations.addHandler(CloseOnIdle())
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixedFrameDecoder()))
                            return try TCPConnection(wrappingChannelSynchronously: channel)
                        }
                    }
                return (udp, tcp)
            } catch {
                try? await udp.channel.close()
                if configuration.port != 0 || attempt >= 8 {
                    throw GantryError(.unavailable, "failed to listen for DNS on TCP \(configuration.host):\(port)", cause: error)
                }
            }
        }
    }

    private func serveUDP(_ udp: UDPChannel) async throws {
        try await udp.executeThenClose { inbound, outbound in
            try await withThrowingDiscardingTaskGroup { tasks in
                for try await datagram in inbound {
                    let peer = datagram.remoteAddress
                    let send: @Sendable ([UInt8]) async -> Void = { bytes in
                        try? await outbound.write(AddressedEnvelope(remoteAddress: peer, data: ByteBuffer(bytes: bytes)))
                    }
                    switch prepare(Array(datagram.data.readableBytesView), over: .udp) {
                    case .drop:
                        continue
                    case .reply(let bytes):
                        await send(bytes)
                    case .upstream(let work):
                        guard forwards.acquire() else {
                            await send(failure(work.query, work.edns, limit: work.limit))
                            continue
                        }
                        tasks.addTask {
                            defer { self.forwards.release() }
                            await send(await self.complete(work))
                        }
                    }
                }
                tasks.cancelAll()  // the socket is closed: replies to in-flight forwards could not be sent
            }
        }
    }

    private func serveTCP(_ listener: TCPListener) async throws {
        try await listener.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { tasks in
                for try await connection in inbound {
                    tasks.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Answers queries on one TCP connection in order until the client closes it, it idles, or shutdown.
    private func serve(_ connection: TCPConnection) async {
        let id = ObjectIdentifier(connection.channel)
        guard connections.add(id, connection.channel) else {
            try? await connection.channel.close()
            return
        }
        defer { connections.remove(id) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    guard connections.begin(id) else { break }
                    let reply: [UInt8]?
                    switch prepare(Array(frame.readableBytesView), over: .tcp) {
                    case .drop: reply = nil
                    case .reply(let bytes): reply = bytes
                    case .upstream(let work): reply = await complete(work)
                    }
                    if let reply {
                        var buffer = ByteBuffer()
                        buffer.writeInteger(UInt16(reply.count))
                        buffer.writeBytes(reply)
                        try await outbound.write(buffer)
                    }
                    guard connections.end(id) else { break }
                }
            }
        } catch {
            logger.debug("DNS TCP connection ended", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Answering

    /// What to do with one query.
    enum Step: Sendable {
        case drop
        case reply([UInt8])
        case upstream(Work)
    }

    /// A query that needs an upstream: forwarded as is, or an ExternalName CNAME to resolve.
    struct Work: Sendable {
        let raw: [UInt8]
        let query: DNSMessage
        let transport: DNSClient.Transport
        let edns: EDNS?
        let limit: Int
        /// For an ExternalName answer: the response so far and the external target to look up.
        let chase: (response: DNSMessage, target: DNSName)?
    }

    /// The client's EDNS(0) OPT record.
    struct EDNS: Sendable {
        var payloadSize: Int
        var version: UInt8
    }

    /// Decides a query without waiting: a reply from the zone, a drop, or work for an upstream.
    func prepare(_ raw: [UInt8], over transport: DNSClient.Transport) -> Step {
        // Too short to echo an id, or itself a response (answering could loop): drop.
        guard raw.count >= 12, raw[2] & 0x80 == 0 else { return .drop }
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: raw)
        } catch {
            logger.debug("malformed DNS query", metadata: ["error": "\(error)", "bytes": "\(raw.count)"])
            let header = DNSMessage(id: UInt16(raw[0]) << 8 | UInt16(raw[1]), isResponse: true, opcode: raw[2] >> 3 & 0x0F,
                                    recursionDesired: raw[2] & 0x01 != 0, recursionAvailable: true, rcode: .formErr)
            return .reply(header.encoded())
        }
        let options = query.additionals.filter { $0.type == .opt }
        let edns = options.first.map { EDNS(payloadSize: Int($0.dnsClass.rawValue), version: UInt8($0.ttl >> 16 & 0xFF)) }
        let limit = transport == .tcp ? Int(UInt16.max)
            : edns.map { max(DNSMessage.classicUDPSize, min($0.payloadSize, Self.maxUDPPayload)) } ?? DNSMessage.classicUDPSize
        if options.count > 1 {
            return .reply(finish(reply(to: query, rcode: .formErr), edns, limit: limit))
        }
        if let edns, edns.version != 0 {
            var badVersion = reply(to: query, rcode: .noError)  // BADVERS (16): extended rcode 1 in the OPT record
            badVersion.additionals = [Self.opt(extendedRCode: 1)]
            return .reply(badVersion.encoded(maxSize: limit))
        }
        switch zone.current.answer(query) {
        case .response(let response):
            log(query, response.rcode, transport, source: "zone")
            if let target = externalTarget(of: response), !upstreams.isEmpty {
                return .upstream(Work(raw: raw, query: query, transport: transport, edns: edns, limit: limit,
                                      chase: (response, target)))
            }
            return .reply(finish(response, edns, limit: limit))
        case .forward:
            guard !upstreams.isEmpty else {
                log(query, .servFail, transport, source: "no upstream")
                return .reply(failure(query, edns, limit: limit))
            }
            return .upstream(Work(raw: raw, query: query, transport: transport, edns: edns, limit: limit, chase: nil))
        }
    }

    /// Does the upstream part of a query and returns the reply to send.
    func complete(_ work: Work) async -> [UInt8] {
        if let (response, target) = work.chase {
            // Resolve the ExternalName target as CoreDNS does, so stub resolvers get addresses, not just a CNAME.
            var full = response
            let lookup = DNSMessage.query(target, type: work.query.questions[0].type)
            if let bytes = await forward(lookup.encoded(), lookup, over: work.transport),
               let reply = try? DNSMessage(decoding: bytes), reply.rcode == .noError {
                full.answers += reply.answers
            }
            return finish(full, work.edns, limit: work.limit)
        }
        guard let reply = await forward(work.raw, work.query, over: work.transport) else {
            log(work.query, .servFail, work.transport, source: "upstream")
            return failure(work.query, work.edns, limit: work.limit)
        }
        if reply.count <= work.limit { return reply }
        guard let message = try? DNSMessage(decoding: reply) else { return failure(work.query, work.edns, limit: work.limit) }
        return message.encoded(maxSize: work.limit)
    }

    /// Sends the query to each upstream in turn (with a fresh random id) until one gives a well-formed reply to the
    /// same question; returns that reply with the client's id, or nil if none did.
    private func forward(_ raw: [UInt8], _ query: DNSMessage, over transport: DNSClient.Transport) async -> [UInt8]? {
        for upstream in upstreams {
            if Task.isCancelled { return nil }
            var out = raw
            let id = UInt16.random(in: .min ... .max)
            out[0] = UInt8(id >> 8)
            out[1] = UInt8(id & 0xFF)
            do {
                var reply = try await client.exchange(out, with: upstream, over: transport)
                let decoded = try DNSMessage(decoding: reply)
                guard decoded.questions == query.questions else {
                    throw GantryError(.badRequest, "the reply is for another question")
                }
                reply[0] = UInt8(query.id >> 8)
                reply[1] = UInt8(query.id & 0xFF)
                log(query, decoded.rcode, transport, source: "\(upstream)")
                return reply
            } catch {
                logger.debug("DNS upstream failed", metadata: [
                    "upstream": "\(upstream)", "transport": "\(transport.rawValue)", "error": "\(error)",
                ])
            }
        }
        return nil
    }

    /// The target of an answer that ends in a CNAME outside the cluster domain, when the question wants more.
    private func externalTarget(of response: DNSMessage) -> DNSName? {
        guard response.rcode == .noError, let question = response.questions.first,
              question.type != .cname, question.type != .any,
              case .cname(let target)? = response.answers.last?.data, !target.isSubdomain(of: domain) else { return nil }
        return target
    }

    private func reply(to query: DNSMessage, rcode: DNSResponseCode) -> DNSMessage {
        DNSMessage(id: query.id, isResponse: true, opcode: query.opcode, recursionDesired: query.recursionDesired,
                   recursionAvailable: true, rcode: rcode, questions: query.questions)
    }

    /// SERVFAIL for this query.
    private func failure(_ query: DNSMessage, _ edns: EDNS?, limit: Int) -> [UInt8] {
        finish(reply(to: query, rcode: .servFail), edns, limit: limit)
    }

    /// Adds an OPT record if the client sent one, and encodes within the size limit (TC set if cut).
    private func finish(_ response: DNSMessage, _ edns: EDNS?, limit: Int) -> [UInt8] {
        var response = response
        if edns != nil { response.additionals.append(Self.opt(extendedRCode: 0)) }
        return response.encoded(maxSize: limit)
    }

    /// This server's OPT record: its UDP payload size, EDNS version 0.
    private static func opt(extendedRCode: UInt8) -> DNSRecord {
        DNSRecord(name: .root, ttl: UInt32(extendedRCode) << 24, data: .opaque(type: .opt, data: []),
                  dnsClass: DNSClass(rawValue: UInt16(maxUDPPayload)))
    }

    private func log(_ query: DNSMessage, _ rcode: DNSResponseCode, _ transport: DNSClient.Transport, source: String) {
        logger.debug("DNS query", metadata: [
            "name": "\(query.questions.first?.name.description ?? "")",
            "qtype": "\(query.questions.first?.type.description ?? "")",
            "rcode": "\(rcode)", "transport": "\(transport.rawValue)", "source": "\(source)",
        ])
    }
}

// MARK: - Shared state

/// The current zone behind a lock; swapped whole.
final class ZoneHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var zone: ClusterZone
    private var generation: UInt64 = 1
    private var installed: UInt64 = 1

    init(_ zone: ClusterZone) { self.zone = zone }

    var current: ClusterZone { lock.withLock { zone } }

    /// Builds a zone outside the lock with the next serial, then installs it unless a later one got there first.
    func update(_ build: (UInt32) -> ClusterZone) {
        let mine: UInt64 = lock.withLock {
            generation += 1
            return generation
        }
        let fresh = build(UInt32(truncatingIfNeeded: mine))
        lock.withLock {
            if mine > installed {
                zone = fresh
                installed = mine
            }
        }
    }
}

/// The bound port, and the callers waiting for it.
final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, any Error>?
    private var waiters: [CheckedContinuation<Int, any Error>] = []

    var port: Int? { lock.withLock { try? result?.get() } }

    func resolve(_ outcome: Result<Int, any Error>) {
        let waiting: [CheckedContinuation<Int, any Error>] = lock.withLock {
            result = outcome
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(with: outcome) }
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let known: Result<Int, any Error>? = lock.withLock {
                if result == nil { waiters.append(continuation) }
                return result
            }
            if let known { continuation.resume(with: known) }
        }
    }
}

/// The listening channels, closed on stop (at once if stop came first).
final class Listeners: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [any Channel] = []
    private var stopped = false

    func add(_ channel: any Channel) {
        let closeNow: Bool = lock.withLock {
            if !stopped { channels.append(channel) }
            return stopped
        }
        if closeNow { channel.close(promise: nil) }
    }

    func stop() {
        let open: [any Channel] = lock.withLock {
            stopped = true
            defer { channels = [] }
            return channels
        }
        for channel in open { channel.close(promise: nil) }
    }
}

/// Open TCP connections and whether each is answering a query, so shutdown closes idle ones at once and busy
/// ones after their reply.
final class Connections: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [ObjectIdentifier: (channel: any Channel, busy: Bool)] = [:]
    private var stopped = false

    /// Registers a connection; false once stopped.
    func add(_ id: ObjectIdentifier, _ channel: any Channel) -> Bool {
        lock.withLock {
            if !stopped { open[id] = (channel, false) }
            return !stopped
        }
    }

    func remove(_ id: ObjectIdentifier) { lock.withLock { _ = open.removeValue(forKey: id) } }

    /// Marks the connection busy; false once stopped (then close it instead).
    func begin(_ id: ObjectIdentifier) -> Bool {
        lock.withLock {
            if !stopped { open[id]?.busy = true }
            return !stopped
        }
    }

    /// Marks the connection idle; false once stopped (then close it).
    func end(_ id: ObjectIdentifier) -> Bool {
        lock.withLock {
            open[id]?.busy = false
            return !stopped
        }
    }

    /// How many connections are answering a query now.
    var busyCount: Int { lock.withLock { open.values.filter(\.busy).count } }

    func stop() {
        let idle: [any Channel] = lock.withLock {
            stopped = true
            return open.values.filter { !$0.busy }.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }
}

/// A count of tasks in flight with an upper limit.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func acquire() -> Bool {
        lock.withLock {
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { lock.withLock { count -= 1 } }
}

// MARK: - Channel handlers

/// Closes a TCP connection when the IdleStateHandler says it has been idle for reads.
final class CloseOnIdle: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Keeps socket errors on the UDP listener (e.g. a reply to a vanished client) from ending the receive loop.
final class DatagramErrorFilter: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = AddressedEnvelope<ByteBuffer>
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("DNS UDP socket error", metadata: ["error": "\(error)"])
    }
}
