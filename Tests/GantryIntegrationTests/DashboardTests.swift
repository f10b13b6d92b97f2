import AsyncHTTPClient
import Foundation
import GantryAPI
import GantryClient
import GantryTestSupport
import Testing

/// The web dashboard in a real browser: Debian's headless Chromium, driven over the W3C WebDriver protocol by
/// Debian's chromedriver (what Selenium speaks to it), against `gantry dev` with a real pod network.
@Suite("Dashboard", .serialized)
struct DashboardTests {
    @Test func theDashboardShowsAndDrivesTheCluster() async throws {
        let chromedriver = try requireExecutable("chromedriver", package: "chromium-driver")
        let chromium = try requireExecutable("chromium", package: "chromium")
        let curl = try requireExecutable("curl", package: "curl")
        let cluster = try await DevFixture.start(name: "ui", second: 247)
        defer { cluster.stop(keeping: ["chromedriver.log"]) }
        let (dev, client, registry, dir, tag) = (cluster.dev, cluster.client, cluster.registry, cluster.dir, cluster.tag)
        func k(_ args: String..., stdin: String? = nil) async throws -> String { try await cluster.kubectl(args, stdin: stdin) }
        let shots = ProcessInfo.processInfo.environment["GANTRY_SCREENSHOTS"] ?? NSTemporaryDirectory() + "/gantry-dashboard"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)

