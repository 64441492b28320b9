import Foundation
import Glibc
import Synchronization

/// The REST benchmark's load generator: `clients` threads, each with one keep-alive loopback
/// connection sending its prepared requests one after another (a closed loop, as `wrk -c N`
/// with one request in flight per connection).
///
/// It runs in the harness's process, so it shares the machine's cores with the server. To keep
/// its share small, requests are prepared as bytes before the clock starts and replies are
/// read as bytes (no `String`, no Foundation per request); to make the share visible, every
/// client thread measures its own CPU time, so the server's CPU per request is the process's
/// CPU minus the clients'.
struct RESTLoad {
    /// What one drive measured.
    struct Result {
        var requests: Int
        var seconds: Double
        /// Every request's round trip, nanoseconds, sorted.
        var latencies: [UInt64]
        /// CPU seconds (user + system) of the whole process, and of the client threads alone.
        var processCPU: Double
        var clientCPU: Double

        var rate: Double { Double(requests) / seconds }

        /// The round trip at quantile `q` (0…1), milliseconds.
        func latencyMilliseconds(at q: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = min(latencies.count - 1, Int((Double(latencies.count - 1) * q).rounded()))
            return Double(latencies[index]) / 1e6
        }

        /// CPU microseconds per request spent outside the client threads: the server's
        /// handlers, its event loops, the site's log writer.
        var serverCPUMicrosPerRequest: Double { (processCPU - clientCPU) / Double(requests) * 1e6 }

        /// CPU microseconds per request of the client threads themselves. (Two threads
        /// polling all the connections, as `wrk -t 2` does, measured the same ~14 µs for a get
        /// as a blocking thread per connection, and got a smaller share of a busy machine.)
        var clientCPUMicrosPerRequest: Double { clientCPU / Double(requests) * 1e6 }
    }

    /// Sends `requests[c]` over client `c`'s connection; every reply must be 200.
    static func drive(port: Int, requests: [[[UInt8]]]) throws -> Result {
        let failure = Mutex<String?>(nil)
        let latencies = Mutex<[UInt64]>([])
        let clientCPU = Mutex<Double>(0)
        let group = DispatchGroup()
        let cpuBefore = processCPUSeconds()
        let start = monotonicNanoseconds()
        for client in requests.indices {
            group.enter()
            let mine = requests[client]
            let thread = Thread {
                defer { group.leave() }
                let cpuStart = threadCPUSeconds()
                var times: [UInt64] = []
                times.reserveCapacity(mine.count)
                do {
                    let connection = try KeepAliveConnection(port: port)
                    defer { connection.close() }
                    for request in mine {
                        let sent = monotonicNanoseconds()
                        let (status, body) = try connection.exchange(request)
                        times.append(monotonicNanoseconds() - sent)
                        if status != 200 {
                            throw BenchError("rest: HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
                        }
                    }
                } catch {
                    failure.withLock { $0 = $0 ?? "\(error)" }
                }
                let cpu = threadCPUSeconds() - cpuStart
                clientCPU.withLock { $0 += cpu }
                latencies.withLock { $0 += times }
            }
            thread.start()
        }
        group.wait()
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let processCPU = processCPUSeconds() - cpuBefore
        if let message = failure.withLock({ $0 }) { throw BenchError(message) }
        let sorted = latencies.withLock { $0 }.sorted()
        return Result(requests: sorted.count, seconds: seconds, latencies: sorted,
                      processCPU: processCPU, clientCPU: clientCPU.withLock { $0 })
    }

    /// User plus system CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), seconds.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// User plus system CPU time of the whole process (`getrusage(RUSAGE_SELF)`), seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// One HTTP/1.1 keep-alive connection over a blocking loopback socket; replies must carry
/// `Content-Length` (the server's always do). Replies are parsed as bytes.
final class KeepAliveConnection {
    private let fd: Int32
    /// Received bytes not yet consumed: `buffer[start..<end]`.
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("rest: socket() failed, errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw BenchError("rest: connect() failed, errno \(errno)")
        }
    }

    func close() { Glibc.close(fd) }

    /// Sends one request and reads its reply: (status, body).
    func exchange(_ request: [UInt8]) throws -> (Int, ArraySlice<UInt8>) {
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError("rest: send() failed, errno \(errno)") }
            sent += n
        }
        // Positions relative to `start`, which `fill()` may move.
        var scanned = 0
        var headLength: Int? = nil
        while headLength == nil {
            while start + scanned + 3 < end {
                let i = start + scanned
                if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 {
                    headLength = scanned
                    break
                }
                scanned += 1
            }
            if headLength == nil { try fill() }
        }
        let head = buffer[start..<(start + headLength!)]
        // "HTTP/1.1 200 OK": the status is the three digits after the first space.
        guard let space = head.firstIndex(of: 32), space + 3 < head.endIndex else { throw BenchError("rest: bad status line") }
        let status = head[(space + 1)...(space + 3)].reduce(0) { $0 * 10 + Int($1) - 48 }
        let length = Self.contentLength(head) ?? 0
        let replyLength = headLength! + 4 + length
        while end - start < replyLength { try fill() }
        let body = buffer[(start + headLength! + 4)..<(start + replyLength)]
        start += replyLength
        return (status, body)
    }

    /// The `Content-Length` header's value, name matched without regard to case.
    static func contentLength(_ head: ArraySlice<UInt8>) -> Int? {
        let name = Array("content-length:".utf8)
        var i = head.startIndex
        while i < head.endIndex {
            // At the start of a line.
            if head.endIndex - i > name.count, zip(head[i..<(i + name.count)], name).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) {
                var value = 0
                var j = i + name.count
                while j < head.endIndex, head[j] == 32 { j += 1 }
                while j < head.endIndex, head[j] >= 48, head[j] <= 57 { value = value * 10 + Int(head[j]) - 48; j += 1 }
                return value
            }
            guard let newline = head[i...].firstIndex(of: 10) else { return nil }
            i = newline + 1
        }
        return nil
    }

    /// Reads more bytes, first moving what is unconsumed to the front of the buffer (and
    /// growing it when a reply does not fit).
    private func fill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress! + end, $0.count - end, 0) }
        guard n > 0 else { throw BenchError("rest: connection closed or recv() failed (errno \(errno))") }
        end += n
    }
}
