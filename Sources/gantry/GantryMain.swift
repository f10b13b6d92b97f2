import Foundation
import GantryCommands
import GantryImageOCI
import GantryNetworkCNI
import GantryRuntimeRunc

/// The `gantry` executable: picks the node-side implementations (runc, OCI images, CNI) and hands over
/// to GantryCommands. `gantry runc-shim` is the per-container supervisor the runtime starts.
@main
struct GantryMain {
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "runc-shim" {
            RuncShim.main(CommandLine.arguments)
        }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        NodeImplementations.register(NodeImplementations(
            runtime: { root in RuncRuntime(root: root, shimCommand: [me, "runc-shim"]) },
            images: { root, insecure in OCIImageStore(root: root, insecureRegistries: insecure) },
            network: { stateDir, bridge, cidr, masquerade in
                try CNINetwork(stateDir: stateDir, bridgeName: bridge, podCIDR: cidr, ipMasq: masquerade)
            }))
        await Gantry.main()
    }
}
