// bench/eventstream/main.swift - how fast libbedrock's event-stream decoder is, beside zlib's
// crc32 over the same bytes.
//
//   bench-eventstream FRAMES_FILE [--runs N] [--seconds S]
//
// FRAMES_FILE holds event-stream frames (bench/driver.py writes 256 frames of 64 KiB). A decoder
// pass feeds the whole file to a new EventStreamDecoder in 16 KiB pieces, as libcurl hands a
// body over, with every CRC checked; a crc32 pass runs zlib's crc32 over the same bytes. Each
// of N runs (default 5) repeats each pass for S seconds (default 0.5) of this process's CPU
// time. Prints the median throughputs as one JSON line, {"decoder_gbps", "crc32_gbps", "bytes"}, in
// GB/s of 10^9 bytes. Exits 1 if the decoder rejects a frame.

import Bedrock
import CZlib
import Glibc

/// Says `message` on stderr and exits.
func fail(_ message: String, status: Int32) -> Never {
    _ = (message + "\n").withCString { write(2, $0, strlen($0)) }
    exit(status)
}

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    fseek(file, 0, SEEK_END)
    let size = ftell(file)
    rewind(file)
    guard size > 0 else { return nil }
    var bytes = [UInt8](repeating: 0, count: size)
    let read = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, file) }
    return read == size ? bytes : nil
}

func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The GB/s at which `pass` goes through `bytes` bytes, repeating it for `seconds` of CPU time
/// (at least once).
func throughput(bytes: Int, seconds: Double, _ pass: () -> Void) -> Double {
    let start = cpuSeconds()
    var passes = 0
    repeat {
        pass()
        passes += 1
    } while cpuSeconds() - start < seconds
    return Double(bytes * passes) / (cpuSeconds() - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    values.sorted()[values.count / 2]
}

var arguments = CommandLine.arguments.dropFirst()
var runs = 5
var seconds = 0.5
var path: String?
while let argument = arguments.popFirst() {
    switch argument {
    case "--runs": runs = arguments.popFirst().flatMap { Int($0) } ?? runs
    case "--seconds": seconds = arguments.popFirst().flatMap { Double($0) } ?? seconds
    default: path = argument
    }
}
guard let path, let frames = readFile(path) else {
    fail("usage: bench-eventstream FRAMES_FILE [--runs N] [--seconds S]", status: 2)
}

let pieceLength = 16 * 1024  // CURL_MAX_WRITE_SIZE: what one libcurl write callback gets

/// Decodes every frame, fed in libcurl-sized pieces; returns the payload bytes decoded.
func decodedPayloadBytes(_ frames: [UInt8]) -> Int {
    var decoder = EventStreamDecoder()
    var payloadBytes = 0
    do {
        try frames.withUnsafeBytes { all in
            for start in stride(from: 0, to: all.count, by: pieceLength) {
                let piece = UnsafeRawBufferPointer(rebasing: all[start..<min(start + pieceLength, all.count)])
                try decoder.feed(piece) { message in payloadBytes += message.payload.count }
            }
        }
        try decoder.finish()
    } catch {
        fail("bench-eventstream: the decoder rejected a frame: \(error)", status: 1)
    }
    return payloadBytes
}

// The two alternate, run by run, so that whatever else the machine does slows both alike;
// the results are kept so that neither pass can be optimised away.
var payloadBytes = 0
var checksum: UInt = 0
var decoderRates: [Double] = []
var crc32Rates: [Double] = []
for _ in 0..<max(runs, 1) {
    decoderRates.append(throughput(bytes: frames.count, seconds: seconds) { payloadBytes = decodedPayloadBytes(frames) })
    crc32Rates.append(throughput(bytes: frames.count, seconds: seconds) {
        checksum = frames.withUnsafeBufferPointer { crc32_z(0, $0.baseAddress, $0.count) }
    })
}

guard payloadBytes > 0, checksum != 0 else { fail("bench-eventstream: \(path) holds no frames", status: 1) }
print("{\"decoder_gbps\": \(median(decoderRates)), \"crc32_gbps\": \(median(crc32Rates)), \"bytes\": \(frames.count)}")
