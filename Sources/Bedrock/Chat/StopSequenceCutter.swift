/// Cuts text at the first stop sequence on the client, for providers whose API has no stop
/// parameter (Meta). While streaming, it holds back just enough text to see a stop sequence
/// that arrives split across chunks.
struct StopSequenceCutter {
    let stops: [String]
    private var held = ""
    private(set) var stopped = false
    private let holdBack: Int

    init(stops: [String]) {
        self.stops = stops
        holdBack = max(0, (stops.map(\.count).max() ?? 0) - 1)
    }

    /// The text that is safe to emit after `text` arrives; empty once stopped.
    mutating func feed(_ text: String) -> String {
        guard !stopped else { return "" }
        held += text
        if let cut = Self.firstStop(in: held, stops: stops) {
            stopped = true
            defer { held = "" }
            return String(held[..<cut])
        }
        let emitCount = max(0, held.count - holdBack)
        let emitted = String(held.prefix(emitCount))
        held.removeFirst(emitCount)
        return emitted
    }

    /// The held-back text, once the stream has ended without a stop.
    mutating func flush() -> String {
        defer { held = "" }
        return stopped ? "" : held
    }

    /// `text` cut before its first stop sequence, and whether one was found.
    static func cut(_ text: String, stops: [String]) -> (text: String, stopped: Bool) {
        guard let cut = firstStop(in: text, stops: stops) else { return (text, false) }
        return (String(text[..<cut]), true)
    }

    private static func firstStop(in text: String, stops: [String]) -> String.Index? {
        stops.compactMap { stop in text.firstRange(of: stop)?.lowerBound }.min()
    }
}
