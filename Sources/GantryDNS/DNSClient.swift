// One DNS exchange over UDP or TCP with SwiftNIO: what the server forwards with, and what tests query with.
import GantryAPI
import NIOCore
import NIOPosix

/// Sends a DNS message to a server and waits for its reply; each exchange uses a fresh socket (a random source
/// port for UDP) and ends within the timeout. Does not retry or fall back from UDP to TCP: the caller decides.
public struct DNSClient: Sendable {
    /// How a message travels: a UDP datagram, or over TCP with a 2-byte length prefix (RFC 1035 §4.2.2).
    public enum Transport: String, Sendable, Hashable {
        case udp, tcp
    }

    private let group: any EventLoopGroup
    /// How long an exchange may take, connecting included.
    public let timeout: Duration

    /// Creates a client on `group` whose exchanges time out after `timeout`.
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeout: Duration = .seconds(2)) {
        self.group = group
        self.timeout = timeout
    }

    /// Sends `message` to `server` (`IP`, `IP:port` or `[IPv6]:port`; port 53 if none) and decodes the reply.
    /// Throws `invalid` for a bad address, `timeout` if no reply came in time, `unavailable` if the exchange failed,
    /// `badRequest` if the reply is malformed.
    public func query(_ message: DNSMessage, server: String, over transport: Transport = .udp) async throws -> DNSMessage {
        try DNSMessage(decoding: try await exchange(message.encoded(), with: server, over: transport))
    }

    /// Sends the wire bytes of a query to `server` (`IP[:port]`) and returns the bytes of the reply that has the
    /// query's id and the QR bit; other datagrams are ignored.
    public func exchange(_ query: [UInt8], with server: String, over transport: Transport = .udp) async throws -> [UInt8] {
        try await exchange(query, with: try Self.socketAddress(server), over: transport)
    }

    /// Sends the wire bytes of a query to `server` and returns the bytes of the reply with the same id.
    public func exchange(_ query: [UInt8], with server: SocketAddress, over transport: Transport) async throws -> [UInt8] {
        guard query.count >= 12, query.count <= Int(UInt16.max) else {
            throw GantryError(.invalid, "a DNS query of \(query.count) bytes cannot be sent")
        }
        let expectedID = UInt16(query[0]) << 8 | UInt16(query[1])
        let loop = group.next()
        let promise = loop.makePromise(of: [UInt8].self)
        var payload = ByteBuffer()
        let channel: EventLoopFuture<any Channel>
        switch transport {
        case .udp:
            channel = DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ReplyHandler<AddressedEnvelope<ByteBuffer>>(id: expectedID, promise: promise) { $0.data })
                    }
                }
                .connect(to: server)
        case .tcp:
            payload.writeInteger(UInt16(query.count))
            channel = ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixedFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(ReplyHandler<ByteBuffer>(id: expectedID, promise: promise) { $0 })
                    }
                }
                .connect(to: server)
        }
        payload.writeBytes(query)
        let limit = timeout
        let timer = loop.scheduleTask(in: TimeAmount(limit)) {
            promise.fail(GantryError(.timeout, "no DNS reply from \(server) over \(transport.rawValue) within \(limit)"))
        }
        channel.whenComplete { [payload] result in
            switch result {
            case .success(let channel): channel.writeAndFlush(payload).whenFailure { promise.fail($0) }
            case .failure(let error): promise.fail(error)
            }
        }
        promise.futureResult.whenComplete { _ in
            timer.cancel()
            channel.whenSuccess { $0.close(promise: nil) }
        }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
            }
        } catch let error as GantryError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw GantryError(.unavailable, "DNS exchange with \(server) over \(transport.rawValue) failed", cause: error)
        }
    }

    /// Parses `IP`, `IP:port` or `[IPv6]:port` (port 53 if none).
    static func socketAddress(_ text: String) throws -> SocketAddress {
        func bad() -> GantryError { GantryError(.invalid, "invalid DNS server address \"\(text)\": expected IP, IP:port or [IPv6]:port") }
        var host = text
        var port = 53
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { throw bad() }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else { throw bad() }
            port = p
        }
        guard (0...65535).contains(port), IPv4Address(host) != nil || IPv6Address(host) != nil,
              let address = try? SocketAddress(ipAddress: host, port: port) else { throw bad() }
        return address
    }
}

/// Completes the promise with the first message that carries the expected id and the QR bit.
final class ReplyHandler<In>: ChannelInboundHandler {
    typealias InboundIn = In
    private let id: UInt16
    private let promise: EventLoopPromise<[UInt8]>
    private let buffer: (In) -> ByteBuffer

    init(id: UInt16, promise: EventLoopPromise<[UInt8]>, buffer: @escaping (In) -> ByteBuffer) {
        self.id = id
        self.promise = promise
        self.buffer = buffer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = buffer(unwrapInboundIn(data))
        let start = message.readerIndex
        guard message.readableBytes >= 12, message.getInteger(at: start, as: UInt16.self) == id,
              let flags = message.getInteger(at: start + 2, as: UInt8.self), flags & 0x80 != 0 else { return }
        promise.succeed(Array(message.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(GantryError(.unavailable, "the DNS server closed the connection without a reply"))
    }
}

/// Splits a TCP stream into DNS messages, each preceded by its 2-byte length.
struct LengthPrefixedFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              let frame = buffer.getSlice(at: buffer.readerIndex + 2, length: Int(length)) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2 + Int(length))
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
