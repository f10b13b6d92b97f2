import Foundation

/// The Kubernetes remote-command stream protocol over WebSocket (`v5.channel.k8s.io` and
/// `v4.channel.k8s.io`): each binary message starts with a channel byte.
public enum ExecProtocol {
    /// Subprotocols Gantry speaks, preferred first.
    public static let supported = ["v5.channel.k8s.io", "v4.channel.k8s.io"]

    public static let stdin: UInt8 = 0
    public static let stdout: UInt8 = 1
    public static let stderr: UInt8 = 2
    /// The final status (a `Status` object).
    public static let error: UInt8 = 3
    /// Terminal size (`{"Width":80,"Height":24}`).
    public static let resize: UInt8 = 4
    /// v5: "close this channel" (payload: the channel), e.g. end of stdin.
    public static let close: UInt8 = 255

    /// Picks the first supported subprotocol from a `Sec-WebSocket-Protocol` header value.
    public static func negotiate(_ header: String?) -> String? {
        let offered = (header ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return supported.first { offered.contains($0) }
    }

    /// The status sent on the error channel when the command ends.
    public static func exitStatus(_ code: Int32) -> JSONValue {
        if code == 0 { return ["metadata": .emptyObject, "status": "Success"] }
        return ["metadata": .emptyObject, "status": "Failure",
                "message": .string("command terminated with non-zero exit code: error executing command, exit status \(code)"),
                "reason": "NonZeroExitCode",
                "details": ["causes": [["reason": "ExitCode", "message": .string(String(code))]]]]
    }

    /// A failure before or while starting the command.
    public static func failure(_ message: String) -> JSONValue {
        ["metadata": .emptyObject, "status": "Failure", "message": .string(message), "reason": "InternalError"]
    }
}
