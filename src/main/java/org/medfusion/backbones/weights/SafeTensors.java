package org.medfusion.backbones.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medfusion.platform.AtomicFiles;

/**
 * The safetensors format (Hugging Face's, as {@code safetensors.torch.save_file} writes it): an 8-byte little-endian
 * header length N, N bytes of JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin,
 * end]}} (offsets relative to the end of the header) plus an optional {@code "__metadata__"} map of strings, then the
 * raw little-endian tensor bytes. Read here by hand: the format is a page long, no library on Maven Central reads it
 * without pulling in a runtime of its own, and a hand reader can check every offset against the file so that a
 * truncated or overlapping file is one clear error, never a partial load.
 *
 * <p>Only {@code F32} tensors are loaded into a backbone (torchvision's weights are float32); any other dtype is
 * reported by name. The whole file is read into memory (the largest torchvision model we register, ViT-L/16, is
 * 1.2 GB of float32).
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** safetensors' own limit on the header (100 MB): a larger length is a corrupt or foreign file. */
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    /** One tensor: its name, dtype label as written ({@code F32}, {@code F16}, ...), shape and raw bytes. */
    public record Tensor(String name, String dtype, long[] shape, ByteBuffer data) {

        /** Number of elements (1 for a scalar). */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** The values as float32; a tensor of another dtype is an error naming it. */
        public float[] floats() {
            if (!"F32".equals(dtype)) {
                throw new WeightsException("tensor '" + name + "' has dtype " + dtype + "; only F32 is supported");
            }
            float[] out = new float[Math.toIntExact(elements())];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        /** The shape as text, {@code (64, 3, 7, 7)} as PyTorch prints it. */
        public String shapeText() {
            return shapeText(shape);
        }

        public static String shapeText(long[] shape) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                b.append(i > 0 ? ", " : "").append(shape[i]);
            }
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }
    }

    /** A file's tensors in header order and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    private SafeTensors() {
    }

    /** Bytes per element of each safetensors dtype. */
    static int elementSize(String dtype) {
        switch (dtype) {
            case "F64": case "I64": case "U64":
                return 8;
            case "F32": case "I32": case "U32":
                return 4;
            case "F16": case "BF16": case "I16": case "U16":
                return 2;
            case "I8": case "U8": case "BOOL": case "F8_E4M3": case "F8_E5M2":
                return 1;
            default:
                return -1;
        }
    }

    /** Reads and checks a whole file; every inconsistency is a {@link WeightsException} naming the file and what is wrong. */
    public static Contents read(Path file) {
        ByteBuffer all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new WeightsException(file + ": " + size + " bytes is more than this reader holds (2 GiB)");
            }
            all = ByteBuffer.allocate((int) size);
            while (all.hasRemaining() && ch.read(all) >= 0) {
                // read fully
            }
            all.flip();
        } catch (NoSuchFileException e) {
            throw new WeightsException("weights file " + file + " not found");
        } catch (IOException e) {
            throw new WeightsException("cannot read weights file " + file + ": " + e.getMessage());
        }
        return parse(all, file.toString());
    }

    /** Parses safetensors bytes; {@code what} names the source in errors. */
    public static Contents parse(ByteBuffer bytes, String what) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 8) {
            throw new WeightsException(what + ": not a safetensors file (" + b.remaining() + " bytes, no header length)");
        }
        long headerLen = b.getLong();
        if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > b.remaining()) {
            throw new WeightsException(what + ": not a safetensors file or truncated (header length " + headerLen + ", "
                    + b.remaining() + " bytes follow)");
        }
        byte[] header = new byte[(int) headerLen];
        b.get(header);
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8).strip());
        } catch (JsonProcessingException e) {
            throw new WeightsException(what + ": its safetensors header is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new WeightsException(what + ": its safetensors header is not a JSON object");
        }
        ByteBuffer data = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        long dataLen = data.remaining();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        long[][] spans = new long[root.size()][];
        int n = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if ("__metadata__".equals(name)) {
                t.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode dt = t.get("dtype");
            JsonNode sh = t.get("shape");
            JsonNode off = t.get("data_offsets");
            if (dt == null || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2) {
                throw new WeightsException(what + ": tensor '" + name + "' lacks dtype, shape or data_offsets in the header");
            }
            String dtype = dt.asText();
            int es = elementSize(dtype);
            if (es < 0) {
                throw new WeightsException(what + ": tensor '" + name + "' has unknown dtype " + dtype);
            }
            long[] shape = new long[sh.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = sh.get(i).asLong(-1);
                if (shape[i] < 0) {
                    throw new WeightsException(what + ": tensor '" + name + "' has a bad shape " + sh);
                }
                elements *= shape[i];
            }
            long begin = off.get(0).asLong(-1);
            long end = off.get(1).asLong(-1);
            if (begin < 0 || end < begin) {
                throw new WeightsException(what + ": tensor '" + name + "' has bad data_offsets " + off);
            }
            if (end > dataLen) {
                throw new WeightsException(what + ": truncated: tensor '" + name + "' ends at byte " + end + " of the data, which has "
                        + dataLen + " bytes");
            }
            if (end - begin != elements * es) {
                throw new WeightsException(what + ": tensor '" + name + "' holds " + (end - begin) + " bytes, but " + dtype + " "
                        + Tensor.shapeText(shape) + " needs " + elements * es);
            }
            spans[n++] = new long[] {begin, end};
            ByteBuffer slice = data.duplicate().position((int) begin).limit((int) end).slice().order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(name, new Tensor(name, dtype, shape, slice));
        }
        long[][] used = Arrays.copyOf(spans, n);
        Arrays.sort(used, (x, y) -> Long.compare(x[0], y[0]));
        for (int i = 1; i < used.length; i++) {
            if (used[i][0] < used[i - 1][1]) {
                throw new WeightsException(what + ": tensors overlap in the data (bytes " + used[i][0] + ".." + used[i - 1][1] + ")");
            }
        }
        return new Contents(tensors, metadata);
    }

    /** Writes float32 tensors (name to shape and values, in map order) atomically, as safetensors does. */
    public static void writeF32(Path file, Map<String, long[]> shapes, Map<String, float[]> values, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var sh = t.putArray("shape");
            for (long d : e.getValue()) {
                sh.add(d);
            }
            long len = 4L * values.get(e.getKey()).length;
            t.putArray("data_offsets").add(offset).add(offset + len);
            offset += len;
        }
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8; // safetensors pads the header with spaces to 8-byte alignment
        byte[] padded = Arrays.copyOf(h, h.length + pad);
        Arrays.fill(padded, h.length, padded.length, (byte) ' ');
        try {
            AtomicFiles.write(file, os -> writeBody(os, padded, shapes, values));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void writeBody(OutputStream os, byte[] header, Map<String, long[]> shapes, Map<String, float[]> values)
            throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        os.write(len.array());
        os.write(header);
        for (String name : shapes.keySet()) {
            float[] v = values.get(name);
            ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(v);
            os.write(buf.array());
        }
    }
}
