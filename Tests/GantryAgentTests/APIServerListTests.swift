import Foundation
import GantryAPI
import GantryClient
import Testing

@Suite("API server list (failover)")
struct APIServerListTests {
    @Test func rotatesOnFailureAndNeverDropsAServer() {
        let list = APIServerList(["https://a:6443", "https://b:6443"])
        #expect(list.current == "https://a:6443")
        #expect(list.markFailed("https://a:6443") == "https://b:6443")
        // A stale failure report (of a server no longer current) does not move the client again.
        #expect(list.markFailed("https://a:6443") == "https://b:6443")
        // Servers taken down alternately: the client keeps going round, never stuck and never empty.
        for _ in 0..<10 {
            list.markFailed(list.current)
            #expect(list.all.count == 2)
        }
        #expect(list.failureCount("https://a:6443") > 0)
        list.markHealthy("https://a:6443")
        #expect(list.failureCount("https://a:6443") == 0)
    }

    @Test func learnsServersFromTheKubernetesEndpoints() throws {
        let list = APIServerList(["https://a:6443"])
        let endpoints = try JSONValue.parse(Data("""
            {"subsets": [{"addresses": [{"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}], "ports": [{"name": "https", "port": 6443}]},
                         {"addresses": [{"ip": "10.0.0.4"}], "ports": [{"name": "https", "port": 7443}]}]}
            """.utf8))
        let urls = APIServerList.urls(fromEndpoints: endpoints)
        #expect(urls == ["https://10.0.0.2:6443", "https://10.0.0.3:6443", "https://10.0.0.4:7443"])
        list.markFailed("https://a:6443")  // a is the only one: stays current
        #expect(list.current == "https://a:6443")
        list.learn(urls)
        #expect(list.all == ["https://a:6443"] + urls)
        #expect(list.current == "https://a:6443", "learning must not move the client off a working server")
        // A server that left the Endpoints is forgotten, the configured one never.
        list.learn(["https://10.0.0.3:6443"])
        #expect(list.all == ["https://a:6443", "https://10.0.0.3:6443"])
        list.learn([])
        #expect(list.all == ["https://a:6443"])
    }
}
