internal import CContinuumKernels

/// Instruction set for the kernels. `.best` means the process's active path (`active`): what
/// `CONTINUUM_ISA` or `KernelISA.force` chose, else the best the CPU supports. An explicit
/// path above what the CPU supports falls back to the best available. `.avx512NoVBMI` runs
/// the AVX-512 VNNI kernels without the VBMI ones (as on Cascade Lake). On aarch64, `.neon` uses
/// the dot-product extension (SDOT) and `.neonNoDot` the same kernels with plain NEON products
/// (CPUs without it; any aarch64 CPU can run it).
public enum KernelISA: Int32, Sendable, CaseIterable {
    case best = -1, scalar = 0, avx2 = 1, avx512 = 2, avx512NoVBMI = 3, neon = 4, neonNoDot = 5

    /// The best instruction set this CPU supports.
    public static var detected: KernelISA { KernelISA(rawValue: ck_cpu_isa()) ?? .scalar }

    /// The path every `.best` call takes in this process (never `.best`).
    public static var active: KernelISA { KernelISA(rawValue: ck_active_isa_choice()) ?? .scalar }

    /// Every concrete path this CPU can run, best first (the portable path last).
    public static var supported: [KernelISA] {
        [.avx512, .avx512NoVBMI, .avx2, .neon, .neonNoDot, .scalar].filter { $0.isSupported }
    }

    /// Whether this CPU can run the path (`.best` always can).
    public var isSupported: Bool {
        switch self {
        case .best, .scalar: true
        case .avx2: Self.detected == .avx2 || Self.detected == .avx512
        case .avx512, .avx512NoVBMI: Self.detected == .avx512
        case .neon: Self.detected == .neon
        case .neonNoDot: Self.detected == .neon || Self.detected == .neonNoDot
        }
    }

    /// The name `CONTINUUM_ISA` takes: auto, avx512, avx512-novbmi, avx2, neon, neon-nodot, portable.
    public var name: String {
        switch self {
        case .best: "auto"
        case .scalar: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        case .avx512NoVBMI: "avx512-novbmi"
        case .neon: "neon"
        case .neonNoDot: "neon-nodot"
        }
    }

    /// Parses a `CONTINUUM_ISA` value (`scalar` and `best` are accepted too).
    public init?(name: String) {
        let raw = name.withCString { ck_isa_parse($0) }
        guard raw != -2, let isa = KernelISA(rawValue: raw) else { return nil }
        self = isa
    }

    /// Makes `isa` the path of every `.best` call from now on (`.best` returns to the CPU's).
    public static func force(_ isa: KernelISA) throws(KernelISAError) {
        switch ck_set_isa(isa.rawValue) {
        case 0: return
        default: throw .unsupported(requested: isa.name, cpu: detected.name)
        }
    }

    /// Checks `CONTINUUM_ISA`: throws when it names an unknown path or one this CPU lacks, so
    /// a program can refuse to start instead of running another path than the one asked for.
    public static func checkEnvironment() throws(KernelISAError) {
        switch ck_isa_environment_status() {
        case -1: throw .unknown(ProcessEnvironment.value("CONTINUUM_ISA") ?? "")
        case -2: throw .unsupported(requested: ProcessEnvironment.value("CONTINUUM_ISA") ?? "", cpu: detected.name)
        default: return
        }
    }
}

/// Why a kernel path cannot be chosen.
public enum KernelISAError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String)
    case unsupported(requested: String, cpu: String)

    public var description: String {
        switch self {
        case .unknown(let name):
            "CONTINUUM_ISA=\(name) is not a kernel path; use one of auto, avx512, avx512-novbmi, avx2, neon, neon-nodot, portable"
        case .unsupported(let requested, let cpu):
            "this CPU cannot run the \(requested) kernels (the best it supports is \(cpu)); use a lower CONTINUUM_ISA or auto"
        }
    }
}

/// CONTINUUM_ISA as the kernels read it (ContinuumKernels does not import Foundation).
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let p = ck_isa_environment() else { return nil }
        return String(cString: p)
    }
}

extension Kernels {
    /// Checks the AVX2 float ops (dot, axpy, norm, softmax, swiglu), which the dispatcher does not
    /// pick on AVX-512 CPUs, against the scalar reference; returns the number of failures.
    package static func selfTestAVX2FloatOps() -> Int { Int(ck_floatops_selftest_avx2()) }
    /// Compares the AVX2 activation quantizer with the scalar one byte for byte (every activation
    /// layout); returns the number of mismatching rows.
    package static func selfTestAVX2Quantizer() -> Int { Int(ck_quant_act_selftest_avx2()) }
}
