import GantryCommands

/// The `gantry` executable: all behaviour lives in GantryCommands.
@main
struct GantryMain {
    static func main() async {
        await Gantry.main()
    }
}
