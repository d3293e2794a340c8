// All Llama weights in one flat Float32 buffer laid out by LlamaLayout (llm.c style): gradients
// (LlamaGradients) and a trainer's AdamW moments use the same layout and are walked by offset.

import Checkpoints
import Foundation
import Tensors

public typealias LlamaLayerOffsets = LlamaLayout.Layer

public enum ModelError: Error, Equatable, CustomStringConvertible {
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case unsupported(String)
    case tokenOutOfRange(id: Int, vocabSize: Int)

    public var description: String {
        switch self {
        case .missingTensor(let n): return "checkpoint has no tensor '\(n)'"
        case .shapeMismatch(let n, let e, let f): return "tensor '\(n)' has shape \(f), expected \(e)"
        case .unsupported(let s): return "unsupported model: \(s)"
        case .tokenOutOfRange(let id, let v): return "token id \(id) outside the vocabulary 0..<\(v)"
        }
    }
}

public final class LlamaParameters {
    public let layout: LlamaLayout
    public let count: Int
    public let base: UnsafeMutablePointer<Float>
    public var embed: Int { layout.embed }
    public var finalNorm: Int { layout.finalNorm }
    public var lmHead: Int { layout.lmHead }
    public var layers: [LlamaLayout.Layer] { layout.layers }
    public var entries: [LlamaLayout.Entry] { layout.entries }

    public init(config c: LlamaConfig) {
        layout = LlamaLayout(config: c)
        count = layout.count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { base.deallocate() }

    /// Copies every tensor in, checking names and shapes.
    public func load(_ tensors: [String: NamedTensor]) throws {
        for e in entries {
            guard let t = tensors[e.name] else { throw ModelError.missingTensor(e.name) }
            guard t.shape == e.shape, t.values.count == e.shape.reduce(1, *) else {
                throw ModelError.shapeMismatch(tensor: e.name, expected: e.shape, found: t.shape)
            }
            t.values.withUnsafeBufferPointer { (base + e.offset).update(from: $0.baseAddress!, count: $0.count) }
        }
    }

    /// Decodes every tensor straight from the checkpoint's memory-mapped files into its slot, so the
    /// weights are never held twice (HFCheckpoint.open gives `files`). Tensors the layout does not
    /// use, such as a tied checkpoint's `lm_head.weight`, are not read.
    public func load(from files: [String: SafetensorsFile]) throws {
        for e in entries {
            guard let file = files[e.name], let t = file.entries[e.name] else { throw ModelError.missingTensor(e.name) }
            guard t.shape == e.shape else {
                throw ModelError.shapeMismatch(tensor: e.name, expected: e.shape, found: t.shape)
            }
            try file.read(e.name, into: UnsafeMutableBufferPointer(start: base + e.offset, count: t.elementCount))
        }
    }

    /// The tensors as NamedTensors (a tied head is not repeated).
    public func namedTensors() -> [NamedTensor] {
        entries.map { e in
            NamedTensor(name: e.name, shape: e.shape,
                        values: Array(UnsafeBufferPointer(start: base + e.offset, count: e.shape.reduce(1, *))))
        }
    }

    @inline(__always) public subscript(offset: Int) -> UnsafeMutablePointer<Float> { base + offset }
}

extension Llama {
    /// Writes a Hugging Face folder (config.json + model.safetensors; a tied head stays one tensor)
    /// that transformers and Llama(directory:) load. Tokenizer files are the caller's to copy.
    public func save(directory: URL, dtype: SafetensorsDType = .f32) throws {
        try HFCheckpoint.save(config: config, tensors: parameters.namedTensors(), directory: directory, dtype: dtype)
    }
}