        // The page and its scripts are served to anyone (they hold no data), with a content security policy; the
        // API behind them is not.
        let page = try await runCommand(curl, ["-sk", "-D", "-", "\(dev.url)/ui/"])
        #expect(page.stdout.contains("200") && page.stdout.contains("<title>Gantry</title>"))
        #expect(page.stdout.lowercased().contains("content-security-policy: default-src 'self'"))
        let etag = page.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }.map { String($0.dropFirst(5)).trimmingCharacters(in: .whitespaces) } ?? ""
        #expect(try await runCommand(curl, ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \(etag)", "\(dev.url)/ui/"]).stdout == "304")
        #expect(try await runCommand(curl, ["-sk", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "\(dev.url)/ui"]).stdout.hasPrefix("301 "))
        #expect(try await runCommand(curl, ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(dev.url)/ui/app.js"]).stdout == "200")
        #expect(try await runCommand(curl, ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(dev.url)/ui/secret"]).stdout == "404")
        #expect(try await runCommand(curl, ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(dev.url)/api/v1/pods"]).stdout == "401")
        var assetBytes = 0
        for asset in ["", "app.js", "app.css", "favicon.svg"] {
            assetBytes += Int(try await runCommand(curl, ["-sk", "-o", "/dev/null", "-w", "%{size_download}", "\(dev.url)/ui/\(asset)"]).stdout) ?? 0
        }
        print("dashboard: assets \(assetBytes) bytes (page, script, style, icon), embedded in the binary")

        // A user signs in with a ServiceAccount's token, as with the Kubernetes dashboard.
        _ = try await k("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: dashboard-admin, namespace: default}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: dashboard-admin}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: dashboard-admin, namespace: default}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: web
                    image: \(registry.image)
                    command: [sh, -c, "echo hello-from-web; while true; do sleep 1; done"]
            """)
        let token = try await k("create", "token", "dashboard-admin", "--duration", "1h").trimmingCharacters(in: .whitespacesAndNewlines)
        try await eventually(timeout: .seconds(60), "deployment web available") {
            (try? await client.get(.deployments, namespace: "default", name: "web"))?[path: ["status", "availableReplicas"]]?.intValue == 1
        }

        let browser = try await WebDriver.start(chromedriver: chromedriver, chromium: chromium, log: dir.file("chromedriver.log"))
        defer { browser.quit() }
        try await browser.open("\(dev.url)/ui/")
        try await browser.waitFor("#token")
        try await browser.run("document.querySelector('#token').value = arguments[0]", [.string(token)])
        try await browser.click("#signin")
        try await browser.waitText("#user", contains: "system:serviceaccount:default:dashboard-admin")

        // The overview: the node with its use against capacity (from metrics.k8s.io), pods by phase.
        let node = "ui-\(tag)"
        try await browser.waitFor("tr[data-node='\(node)']")
        try await browser.waitUntil("the Running count to reach 1", timeout: .seconds(20)) {
            Int(try await browser.text("#phase-Running b")) ?? 0 >= 1
        }
        try await browser.waitFor("tr[data-node='\(node)'] .bar", timeout: .seconds(30))
        try await browser.screenshot(to: shots + "/overview.png")

        // A pod change reaches the page through its watch: the time from the API's answer to the row on the page.
        try await browser.open("\(dev.url)/ui/#/pods")
        try await browser.waitFor("tr[data-pod^='web-']")
        var latencies: [Double] = []
        for i in 0..<5 {
            let name = "probe-\(i)"
            _ = try await client.create(.pods, namespace: "default", [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                "spec": ["nodeSelector": ["gantry-test/none": "none"], "containers": [["name": "c", "image": .string(registry.image)]]],
            ])
            let created = ContinuousClock.now
            try await browser.waitUntil("pod \(name) on the page", timeout: .seconds(10), interval: .milliseconds(10)) {
                try await browser.run("return document.querySelector(\"tr[data-pod='\(name)']\") !== null") == .bool(true)
            }
            let took = ContinuousClock.now - created
            latencies.append(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
            try await client.delete(.pods, namespace: "default", name: name)
        }
        latencies.sort()
        print("dashboard: pod created → row on the page: median \(Int(latencies[2] * 1000)) ms, max \(Int(latencies[4] * 1000)) ms (5 pods)")
        try await browser.waitUntil("the probe pods to leave the page", timeout: .seconds(10)) {
            try await browser.run("return document.querySelectorAll(\"tr[data-pod^='probe-']\").length") == .int(0)
        }

        // Workloads: scale web from 1 to 3 with the + button, and the new pods appear on the pods page.
        try await browser.open("\(dev.url)/ui/#/workloads")
        let plus = "button[data-action='scale'][data-delta='1'][data-name='web']"
        try await browser.waitFor(plus)
        try await browser.click(plus)
        try await browser.waitText("[data-replicas='default/web']", contains: "2")
        try await browser.click(plus)
        try await eventually(timeout: .seconds(10), "web scaled to 3 by the page") {
            (try? await client.get(.deployments, namespace: "default", name: "web"))?[path: ["spec", "replicas"]]?.intValue == 3
        }
        try await browser.waitUntil("web to show 3/3 ready", timeout: .seconds(60)) {
            try await browser.text("tr[data-workload='default/web'] .barlabel").contains("3/3")
        }
        try await browser.screenshot(to: shots + "/workloads.png")
        try await browser.open("\(dev.url)/ui/#/pods")
        try await browser.waitUntil("three web pods Running on the page", timeout: .seconds(30)) {
            try await browser.run("return document.querySelectorAll(\"tr[data-pod^='web-'][data-phase='Running']\").length") == .int(3)
        }

        // Restart (a new template revision), then its history and an undo back to revision 1.
        try await browser.open("\(dev.url)/ui/#/workloads")
        try await browser.waitFor("button[data-action='restart'][data-name='web']")
        try await browser.click("button[data-action='restart'][data-name='web']")
        try await eventually(timeout: .seconds(10), "web restarted by the page") {
            (try? await client.get(.deployments, namespace: "default", name: "web"))?[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]] != nil
        }
        try await eventually(timeout: .seconds(30), "web at revision 2") {
            (try? await client.get(.deployments, namespace: "default", name: "web"))?[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "2"
        }
        try await browser.click("button[data-action='history'][data-name='web']")
        try await browser.waitFor("tr[data-revision='1'] button[data-action='undo']")
        try await browser.click("tr[data-revision='1'] button[data-action='undo']")
        try await eventually(timeout: .seconds(10), "web rolled back by the page") {
            let d = try? await client.get(.deployments, namespace: "default", name: "web")
            return d != nil && d?[path: ["spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"]] == nil
        }
        try await eventually(timeout: .seconds(60), "web rolled out again with 3 pods") {
            let d = try? await client.get(.deployments, namespace: "default", name: "web")
            return d?[path: ["status", "updatedReplicas"]]?.intValue == 3 && d?[path: ["status", "availableReplicas"]]?.intValue == 3
                && d?[path: ["status", "replicas"]]?.intValue == 3
        }

        // A pod: its live logs and a shell in it.
        let pods = try await client.list(.pods, namespace: "default", labelSelector: "app=web")
        let items: [JSONValue] = pods["items"]?.arrayValue ?? []
        let running = items.filter { (p: JSONValue) -> Bool in
            p[path: ["status", "phase"]]?.stringValue == "Running" && p[path: ["metadata", "deletionTimestamp"]] == nil
        }
        let pod = try #require(running.first)
        let podName = try #require(pod[path: ["metadata", "name"]]?.stringValue)
        try await browser.open("\(dev.url)/ui/#/pod/default/\(podName)")
        try await browser.waitText("#logs", contains: "hello-from-web", timeout: .seconds(20))
        try await browser.click("button[data-tab='shell']")
        try await browser.waitText("#shell-output", contains: "[connected to web]", timeout: .seconds(20))
        try await browser.run("document.querySelector('#shell-input').value = 'echo $((6*7)) answered; hostname'")
        try await browser.click("#shellform button")
        try await browser.waitText("#shell-output", contains: "42 answered", timeout: .seconds(20))
        try await browser.waitText("#shell-output", contains: podName, timeout: .seconds(5))
        try await browser.click("button[data-tab='logs']")
        try await browser.waitText("#logs", contains: "hello-from-web", timeout: .seconds(20))
        try await browser.screenshot(to: shots + "/pod.png")

        // YAML: an invalid edit is refused with the server's reasons shown inline and nothing changes; a valid one
        // is applied.
        try await browser.open("\(dev.url)/ui/#/yaml/\("/apis/apps/v1/namespaces/default/deployments/web".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        try await browser.waitUntil("the YAML of web", timeout: .seconds(10)) {
            try await browser.run("return document.querySelector('#yaml').value").stringValue?.contains("replicas: 3") == true
        }
        try await browser.run("const t = document.querySelector('#yaml'); t.value = t.value.replace('replicas: 3', 'replicas: -2')")
        try await browser.click("#save")
        try await browser.waitText("#yaml-error", contains: "spec.replicas", timeout: .seconds(10))
        try await browser.screenshot(to: shots + "/yaml-error.png")
        #expect((try await client.get(.deployments, namespace: "default", name: "web"))[path: ["spec", "replicas"]]?.intValue == 3)
        try await browser.run("const t = document.querySelector('#yaml'); t.value = t.value.replace('replicas: -2', 'replicas: 2').replace('\\n  name: web\\n', '\\n  labels:\\n    tier: front\\n  name: web\\n')")
        try await browser.click("#save")
        try await browser.waitFor("#yaml-saved", timeout: .seconds(10))
        let saved = try await client.get(.deployments, namespace: "default", name: "web")
        #expect(saved[path: ["spec", "replicas"]]?.intValue == 2)
        #expect(saved[path: ["metadata", "labels", "tier"]] == "front")
        // Back on the overview, the charts of the node's use have a line (metrics.k8s.io, sampled every 10 s).
        try await browser.open("\(dev.url)/ui/#/overview")
        try await browser.waitFor("#nodecharts polyline", timeout: .seconds(30))
        try await browser.screenshot(to: shots + "/overview-charts.png")
        // `gantry apply --wait` follows what it applied until it is ready; off a terminal, one line per object.
        let applied = try await runCommand(try GantryProcess.binary(), ["apply", "--wait", "--timeout", "60s", "-f", "-"], stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: waited, namespace: default}
            spec:
              replicas: 2
              selector: {matchLabels: {app: waited}}
              template:
                metadata: {labels: {app: waited}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers: [{name: c, image: "\(registry.image)", command: [sleep, "3600"]}]
            """, environment: dev.clientEnvironment.merging(["HOME": dir.path]) { a, _ in a }, timeout: .seconds(90))
        #expect(applied.status == 0, "gantry apply --wait failed: \(applied.stderr)")
        #expect(applied.stdout == "deployment.apps/waited created\ndeployment.apps/waited: successfully rolled out (2/2 available)\n",
                "gantry apply --wait said: \(applied.stdout)")
        let status = try await runCommand(try GantryProcess.binary(), ["rollout", "status", "deployment/waited"],
                                          environment: dev.clientEnvironment.merging(["HOME": dir.path]) { a, _ in a }, timeout: .seconds(30))
        #expect(status.stdout.contains("successfully rolled out"), "gantry rollout status said: \(status.stdout)\(status.stderr)")

        let errors = try await browser.consoleErrors()
        #expect(errors.isEmpty, "the page logged errors: \(errors)")
        print("dashboard: screenshots in \(shots)")
    }
}

