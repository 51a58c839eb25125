package dev.beit3.train;

import dev.beit3.core.io.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** NumPy {@code .npz} archives: a zip of {@code <name>.npy} entries (read: any; write: STORED float32). */
final class Npz {
    private Npz() {}

    /** Reads every entry, keyed by its name without the {@code .npy} suffix, in archive order. */
    static Map<String, Npy.Array> read(Path file) throws IOException {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> en = z.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                try (InputStream in = z.getInputStream(e)) {
                    out.put(name, Npy.read(in, e.getSize(), file + "!" + e.getName()));
                }
            }
        }
        return out;
    }

    /** Writes float32 arrays as STORED entries {@code <name>.npy}. */
    static void writeFloats(Path file, Map<String, float[]> values, Map<String, long[]> shapes) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                Npy.writeFloats(buf, shapes.get(e.getKey()), e.getValue());
                byte[] bytes = buf.toByteArray();
                ZipEntry ze = new ZipEntry(e.getKey() + ".npy");
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(bytes);
                z.closeEntry();
            }
        }
    }
}
