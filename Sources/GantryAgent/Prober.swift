import Foundation
import GantryAPI
import GantryRuntime

/// Runs container probes (exec, httpGet, tcpSocket) once; the caller applies the thresholds.
enum Prober {
    /// The outcome of one probe run.
    enum Result: Sendable, Equatable { case success, failure(String) }

    /// Runs `probe` against container `id` of a pod at `podIP`.
    static func run(_ probe: Probe, container: Container, id: String, podIP: String, runtime: any ContainerRuntime) async -> Result {
        let timeout = Double(max(1, probe.timeoutSeconds ?? 1))
        if let exec = probe.exec, let cmd = exec.command, !cmd.isEmpty {
            do {
                let code = try await withDeadline(Date().addingTimeInterval(timeout)) {
                    let session = try await runtime.exec(id, ExecSpec(args: cmd))
                    for await _ in session.output {}
                    return try await session.wait()
                }
                return code == 0 ? .success : .failure("command \(cmd) exited with \(code)")
            } catch {
                return .failure("command \(cmd) failed: \(error)")
            }
        }
        if let get = probe.httpGet {
            guard let port = resolvePort(get.port, container) else { return .failure("unknown port \(String(describing: get.port))") }
            let host = get.host ?? podIP
            let path = get.path ?? "/"
            let headers = (get.httpHeaders ?? []).compactMap { h in h.name.map { ($0, h.value ?? "") } }
            return await httpGet(host: host, port: port, path: path, headers: headers, timeout: timeout)
        }
        if let tcp = probe.tcpSocket {
            guard let port = resolvePort(tcp.port, container) else { return .failure("unknown port \(String(describing: tcp.port))") }
            let host = tcp.host ?? podIP
            return await blocking {
                let fd = connectTCP(host: host, port: port, timeout: timeout)
                if fd < 0 { return .failure("dial tcp \(host):\(port): connection refused or timed out") }
                close(fd)
                return .success
            }
        }
        return .failure("probe has no handler")
    }

    /// A numeric port, or a named container port.
    static func resolvePort(_ p: IntOrString?, _ c: Container) -> Int? {
        switch p {
        case .int(let i)?: return i
        case .string(let s)?:
            if let i = Int(s) { return i }
            return c.ports?.first { $0.name == s }?.containerPort
        case nil: return nil
        }
    }

    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await Blocking.run(body)
    }

    /// A plain HTTP/1.1 GET; 200–399 is success, as Kubernetes counts it.
    static func httpGet(host: String, port: Int, path: String, headers: [(String, String)], timeout: Double) async -> Result {
        await blocking {
            let fd = connectTCP(host: host, port: port, timeout: timeout)
            if fd < 0 { return .failure("Get \"http://\(host):\(port)\(path)\": dial tcp: connection refused or timed out") }
            defer { close(fd) }
            var req = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n"
            for (k, v) in headers { req += "\(k): \(v)\r\n" }
            req += "\r\n"
            let bytes = Array(req.utf8)
            guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
                return .failure("Get \"http://\(host):\(port)\(path)\": write failed")
            }
            var buf = [UInt8](repeating: 0, count: 256)
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 12 else { return .failure("Get \"http://\(host):\(port)\(path)\": no response") }
            let line = String(decoding: buf[0..<n], as: UTF8.self).split(separator: "\r\n").first ?? ""
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let code = Int(parts[1]) else { return .failure("malformed HTTP response: \(line)") }
            return (200..<400).contains(code) ? .success : .failure("HTTP probe failed with statuscode: \(code)")
        }
    }

    /// Connects with a timeout (send/receive timeouts too); returns the fd or -1.
    static func connectTCP(host: String, port: Int, timeout: Double) -> Int32 {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &addr.sin_addr) == 1 else { return -1 }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if fd < 0 { return -1 }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if r != 0 {
            close(fd)
            return -1
        }
        return fd
    }
}

/// Consecutive-result bookkeeping of one probe.
struct ProbeState: Sendable {
    var successes = 0
    var failures = 0
    /// The verdict once a threshold has been crossed (true = passing).
    var verdict: Bool?

    /// Records a result; returns the new verdict when a threshold is crossed (true = passing).
    mutating func record(_ ok: Bool, successThreshold: Int, failureThreshold: Int) -> Bool? {
        if ok {
            successes += 1
            failures = 0
            if successes == max(1, successThreshold) { verdict = true; return true }
        } else {
            failures += 1
            successes = 0
            if failures == max(1, failureThreshold) { verdict = false; return false }
        }
        return nil
    }
}
