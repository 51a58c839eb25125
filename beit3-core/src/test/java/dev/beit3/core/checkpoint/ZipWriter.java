package dev.beit3.core.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
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
            int method = e.deflate ? 8 : 0;
            long compressed = e.deflate ? payload.length : e.declaredSize;
            long offset = out.size();
            ByteBuffer lh = le(30 + name.length);
            lh.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) method)
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue())
                    .putInt((int) compressed).putInt((int) e.declaredSize)
                    .putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(lh.array());
            out.writeBytes(payload);
            ByteBuffer ch = le(46 + name.length);
            ch.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) method).putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) crc.getValue()).putInt((int) compressed).putInt((int) e.declaredSize)
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt((int) offset).put(name);
            central.writeBytes(ch.array());
        }
        long cdOffset = out.size();
        out.writeBytes(central.toByteArray());
        ByteBuffer end = le(22);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                .putShort((short) entries.size()).putInt(central.size()).putInt((int) cdOffset).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
