package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.CheckpointException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reliability II (issue 17), defect 9: the safetensors reader follows the reference implementation's rules
 * (huggingface/safetensors {@code SafeTensors::read_metadata} and {@code Metadata::validate}: a UTF-8 header parsed
 * by serde_json, tensors sorted by offset covering the data area exactly). Each file is written here byte by byte.
 */
class SafeTensorsStrictTest {
    @TempDir
    Path dir;

    /** Two F32 tensors a[2] at 0..8 and b[1] at 8..12, 12 data bytes. */
    static final String VALID = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";

    static byte[] file(byte[] header, int dataBytes) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        o.writeBytes(header);
        o.writeBytes(new byte[dataBytes]);
        return o.toByteArray();
    }

    private Path write(String header, int dataBytes) throws IOException {
        return Files.write(dir.resolve("t.safetensors"), file(header.getBytes(StandardCharsets.UTF_8), dataBytes));
    }

    private void assertRefused(Path f, String... fragments) {
        for (boolean lazy : new boolean[] {false, true}) {
            assertThatThrownBy(() -> {
                if (lazy) {
                    Checkpoint.open(f);
                } else {
                    Checkpoint.read(f);
                }
            }).isInstanceOf(CheckpointException.class).satisfies(e -> {
                for (String s : fragments) {
                    assertThat(e.getMessage()).contains(s);
                }
            });
        }
    }

    @Test
    void theValidControlFileReads() throws IOException {
        Checkpoint c = Checkpoint.read(write(VALID + "    ", 12)); // space padding, as writers align to 8 bytes
        assertThat(c.tensors()).containsOnlyKeys("a", "b");
        Checkpoint z = Checkpoint.read(write("{}", 0));
        assertThat(z.tensors()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unquoted key|{a:{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "single quotes|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},'b':{'dtype':'F32','shape':[1],'data_offsets':[8,12]}}",
        "block comment|{/*x*/\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "hash comment|{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}#x",
        "line comment|{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}//x",
        "semicolon separator|{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]};\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "equals separator|{\"a\"={\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "arrow separator|{\"a\"=>{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "trailing comma|{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},}",
        "unquoted string value|{\"a\":{\"dtype\":F32,\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "invalid escape|{\"a\\'\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "raw control char|{\"a\u0001\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        "second object|{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}{}",
        "NaN literal|{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
    })
    void lenientJsonIsRefused(String what, String header) throws IOException {
        assertRefused(write(header, 12), "is not valid JSON", "read strictly");
    }

    @Test
    void nulPaddingAfterTheObjectIsRefusedLikeTheReference() throws IOException {
        byte[] h = (VALID + "\u0000\u0000\u0000").getBytes(StandardCharsets.UTF_8);
        Path f = Files.write(dir.resolve("nul.safetensors"), file(h, 12));
        assertRefused(f, "is not valid JSON");
    }

    @Test
    void invalidUtf8IsRefusedNotReplaced() throws IOException {
        byte[] h = VALID.getBytes(StandardCharsets.UTF_8);
        h[2] = (byte) 0xff; // inside the key "a"
        assertRefused(Files.write(dir.resolve("utf8.safetensors"), file(h, 12)), "is not valid UTF-8");
        byte[] overlong = VALID.replace("\"a\"", "\"aa\"").getBytes(StandardCharsets.UTF_8);
        overlong[2] = (byte) 0xc0; // an overlong encoding of '/'
        overlong[3] = (byte) 0xaf;
        assertRefused(Files.write(dir.resolve("overlong.safetensors"), file(overlong, 12)), "is not valid UTF-8");
    }

    @Test
    void anUnpairedSurrogateEscapeIsRefused() throws IOException {
        assertRefused(write(VALID.replace("\"a\"", "\"a\\ud800\""), 12), "unpaired surrogate");
    }

    @Test
    void duplicateTensorKeysAreRefused() throws IOException {
        String dup = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertRefused(write(dup, 12), "has the key 'a' twice");
    }

    @Test
    void aSecondMetadataIsRefused() throws IOException {
        String h = "{\"__metadata__\":{\"format\":\"pt\"},\"__metadata__\":{\"format\":\"np\"},"
                + VALID.substring(1);
        assertRefused(write(h, 12), "has the key '__metadata__' twice");
    }

    @Test
    void duplicateKeysInsideATensorEntryAreRefused() throws IOException {
        String h = VALID.replace("\"shape\":[2],", "\"shape\":[2],\"shape\":[1],");
        assertRefused(write(h, 12), "has the key 'shape' twice");
    }

    @Test
    void aHoleBetweenTensorsIsRefused() throws IOException {
        String hole = VALID.replace("[8,12]", "[12,16]");
        assertRefused(write(hole, 16), "starts at data byte 12, not at the end of 'a' at byte 8", "a hole of 4 bytes");
    }

    @Test
    void aFirstTensorAfterTheStartIsRefused() throws IOException {
        String late = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertRefused(write(late, 8), "starts at data byte 4, not at the start of the data area");
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        String ov = VALID.replace("[8,12]", "[4,8]");
        assertRefused(write(ov, 8), "they overlap");
    }

    @Test
    void trailingBytesAfterTheLastTensorAreRefused() throws IOException {
        assertRefused(write(VALID, 13), "1 trailing bytes that no tensor describes");
        assertRefused(write(VALID, 4096), "4084 trailing bytes");
    }

    @Test
    void dtypeShapeAndLengthMustAgree() throws IOException {
        assertRefused(write(VALID.replace("\"shape\":[2]", "\"shape\":[3]"), 12), "span 8 bytes but shape × itemsize is 12");
        assertRefused(write(VALID.replace("\"shape\":[2]", "\"shape\":[2.0]"), 12), "is not a non-negative integer");
        assertRefused(write(VALID.replace("\"shape\":[2]", "\"shape\":[2e0]"), 12), "is not a non-negative integer");
        assertRefused(write(VALID.replace("\"F32\",\"shape\":[2]", "\"F16\",\"shape\":[2]"), 12), "span 8 bytes");
    }
}
