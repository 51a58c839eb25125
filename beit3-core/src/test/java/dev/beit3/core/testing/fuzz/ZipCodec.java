package dev.beit3.core.testing.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.zip.CRC32;

/**
 * A lenient zip reader/writer for zip-aware mutations: splits an archive into entries through its central
 * directory and writes entries back with whatever (possibly lying) header fields they carry.
 */
public final class ZipCodec {
    /**
     * One entry as stored.
     *
     * @param name entry name
     * @param method compression method as declared
     * @param crc declared CRC-32
     * @param compressedSize declared compressed size
     * @param size declared uncompressed size
     * @param payload the stored bytes (compressed when method 8)
     */
    public record Entry(String name, int method, int crc, long compressedSize, long size, byte[] payload) {
        /**
         * The same entry with another payload; sizes and CRC made honest for a STORED entry.
         *
         * @param p new stored payload
         * @return the entry
         */
        public Entry withStoredPayload(byte[] p) {
            CRC32 c = new CRC32();
            c.update(p);
            return new Entry(name, 0, (int) c.getValue(), p.length, p.length, p);
        }
    }

    private ZipCodec() {}

    /**
     * Splits an archive; null when its central directory cannot be followed.
     *
     * @param zip the archive bytes
     * @return the entries in central-directory order, or null
     */
    public static List<Entry> parse(byte[] zip) {
        int eocd = -1;
        for (int i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
            if (i >= 0 && u32(zip, i) == 0x06054b50L) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            return null;
        }
        int count = u16(zip, eocd + 10);
        long cd = u32(zip, eocd + 16);
        List<Entry> out = new ArrayList<>();
        int p = (int) Math.min(cd, Integer.MAX_VALUE);
        for (int k = 0; k < count; k++) {
            if (p < 0 || (long) p + 46 > zip.length || u32(zip, p) != 0x02014b50L) {
                return null;
            }
            int method = u16(zip, p + 10);
            int crc = (int) u32(zip, p + 16);
            long csize = u32(zip, p + 20);
            long size = u32(zip, p + 24);
            int nlen = u16(zip, p + 28);
            int xlen = u16(zip, p + 30);
            int clen = u16(zip, p + 32);
            long loc = u32(zip, p + 42);
            if ((long) p + 46 + nlen > zip.length) {
                return null;
            }
            String name = new String(zip, p + 46, nlen, StandardCharsets.UTF_8);
            if (loc + 30 > zip.length) {
                return null;
            }
            int l = (int) loc;
            long start = (long) l + 30 + u16(zip, l + 26) + u16(zip, l + 28);
            long end = start + csize;
            if (start > zip.length || end > zip.length) {
                return null;
            }
            byte[] payload = java.util.Arrays.copyOfRange(zip, (int) start, (int) end);
            out.add(new Entry(name, method, crc, csize, size, payload));
            p += 46 + nlen + xlen + clen;
        }
        return out;
    }

    /**
     * Writes entries as an archive, with their header fields as given.
     *
     * @param entries the entries
     * @return the archive
     */
    public static byte[] write(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            long offset = out.size();
            ByteBuffer lh = le(30 + name.length);
            lh.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) e.method())
                    .putShort((short) 0).putShort((short) 0x21).putInt(e.crc())
                    .putInt((int) e.compressedSize()).putInt((int) e.size())
                    .putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(lh.array());
            out.writeBytes(e.payload());
            ByteBuffer ch = le(46 + name.length);
            ch.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) e.method()).putShort((short) 0).putShort((short) 0x21)
                    .putInt(e.crc()).putInt((int) e.compressedSize()).putInt((int) e.size())
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

    /**
     * A mutator over entries: names ({@code ../}, absolute, backslashes, duplicates), methods, declared sizes and
     * CRCs, dropped and duplicated entries.
     *
     * @return the mutator
     */
    public static Fuzzer.Mutator entryMutator() {
        return (in, r, pool) -> {
            List<Entry> es = parse(in);
            if (es == null || es.isEmpty()) {
                return null;
            }
            List<Entry> out = new ArrayList<>(es);
            int i = r.nextInt(out.size());
            Entry e = out.get(i);
            switch (r.nextInt(8)) {
                case 0 -> {
                    String[] evil = {"../", "../../etc/", "/", "\\", "C:", "archive/../", "archive/data/../../", ""};
                    out.set(i, new Entry(evil[r.nextInt(evil.length)] + e.name(), e.method(), e.crc(),
                            e.compressedSize(), e.size(), e.payload()));
                }
                case 1 -> out.set(i, new Entry(e.name(), new int[] {0, 8, 12, 99}[r.nextInt(4)], e.crc(),
                        e.compressedSize(), e.size(), e.payload()));
                case 2 -> out.set(i, new Entry(e.name(), e.method(), e.crc(), e.compressedSize(),
                        Mutators.interesting(r) & 0xffffffffL, e.payload()));
                case 3 -> out.set(i, new Entry(e.name(), e.method(), e.crc(),
                        Mutators.interesting(r) & 0xffffffffL, e.size(), e.payload()));
                case 4 -> out.set(i, new Entry(e.name(), e.method(), r.nextInt(), e.compressedSize(), e.size(),
                        e.payload()));
                case 5 -> out.remove(i);
                case 6 -> out.add(r.nextInt(out.size() + 1), e);
                default -> {
                    Entry other = out.get(r.nextInt(out.size()));
                    out.set(i, new Entry(other.name(), e.method(), e.crc(), e.compressedSize(), e.size(),
                            e.payload()));
                }
            }
            return write(out);
        };
    }

    /**
     * A mutator that changes the payload of the first STORED entry whose name ends with {@code suffix} (keeping the
     * archive consistent), e.g. the pickle {@code data.pkl} of a checkpoint.
     *
     * @param suffix entry-name suffix
     * @param inner mutation of the payload
     * @return the mutator
     */
    public static Fuzzer.Mutator payloadMutator(String suffix, BiFunction<byte[], SplittableRandom, byte[]> inner) {
        return (in, r, pool) -> {
            List<Entry> es = parse(in);
            if (es == null) {
                return null;
            }
            for (int i = 0; i < es.size(); i++) {
                Entry e = es.get(i);
                if (e.name().endsWith(suffix) && e.method() == 0) {
                    byte[] p = inner.apply(e.payload(), r);
                    if (p == null) {
                        return null;
                    }
                    List<Entry> out = new ArrayList<>(es);
                    out.set(i, e.withStoredPayload(p));
                    return write(out);
                }
            }
            return null;
        };
    }

    private static int u16(byte[] b, int p) {
        if (p < 0 || (long) p + 2 > b.length) {
            return 0;
        }
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int p) {
        if (p < 0 || (long) p + 4 > b.length) {
            return 0;
        }
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
