import Foundation
import GantryAPI
@testable import GantryStoreEtcd
import NIOCore
import NIOEmbedded
import Testing

@Suite("etcd client units")
struct EtcdUnitTests {
    @Test func endpointsParse() throws {
        let c = EtcdConfiguration(endpoints: ["https://10.0.0.1:2379/", "http://127.0.0.1:23790", "[::1]:2379", "e3:2379"])
        let p = try c.parsedEndpoints()
        #expect(p.map(\.host) == ["10.0.0.1", "127.0.0.1", "::1", "e3"])
        #expect(p.map(\.port) == [2379, 23790, 2379, 2379])
        #expect(p.map(\.secure) == [true, false, false, false])
        #expect(throws: GantryError.self) { try EtcdConfiguration(endpoints: ["https://nohost"]).parsedEndpoints() }
        #expect(throws: GantryError.self) { try EtcdConfiguration(endpoints: []).parsedEndpoints() }
        // Mixed schemes, and https without a CA, are refused before any connection.
        #expect(throws: GantryError.self) { _ = try EtcdClient(EtcdConfiguration(endpoints: ["https://a:1", "http://b:2"])) }
        #expect(throws: GantryError.self) { _ = try EtcdClient(EtcdConfiguration(endpoints: ["https://127.0.0.1:2379"])) }
    }

    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32, payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), type, flags,
                UInt8(stream >> 24), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)] + payload
    }

    /// The filter drops RST_STREAM(NO_ERROR), answers PINGs itself, and passes everything else through
    /// unchanged, even when frames arrive split across reads.
    @Test func resetAndPingFilter() throws {
        let channel = EmbeddedChannel(handler: ResetNoErrorFilter())
        let data = Self.frame(type: 0x0, stream: 1, payload: Array("hello".utf8))
        let rstNoError = Self.frame(type: 0x3, stream: 1, payload: [0, 0, 0, 0])
        let rstCancel = Self.frame(type: 0x3, stream: 3, payload: [0, 0, 0, 8])
        let ping = Self.frame(type: 0x6, stream: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        let pingAck = Self.frame(type: 0x6, flags: 1, stream: 0, payload: [9, 9, 9, 9, 9, 9, 9, 9])
        let all = data + rstNoError + ping + rstCancel + pingAck
        // Split at an awkward place: inside the second frame's header.
        try channel.writeInbound(ByteBuffer(bytes: all[..<(data.count + 4)]))
        try channel.writeInbound(ByteBuffer(bytes: all[(data.count + 4)...]))
        var passed: [UInt8] = []
        while var b = try channel.readInbound(as: ByteBuffer.self) { passed += b.readBytes(length: b.readableBytes) ?? [] }
        #expect(passed == data + rstCancel + pingAck)
        var answered: [UInt8] = []
        while var b = try channel.readOutbound(as: ByteBuffer.self) { answered += b.readBytes(length: b.readableBytes) ?? [] }
        #expect(answered == Self.frame(type: 0x6, flags: 1, stream: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8]))
        _ = try channel.finish()
    }
}
