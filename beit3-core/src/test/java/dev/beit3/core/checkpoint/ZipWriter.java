package dev.beit3.core.checkpoint;

import dev.beit3.core.testing.fuzz.ZipCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Test helper: writes a zip archive byte by byte, so tests can make entries lie about their sizes
 * (zip bombs, absurd sizes) or use hostile names.
 */
final class ZipWriter {
    private record Entry(String name, byte[] data, boolean deflate, long declaredSize) {}

    private final List<Entry> entries = new ArrayList<>();

    ZipWriter stored(String name, byte[] data) {
        entries.add(new Entry(name, data, false, data.length));
        return this;
    }

    /** A STORED entry whose headers declare {@code declaredSize} although it holds {@code data}. */
    ZipWriter storedLying(String name, byte[] data, long declaredSize) {
        entries.add(new Entry(name, data, false, declaredSize));
        return this;
    }

    /** A DEFLATED entry whose headers declare {@code declaredSize} uncompressed bytes. */
    ZipWriter deflated(String name, byte[] data, long declaredSize) {
        entries.add(new Entry(name, data, true, declaredSize));
        return this;
    }

    /** The usual torch.save layout: {@code archive/data.pkl}, {@code archive/data/<k>}, {@code archive/version}. */
    static ZipWriter torch(byte[] pickle, byte[]... storages) {
        ZipWriter z = new ZipWriter().stored("archive/data.pkl", pickle);
        for (int i = 0; i < storages.length; i++) {
            z.stored("archive/data/" + i, storages[i]);
        }
        return z.stored("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    byte[] bytes() {
        List<ZipCodec.Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            byte[] payload = e.data;
            if (e.deflate) {
                Deflater d = new Deflater(9, true);
                d.setInput(e.data);
                d.finish();
                ByteArrayOutputStream c = new ByteArrayOutputStream();
                byte[] buf = new byte[1 << 16];
                while (!d.finished()) {
                    c.write(buf, 0, d.deflate(buf));
                }
                payload = c.toByteArray();
            }
            CRC32 crc = new CRC32();
            crc.update(e.data);
            // a STORED entry's compressed size is its declared size, so both can lie together
            out.add(new ZipCodec.Entry(e.name, e.deflate ? 8 : 0, (int) crc.getValue(),
                    e.deflate ? payload.length : e.declaredSize, e.declaredSize, payload));
        }
        return ZipCodec.write(out);
    }
}
