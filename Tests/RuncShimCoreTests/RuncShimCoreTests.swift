import Foundation
import GantryRuntime
@testable import RuncShimCore
import Testing

@Suite("runc-shim JSON")
struct ShimJSONTests {
    @Test func parsesRuncLogLines() throws {
        let log = """
            {"level":"info","msg":"starting","time":"2024-01-02T03:04:05Z"}
            not json at all
            {"level":"error","msg":"first \\"quoted\\" \\u00e9 \\ud83d\\ude00 a\\/b\\tc\\n","time":"x"}
            {"level":"warning","msg":"ignored"}
            {"level":"fatal","msg":"exec: \\"/no/such/binary\\": stat /no/such/binary: no such file or directory", "n": -1.5e+3, "ok": [true, false, null, {}]}
            {"level":"error","msg":42}

            """
        #expect(Shim.lastRuncError(log: Array(log.utf8))
            == "exec: \"/no/such/binary\": stat /no/such/binary: no such file or directory")
        let line = #"{"level":"error","msg":"first \"quoted\" \u00e9 \ud83d\ude00 a\/b\tc\n","time":"x"}"#
        let value = try #require(JSONValue.parse(Array(line.utf8)))
        #expect(value["msg"]?.stringValue == "first \"quoted\" é 😀 a/b\tc\n")
        #expect(value["level"] == .string("error"))
        #expect(value["missing"] == nil)
    }

    @Test func agreesWithJSONSerialization() throws {
        let texts = [
            #"{"a":{"b":[1,2.5,-3e2,true,false,null,"x"]},"c":"\ud83d\ude00"}"#, #"  [ ]  "#, #"{}"#, #""\u0041""#,
            #"{"a" 1}"#, #"01"#, #"1."#, #"tru"#, "\"a\u{1}\"", #"{"a":1}x"#, #"["#, "",
        ]
        for text in texts {
            let ours = JSONValue.parse(Array(text.utf8))
            let theirs = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect((ours != nil) == (theirs != nil), "\(text)")
        }
        // Where the two differ, this parser keeps to RFC 8259 (JSONSerialization takes trailing commas) and
        // repairs a lone surrogate (which JSONSerialization refuses): runc's Go encoder writes neither.
        #expect(JSONValue.parse(Array(#"{"a":1,}"#.utf8)) == nil)
        #expect(JSONValue.parse(Array(#"[1,]"#.utf8)) == nil)
        #expect(JSONValue.parse(Array(#""a\ud800b""#.utf8)) == .string("a\u{FFFD}b"))
        // Hostile nesting is refused rather than overflowing the stack.
        #expect(JSONValue.parse(Array(String(repeating: "[", count: 100_000).utf8)) == nil)
    }

    @Test func readsTheCgroupsPathOfABundle() throws {
        let dir = "/tmp/gantry-shimjson-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = #"""
            {"ociVersion":"1.0.2","process":{"args":["sh"],"env":["PATH=\/bin"],"cwd":"\/"},
             "linux":{"namespaces":[{"type":"pid"}],"resources":{"memory":{"limit":67108864}},
                      "cgroupsPath":"\/kubepods\/pod-u1\/web-1"},"annotations":{"a":"b"}}
            """#
        try config.write(toFile: "\(dir)/config.json", atomically: true, encoding: .utf8)
        #expect(Shim.readCgroupsPath(dir) == "/kubepods/pod-u1/web-1")
        #expect(Shim.readCgroupsPath("\(dir)/missing") == nil)
    }

    /// The runtime decodes the exit file with `JSONDecoder` into `ExitRecord`; this is its shape.
    struct ExitRecord: Codable, Equatable {
        var exitCode: Int32
        var oomKilled: Bool
        var finishedAt: String
    }

    @Test func exitRecordDecodesLikeRuncShimsAndEscapesLikeJSONEncoder() throws {
        let record = Shim.exitRecord(exitCode: 137, oomKilled: true, finishedAt: "2024-01-02T03:04:05.123456789Z")
        #expect(record == #"{"exitCode":137,"oomKilled":true,"finishedAt":"2024-01-02T03:04:05.123456789Z"}"#)
        let decoded = try JSONDecoder().decode(ExitRecord.self, from: Data(record.utf8))
        #expect(decoded == ExitRecord(exitCode: 137, oomKilled: true, finishedAt: "2024-01-02T03:04:05.123456789Z"))
        for text in ["plain", "a/b \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{1f}", "é 😀 \u{7f}"] {
            let ours = JSONValue.quote(text)
            let theirs = String(decoding: try JSONEncoder().encode([text]), as: UTF8.self)
            #expect("[\(ours)]" == theirs)
            #expect(JSONValue.parse(Array(ours.utf8)) == .string(text))
        }
    }
}

@Suite("runc-shim CRI log writer and options")
struct ShimLogTests {
    @Test func splitsLongLinesAndRotates() throws {
        let dir = "/tmp/gantry-shimlog-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/nested/c.log"
        let writer = CRILogWriter(path: path, maxSize: 64 * 1024)
        let splitter = LineSplitter(stream: "stdout")
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: LineSplitter.maxLine + 10)
        splitter.feed(Array("a\r\nb".utf8), into: writer)
        splitter.feed(Array("c\n".utf8) + long + Array("\n".utf8), into: writer)
        splitter.feed(Array("tail".utf8), into: writer)
        splitter.finish(into: writer)
        let raw = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) .*$/#
        #expect(raw.allSatisfy { $0.wholeMatch(of: pattern) != nil })
        let lines = raw.map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(lines.count == 5)
        guard lines.count == 5 else { return }
        #expect(lines[0] == "stdout F a")
        #expect(lines[1] == "stdout F bc")
        #expect(lines[2] == "stdout P " + String(repeating: "x", count: LineSplitter.maxLine))
        #expect(lines[3] == "stdout F " + String(repeating: "x", count: 10))
        #expect(lines[4] == "stdout P tail")

        // Past maxSize the file moves to PATH.1 and a new one starts.
        for _ in 0..<10 { splitter.feed(long + Array("\n".utf8), into: writer) }
        #expect(FileManager.default.fileExists(atPath: path + ".1"))
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(size < 64 * 1024 + 2 * LineSplitter.maxLine)
    }

    @Test func copierCopiesPipesUntilTheyEnd() throws {
        let dir = "/tmp/gantry-shimlog-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        #expect(Sys.makePipe(&out) && Sys.makePipe(&err))
        let writer = CRILogWriter(path: "\(dir)/c.log", maxSize: 0)
        let copier = LogCopier(sources: [(out[0], "stdout"), (err[0], "stderr")], writer: writer)
        Sys.writeAll(out[1], Array("one\ntwo".utf8)[...])
        Sys.writeAll(err[1], Array("bad\n".utf8)[...])
        close(out[1])
        close(err[1])
        copier.run()
        #expect(!copier.isOpen)
        let lines = try String(contentsOfFile: "\(dir)/c.log", encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(lines.sorted() == ["stderr F bad", "stdout F one", "stdout P two"])
    }

    @Test func parsesTheFlagsRuncShimTakes() {
        let args = ["/usr/bin/runc-shim", "--runc", "/usr/sbin/runc", "--root", "/r", "--bundle", "/b", "--id", "c1",
                    "--log", "/l", "--exit-file", "/e", "--tty", "--log-max-size", "100"]
        var expected = Shim.Options()
        (expected.runc, expected.root, expected.bundle, expected.id) = ("/usr/sbin/runc", "/r", "/b", "c1")
        (expected.log, expected.exitFile, expected.tty, expected.logMaxSize) = ("/l", "/e", true, 100)
        #expect(Shim.parse(args) == expected)
        // Leading words (`gantry runc-shim`) are skipped, as RuncShim does.
        #expect(Shim.parse(["gantry", "runc-shim"] + args.dropFirst()) == expected)
        #expect(Shim.parse(Array(args.dropLast(2)))?.logMaxSize == 10 * 1024 * 1024)
        #expect(Shim.parse(Array(args.prefix(9))) == nil)  // no --log, --exit-file
        #expect(Shim.parse(args + ["--bogus"]) == nil)
        #expect(Shim.parse(args + ["--root"]) == nil)
        #expect(Shim.trimmed(" \n runc says no\n\t") == "runc says no")
        #expect(Shim.trimmed(" \n ") == "")
    }
}

/// The built `runc-shim` next to the test binaries (`swift build` builds it); fails, never skips, when absent.
func builtShim() throws -> String {
    var dirs: [URL] = []
    for path in [CommandLine.arguments.first, Bundle.main.executablePath].compactMap({ $0 }) {
        var url = URL(fileURLWithPath: path).deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(url)
            url = url.deletingLastPathComponent()
        }
    }
    for dir in dirs {
        let shim = dir.appendingPathComponent("runc-shim").path
        if FileManager.default.isExecutableFile(atPath: shim) { return shim }
    }
    throw ShimTestError("no runc-shim executable next to the test binaries (looked in \(dirs.map(\.path))): build it with `swift build`")
}

struct ShimTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs `executable args`, returning (status, stdout+stderr).
func run(_ executable: String, _ args: [String], environment: [String: String]? = nil) throws -> (Int32, String) {
    let r = try ChildProcess.runBlocking(executable, args, environment: environment)
    return (r.status, r.stdoutText + r.stderrText)
}

@Suite("runc-shim binary")
struct ShimBinaryTests {
    @Test func linksNoFoundation() throws {
        let shim = try builtShim()
        let ldd = ["/usr/bin/ldd", "/bin/ldd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let ldd else { throw ShimTestError("ldd is needed to check what runc-shim links: apt-get install libc-bin") }
        let (status, libraries) = try run(ldd, [shim])
        #expect(status == 0, "\(libraries)")
        #expect(libraries.contains("libc.so"), "\(libraries)")
        #expect(!libraries.contains("Foundation"), "runc-shim links Foundation:\n\(libraries)")
        #expect(!libraries.contains("libdispatch"), "runc-shim links libdispatch:\n\(libraries)")
        #expect(!libraries.contains("icu"), "runc-shim links ICU:\n\(libraries)")
        #expect(!libraries.contains("libswift_Concurrency"), "runc-shim links Swift Concurrency:\n\(libraries)")
    }

    @Test func badFlagsPrintUsage() throws {
        let (status, output) = try run(try builtShim(), ["--root", "/r"])
        #expect(status == 2)
        #expect(output.hasPrefix("usage: runc-shim --root DIR"), "\(output)")
    }

    @Test func missingRuncIsReportedInCreateError() throws {
        let dir = "/tmp/gantry-shimbin-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = ProcessInfo.processInfo.environment
        env["GANTRY_RUNC_SHIM_STAGE"] = "2"
        let (status, output) = try run(try builtShim(), [
            "--runc", "/nonexistent/runc", "--root", "\(dir)/runc", "--bundle", dir, "--id", "c1",
            "--log", "\(dir)/c.log", "--exit-file", "\(dir)/exit.json",
        ], environment: env)
        #expect(status == 1)
        #expect(output.contains("runc is not installed"), "\(output)")
        let message = try String(contentsOfFile: "\(dir)/create-error", encoding: .utf8)
        #expect(message == "runc is not installed: /nonexistent/runc not found; install the runc package")
        let pid = try String(contentsOfFile: "\(dir)/shim.pid", encoding: .utf8)
        #expect(Int32(pid) != nil)
    }
}
