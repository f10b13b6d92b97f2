import Foundation
import GantryTestSupport
import Testing

/// Correctness at size, with the density benchmark's smoke version: a real `gantry server`, 50 hollow nodes (the
/// real agent over an in-memory runtime, joined with the join token), 100 Deployments of 10 (1,000 pods), a
/// rolling update of 10, and 5 nodes killed at once. `--check` makes the run fail if a pod was bound twice, a pod
/// was bound to a node dead for over 10 s or still runs there, a phase did not finish, or its watch of every pod
/// missed a change a list shows.
@Suite(.serialized) struct FleetTests {
    @Test func fiftyHollowNodesThousandPods() async throws {
        let bench = URL(fileURLWithPath: try GantryProcess.binary()).deletingLastPathComponent().appendingPathComponent("gantry-bench").path
        guard FileManager.default.isExecutableFile(atPath: bench) else {
            throw TestFailure("the gantry-bench binary is missing at \(bench); run `swift build --build-tests` first")
        }
        let out = try await runCommand(bench, ["density", "--nodes", "50", "--deployments", "100", "--replicas", "10", "--kill", "5",
                                               "--update", "10", "--timeout", "240", "--check"],
                                       timeout: .seconds(600))
        print(out.stdout)
        #expect(out.status == 0, "density smoke run failed:\n\(out.stdout)\n\(out.stderr.suffix(3000))")
        #expect(out.stdout.contains("pods_running=1000/1000"))
        #expect(out.stdout.contains("rolling_update deployments=10/10"))
        #expect(out.stdout.contains("running_elsewhere=1000/1000"))
        #expect(out.stdout.contains("rebound=0 "))
        #expect(out.stdout.contains("watch_events_lost=0 "))
        #expect(out.stdout.contains("live_pods_on_dead_nodes=0 "))
        #expect(out.stdout.contains("density: ok"))
    }
}
