import Foundation

/// Decodes a `Decodable` type straight from a parsed `JSONValue` tree, without serializing it and parsing it
/// again as `JSONDecoder` would. A `JSONValue` field of the target type receives its subtree as it is.
///
/// Its errors are the `DecodingError`s `JSONDecoder` throws (type mismatch, value not found, key not found,
/// data corrupted) with the same coding paths, so field errors render the same. Numbers follow `JSONDecoder`:
/// an integer type takes an integral value that fits, a floating-point type takes any number.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: JSONValue, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let o) = value else {
            throw Self.wrongType([String: Any].self, value, codingPath, "a keyed decoding container")
        }
        return KeyedDecodingContainer(Keyed<Key>(object: o, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else {
            throw Self.wrongType([Any].self, value, codingPath, "an unkeyed decoding container")
        }
        return Unkeyed(array: a, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, codingPath: codingPath)
    }

    // MARK: Values

    static func wrongType(_ type: Any.Type, _ v: JSONValue, _ path: [any CodingKey], _ what: String? = nil) -> DecodingError {
        if case .null = v {
            return .valueNotFound(type, .init(codingPath: path, debugDescription:
                what.map { "Cannot get \($0) -- found null value instead" } ?? "Expected \(type) value but found null instead."))
        }
        return .typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(type) but found \(v.kindName) instead."))
    }

    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ v: JSONValue, _ path: [any CodingKey]) throws -> T {
        switch v {
        case .int(let i):
            if let n = T(exactly: i) { return n }
        case .double(let d):
            if let n = T(exactly: d) { return n }
        default:
            throw wrongType(type, v, path)
        }
        throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Parsed JSON number <\(v)> does not fit in \(type)."))
    }

    static func floating<T: BinaryFloatingPoint>(_ type: T.Type, _ v: JSONValue, _ path: [any CodingKey]) throws -> T {
        switch v {
        case .int(let i): return T(i)
        case .double(let d): return T(d)
        default: throw wrongType(type, v, path)
        }
    }

    static func string(_ v: JSONValue, _ path: [any CodingKey]) throws -> String {
        guard case .string(let s) = v else { throw wrongType(String.self, v, path) }
        return s
    }

    static func bool(_ v: JSONValue, _ path: [any CodingKey]) throws -> Bool {
        guard case .bool(let b) = v else { throw wrongType(Bool.self, v, path) }
        return b
    }

    /// Decodes `T` from `v` at `path`; the common leaf types skip building a decoder.
    static func decode<T: Decodable>(_ type: T.Type, _ v: JSONValue, _ path: [any CodingKey]) throws -> T {
        if T.self == JSONValue.self { return v as! T }
        if T.self == String.self { return try string(v, path) as! T }
        if T.self == Int.self { return try integer(Int.self, v, path) as! T }
        if T.self == Bool.self { return try bool(v, path) as! T }
        if T.self == Int64.self { return try integer(Int64.self, v, path) as! T }
        if T.self == Int32.self { return try integer(Int32.self, v, path) as! T }
        if T.self == Double.self { return try floating(Double.self, v, path) as! T }
        return try T(from: JSONValueDecoder(v, codingPath: path))
    }

    // MARK: Containers

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: [String: JSONValue]
        let codingPath: [any CodingKey]

        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        private func value(_ key: Key) throws -> JSONValue {
            guard let v = object[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription:
                    "No value associated with key \(key) (\"\(key.stringValue)\")."))
            }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try value(key) { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoder.decode(T.self, value(key), codingPath + [key])
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = object[key.stringValue] else { return nil }
            if case .null = v { return nil }
            return try JSONValueDecoder.decode(T.self, v, codingPath + [key])
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type, key) }

        private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            try JSONValueDecoder.decode(T.self, value(key), codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoder(value(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(value(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            JSONValueDecoder(object["super"] ?? .null, codingPath: codingPath + [IndexKey(stringValue: "super")])
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONValueDecoder(object[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let array: [JSONValue]
        let codingPath: [any CodingKey]
        private(set) var currentIndex = 0

        init(array: [JSONValue], codingPath: [any CodingKey]) {
            self.array = array
            self.codingPath = codingPath
        }

        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        private func next<T>(_ type: T.Type) throws -> (JSONValue, [any CodingKey]) {
            let path = codingPath + [IndexKey(index: currentIndex)]
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "Unkeyed container is at end."))
            }
            return (array[currentIndex], path)
        }

        mutating func decodeNil() throws -> Bool {
            let (v, _) = try next(Any?.self)
            if case .null = v { currentIndex += 1; return true }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (v, path) = try next(type)
            let out = try JSONValueDecoder.decode(T.self, v, path)
            currentIndex += 1
            return out
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let (v, path) = try next(KeyedDecodingContainer<NestedKey>.self)
            let c = try JSONValueDecoder(v, codingPath: path).container(keyedBy: type)
            currentIndex += 1
            return c
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let (v, path) = try next((any UnkeyedDecodingContainer).self)
            let c = try JSONValueDecoder(v, codingPath: path).unkeyedContainer()
            currentIndex += 1
            return c
        }

        mutating func superDecoder() throws -> any Decoder {
            let (v, path) = try next((any Decoder).self)
            currentIndex += 1
            return JSONValueDecoder(v, codingPath: path)
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool {
            if case .null = value { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoder.decode(T.self, value, codingPath) }
        func decode(_ type: Bool.Type) throws -> Bool { try JSONValueDecoder.bool(value, codingPath) }
        func decode(_ type: String.Type) throws -> String { try JSONValueDecoder.string(value, codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try JSONValueDecoder.floating(type, value, codingPath) }
        func decode(_ type: Float.Type) throws -> Float { try JSONValueDecoder.floating(type, value, codingPath) }
        func decode(_ type: Int.Type) throws -> Int { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONValueDecoder.integer(type, value, codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONValueDecoder.integer(type, value, codingPath) }
    }

    /// An array index, or a synthetic key, in a coding path.
    struct IndexKey: CodingKey {
        let stringValue: String
        let intValue: Int?
        init(index: Int) { stringValue = "Index \(index)"; intValue = index }
        init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
        init?(intValue: Int) { self.init(index: intValue) }
    }
}

extension JSONValue {
    /// The JSON type's name, for error messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "a dictionary"
        }
    }
}
