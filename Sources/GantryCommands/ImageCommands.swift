import ArgumentParser
import Foundation
import GantryAPI
import GantryRuntime

/// `gantry image ...`: the node's image store (the agent's data dir), as `crictl images` / `ctr images`.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage the images stored on this node.",
        subcommands: [Pull.self, Import.self, List.self, Remove.self, Prune.self])

    struct StoreOptions: ParsableArguments {
        @Option(help: "The agent's data directory (for `gantry dev`: DATA_DIR/agent).")
        var dataDir: String = "/var/lib/gantry/agent"
        @Option(help: "Registry (HOST:PORT) to reach over plain HTTP; repeatable. Loopback registries always are.")
        var insecureRegistry: [String] = []

        func store() throws -> any ImageStore {
            try FileManager.default.createDirectory(atPath: dataDir + "/images", withIntermediateDirectories: true)
            return try NodeImplementations.current().images(dataDir + "/images", Set(insecureRegistry))
        }
    }

    static func row(_ i: StoredImage) -> [String] {
        let name = i.names.first ?? "<none>"
        let size = ByteCountFormatter.string(fromByteCount: i.size, countStyle: .binary)
        return [name, String(i.digest.dropFirst("sha256:".count).prefix(12)), size]
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry.")
        @OptionGroup var options: StoreOptions
        @Argument var reference: String
        @Option(help: "Registry user name.") var username: String?
        @Option(help: "Registry password.") var password: String?

        func run() async throws {
            try await runClient {
                let creds = username.map { RegistryCredentials(username: $0, password: password ?? "") }
                let img = try await options.store().pull(reference, credentials: creds)
                print("pulled \(reference) \(img.digest)")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a `docker save` or OCI archive.")
        @OptionGroup var options: StoreOptions
        @Argument var archive: String

        func run() async throws {
            try await runClient {
                for img in try await options.store().importArchive(archive) {
                    print("imported \(img.names.joined(separator: ", ")) \(img.digest)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List stored images.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await runClient {
                let images = try await options.store().list().sorted { ($0.names.first ?? "") < ($1.names.first ?? "") }
                print(columns([["IMAGE", "DIGEST", "SIZE"]] + images.map(ImageCommand.row)), terminator: "")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove images.")
        @OptionGroup var options: StoreOptions
        @Argument var references: [String]

        func run() async throws {
            try await runClient {
                let store = try options.store()
                for r in references {
                    try await store.remove(r)
                    print("removed \(r)")
                }
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove images no container on this node uses.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await runClient {
                let store = try options.store()
                // Images of containers the runtime still has are kept.
                let runtime = try NodeImplementations.current().runtime(options.dataDir + "/runtime")
                var keep = Set<String>()
                for c in try await runtime.list() {
                    if let d = c.labels["gantry.io/image-digest"] { keep.insert(d) }
                }
                for img in try await store.prune(keep: keep) {
                    print("deleted \(img.names.first ?? img.digest)")
                }
            }
        }
    }
}
