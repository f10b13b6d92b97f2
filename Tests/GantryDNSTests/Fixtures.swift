import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GantryAPI
import GantryDNS

/// Builders for Services, Endpoints, names and queries in DNS tests.
enum Fixture {
    static func name(_ text: String) -> DNSName { try! DNSName(text) }

    static func query(_ name: String, _ type: DNSType, id: UInt16 = 0x4242) -> DNSMessage {
        DNSMessage.query(Fixture.name(name), type: type, id: id)
    }

    static func service(
        _ name: String, namespace: String = "default", type: String? = nil, clusterIP: String? = nil,
        clusterIPs: [String]? = nil, ports: [ServicePort] = [], externalName: String? = nil,
        publishNotReadyAddresses: Bool? = nil
    ) -> Service {
        Service(
            metadata: ObjectMeta(name: name, namespace: namespace),
            spec: ServiceSpec(type: type, ports: ports, clusterIP: clusterIP, clusterIPs: clusterIPs,
                              externalName: externalName, publishNotReadyAddresses: publishNotReadyAddresses))
    }

    static func endpoints(_ name: String, namespace: String = "default", _ subsets: [EndpointSubset]) -> Endpoints {
        Endpoints(metadata: ObjectMeta(name: name, namespace: namespace), subsets: subsets)
    }

    static func port(_ name: String?, _ number: Int, _ proto: String = "TCP") -> ServicePort {
        ServicePort(name: name, protocol: proto, port: number)
    }

    /// A cluster with a ClusterIP Service, a dual-stack one, a headless one with endpoints, two ExternalName
    /// Services (one pointing into the cluster) and a Service in a second namespace.
    static let services: [Service] = [
        service("web", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"],
                ports: [port("http", 80), port("dns", 53, "UDP"), port(nil, 8080)]),
        service("dual", clusterIP: "10.96.0.11", clusterIPs: ["10.96.0.11", "fd00::11"], ports: [port("http", 80)]),
        service("db", clusterIP: "None", ports: [port("pg", 5432)]),
        service("ext", type: "ExternalName", externalName: "example.com"),
        service("alias", type: "ExternalName", externalName: "web.default.svc.cluster.local"),
        service("api", namespace: "prod", type: "NodePort", clusterIP: "10.96.1.1", ports: [port("https", 443)]),
    ]

    static let endpoints: [Endpoints] = [
        endpoints("db", [EndpointSubset(
            addresses: [EndpointAddress(ip: "10.0.0.1", hostname: "db-0"), EndpointAddress(ip: "10.0.0.2")],
            notReadyAddresses: [EndpointAddress(ip: "10.0.0.3", hostname: "db-2")],
            ports: [EndpointPort(name: "pg", port: 5433, protocol: "TCP")])]),
        // Endpoints of a ClusterIP Service do not make names.
        endpoints("web", [EndpointSubset(addresses: [EndpointAddress(ip: "10.0.1.1", hostname: "w")],
                                         ports: [EndpointPort(name: "http", port: 8080)])]),
        // Endpoints without a Service are ignored.
        endpoints("orphan", [EndpointSubset(addresses: [EndpointAddress(ip: "10.0.9.9")])]),
    ]

    /// A headless Service with `count` ready endpoints, 10.1.x.y.
    static func bigHeadless(_ count: Int) -> ([Service], [Endpoints]) {
        let addresses = (0..<count).map { EndpointAddress(ip: "10.1.\($0 / 250).\($0 % 250 + 1)") }
        return ([service("big", clusterIP: "None")], [endpoints("big", [EndpointSubset(addresses: addresses)])])
    }
}

extension DNSMessage {
    /// The A and AAAA addresses in the answer section, as text.
    var addresses: [String] {
        answers.compactMap {
            switch $0.data {
            case .a(let a): return a.description
            case .aaaa(let a): return a.description
            default: return nil
            }
        }
    }
}

/// Runs blocking work on its own thread, so it never ties up the concurrency pool the server's tasks run on.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// A blocking TCP client on plain sockets, to send several framed queries on one connection.
final class RawTCPClient: @unchecked Sendable {
    private let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(e)")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
    }

    /// Sends each message with its 2-byte length prefix.
    func sendFramed(_ messages: [[UInt8]]) throws {
        try send(messages.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 })
    }

    /// Reads exactly `count` bytes; nil if the server closed the connection first.
    func read(_ count: Int) throws -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return nil }
            guard n > 0 else { throw Failure(description: "recv: errno \(errno)") }
            got += n
        }
        return out
    }

    /// Reads one length-prefixed message; nil at end of stream.
    func readFrame() throws -> [UInt8]? {
        guard let prefix = try read(2) else { return nil }
        return try read(Int(prefix[0]) << 8 | Int(prefix[1]))
    }

    deinit { Glibc.close(fd) }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts or answers: an upstream that hangs.
final class SilentTCPListener: @unchecked Sendable {
    private let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw RawTCPClient.Failure(description: "silent listener: errno \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(fd) }
}
