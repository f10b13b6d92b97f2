import Foundation
import GantryCommands
import GantryImageOCI
import GantryNetworkCNI
import GantryRuntimeRunc
import RuncShimCore

/// The `gantry` executable: picks the node-side implementations (runc, OCI images, CNI) and hands over
/// to GantryCommands. The per-container supervisor the runtime starts is the `runc-shim` executable next to
/// this one when present (Sources/runc-shim), else `gantry runc-shim`.
@main
struct GantryMain {
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "runc-shim" {
            Shim.main(CommandLine.arguments)
        }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        // The small, Foundation-free `runc-shim` installed next to this binary if there is one (about a third of
        // the memory per container), else this binary's own `gantry runc-shim`.
        let standalone = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("runc-shim").path
        let shimCommand = FileManager.default.isExecutableFile(atPath: standalone) ? [standalone] : [me, "runc-shim"]
        NodeImplementations.register(NodeImplementations(
            runtime: { root in RuncRuntime(root: root, shimCommand: shimCommand) },
            images: { root, insecure in OCIImageStore(root: root, insecureRegistries: insecure) },
            network: { stateDir, bridge, cidr, masquerade in
                try CNINetwork(stateDir: stateDir, bridgeName: bridge, podCIDR: cidr, ipMasq: masquerade)
            }))
        await Gantry.main()
    }
}
