import Foundation
import GantryAPI
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Runs a service that owns host-wide state (the service proxy's iptables chains, the pod routes) in one agent per
/// host network namespace: the first to take an exclusive `flock` on `/run/gantry/net-INODE/NAME.lock` runs it;
/// others stand by and take over when the holder's process ends, however it ends (the kernel drops the lock of a
/// killed process), so two agents on one host never rewrite each other's rules and one left alive keeps them.
struct HostExclusive: ServiceLifecycle.Service, CustomStringConvertible {
    let name: String
    let service: any ServiceLifecycle.Service
    let logger: Logger
    let directory: String
    /// How often a standby tries the lock.
    let poll: Duration

    var description: String { Supervised.name(of: service) }

    init(_ name: String, _ service: any ServiceLifecycle.Service, logger: Logger, directory: String? = nil,
         poll: Duration = .milliseconds(500)) {
        self.name = name
        self.service = service
        self.logger = logger
        self.directory = directory ?? Self.defaultDirectory()
        self.poll = poll
    }

    /// `/run/gantry/net-INODE`: one per network namespace (agents in separate namespaces own separate rules).
    static func defaultDirectory() -> String {
        var st = stat()
        let ns = stat("/proc/self/ns/net", &st) == 0 ? "\(st.st_ino)" : "host"
        return "/run/gantry/net-\(ns)"
    }

    var lockPath: String { "\(directory)/\(name.replacingOccurrences(of: " ", with: "-")).lock" }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GantryError(.internalError, "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }  // closing drops the lock
        var waiting = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw GantryError(.internalError, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
            if !waiting {
                waiting = true
                logger.notice("another agent on this host runs the \(name); standing by to take over if it stops",
                              metadata: ["lock": "\(lockPath)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
            } catch {
                if Task.isShuttingDownGracefully { return }
                throw error
            }
            if Task.isShuttingDownGracefully { return }
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        if waiting { logger.notice("took over the \(name) on this host", metadata: ["lock": "\(lockPath)"]) }
        try await service.run()
    }
}
