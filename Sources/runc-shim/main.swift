/// `runc-shim`: the per-container supervisor the runc runtime starts (see `Shim` in RuncShimCore).
import RuncShimCore

Shim.main(CommandLine.arguments)