/// A W3C WebDriver session on chromedriver (headless Chromium), over its HTTP API on loopback.
final class WebDriver: @unchecked Sendable {
    let driver: TestChild
    let base: String
    let session: String
    static let element = "element-6066-11e4-a52e-4f735466cecf"

    private init(driver: TestChild, base: String, session: String) {
        self.driver = driver
        self.base = base
        self.session = session
    }

    static func start(chromedriver: String, chromium: String, log: String) async throws -> WebDriver {
        let port = Int.random(in: 20000..<30000)
        let child = try TestChild(chromedriver, ["--port=\(port)", "--log-path=\(log)"], output: log + ".out")
        let base = "http://127.0.0.1:\(port)"
        let lastError = LockedText()
        do {
            try await eventually(timeout: .seconds(20), "chromedriver up") {
                do {
                    return try await Self.call("GET", base + "/status", nil)[path: ["value", "ready"]] == .bool(true)
                } catch {
                    lastError.value = "\(error)"
                    return false
                }
            }
        } catch {
            child.terminate()
            throw TestFailure("chromedriver did not answer on \(base): \(lastError.value)")
        }
        let caps: JSONValue = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome", "acceptInsecureCerts": true,
            "goog:loggingPrefs": ["browser": "ALL"],
            "goog:chromeOptions": [
                "binary": .string(chromium),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1360,900",
                         .string("--user-data-dir=\(NSTemporaryDirectory())/gantry-chromium-\(port)")],
            ],
        ]]]
        do {
            let r = try await call("POST", base + "/session", caps)
            guard let id = r[path: ["value", "sessionId"]]?.stringValue else { throw TestFailure("chromedriver made no session: \(r)") }
            return WebDriver(driver: child, base: base, session: id)
        } catch {
            child.terminate()
            throw error
        }
    }

    func quit() {
        let url = "\(base)/session/\(session)"
        let done = DispatchSemaphore(value: 0)
        Task { _ = try? await Self.call("DELETE", url, nil); done.signal() }
        _ = done.wait(timeout: .now() + 10)
        driver.terminate()
    }

    @discardableResult
    static func call(_ method: String, _ url: String, _ body: JSONValue?) async throws -> JSONValue {
        var req = HTTPClientRequest(url: url)
        req.method = .RAW(value: method)
        if let body {
            var out = [UInt8]()
            body.write(into: &out)
            req.body = .bytes(out)
            req.headers.add(name: "Content-Type", value: "application/json")
        }
        let resp = try await HTTPClient.shared.execute(req, timeout: .seconds(60))
        let data = Data(buffer: try await resp.body.collect(upTo: 64 << 20))
        let v = try JSONValue.parse(data)
        if let err = v[path: ["value", "error"]]?.stringValue {
            throw TestFailure("WebDriver \(method) \(url): \(err): \(v[path: ["value", "message"]]?.stringValue ?? "")")
        }
        return v
    }

    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await Self.call(method, "\(base)/session/\(session)\(path)", body)
    }

    /// Loads a page, again when Chromium's network-change detection broke the load: the node's pod network adds and
    /// removes interfaces as pods come and go, and Chromium fails requests in flight with ERR_NETWORK_CHANGED.
    func open(_ url: String) async throws {
        for attempt in 1...5 {
            try await call("POST", "/url", ["url": .string(url)])
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline {
                if try await run("return document.querySelector('#top') !== null && typeof boot === 'function'") == .bool(true) { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            print("dashboard: loading \(url) failed (attempt \(attempt)): \(try await text("body").prefix(200))")
        }
        throw TestFailure("the page \(url) did not load")
    }

    /// Runs a script in the page; `return` gives a value back.
    @discardableResult
    func run(_ script: String, _ args: [JSONValue] = []) async throws -> JSONValue {
        try await call("POST", "/execute/sync", ["script": .string(script), "args": .array(args)])["value"] ?? .null
    }

    func find(_ css: String) async throws -> String {
        let r = try await call("POST", "/element", ["using": "css selector", "value": .string(css)])
        guard let id = r[path: ["value", Self.element]]?.stringValue else { throw TestFailure("no element \(css)") }
        return id
    }

    /// Clicks the element the selector finds now (found afresh: the page re-renders its tables).
    func click(_ css: String) async throws {
        for attempt in 1...5 {
            try await waitFor(css)
            do {
                let id = try await find(css)
                try await call("POST", "/element/\(id)/click", .emptyObject)
                return
            } catch let e as TestFailure where e.description.contains("stale element") && attempt < 5 {
                continue   // re-rendered between finding and clicking
            }
        }
    }

    func text(_ css: String) async throws -> String {
        try await run("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", [.string(css)]).stringValue ?? ""
    }

    func waitFor(_ css: String, timeout: Duration = .seconds(15)) async throws {
        try await waitUntil("\(css) on the page", timeout: timeout) {
            try await self.run("return document.querySelector(arguments[0]) !== null", [.string(css)]) == .bool(true)
        }
    }

    func waitText(_ css: String, contains s: String, timeout: Duration = .seconds(15)) async throws {
        try await waitUntil("\(css) to contain \(s)", timeout: timeout) { try await self.text(css).contains(s) }
    }

    func waitUntil(_ what: String, timeout: Duration, interval: Duration = .milliseconds(100),
                   _ check: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await check() { return }
            try await Task.sleep(for: interval)
        }
        let shot = NSTemporaryDirectory() + "/gantry-dashboard-failure.png"
        try? await screenshot(to: shot)
        let main = (try? await text("#main")) ?? ""
        throw TestFailure("waited \(timeout) for \(what); the page (screenshot \(shot)) says: \(main.prefix(1500))")
    }

    func screenshot(to path: String) async throws {
        let r = try await call("GET", "/screenshot")
        guard let b64 = r["value"]?.stringValue, let data = Data(base64Encoded: b64) else { throw TestFailure("no screenshot") }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// The page's console errors (chromedriver's browser log), other than failed requests the page handled.
    func consoleErrors() async throws -> [String] {
        let r = try await Self.call("POST", "\(base)/session/\(session)/se/log", ["type": "browser"])
        return (r["value"]?.arrayValue ?? []).filter { $0["level"] == "SEVERE" }.compactMap { $0["message"]?.stringValue }
            .filter { !$0.contains("Failed to load resource") }
    }
}
