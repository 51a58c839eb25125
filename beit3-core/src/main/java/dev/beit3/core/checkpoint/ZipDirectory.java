package dev.beit3.core.checkpoint;

import dev.beit3.api.CheckpointException;
import dev.beit3.core.io.Printable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cross-check of a zip archive's central directory against its local headers, done before {@link
 * java.util.zip.ZipFile} reads anything, so that what {@code inspect} shows is what PyTorch would load. Java's
 * {@code ZipFile} and PyTorch's miniz resolve ambiguities differently (with two entries of one name, one takes the
 * last and the other the first), so an archive with any ambiguity is refused:
 * <ul>
 *   <li>two central-directory entries with the same name;</li>
 *   <li>a local header whose name, compression method, CRC or sizes differ from its central-directory entry
 *       (sizes and CRC are compared unless the entry uses a data descriptor or ZIP64 placeholders);</li>
 *   <li>entries whose bytes overlap each other or the central directory (a zip-bomb and differential trick).</li>
 * </ul>
 */
final class ZipDirectory {
    /** At most this many entries (a base checkpoint has a few hundred storages; a large one a few thousand). */
    static final int MAX_ENTRIES = 1_000_000;
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;

    /** One central-directory entry. */
    record Entry(String name, byte[] rawName, int flags, int method, long crc, long compressed, long size,
            long localOffset) {}

    private ZipDirectory() {}

    /**
     * Checks an archive.
     *
     * @param file the archive
     * @return the central-directory entries, in directory order
     * @throws CheckpointException on an ambiguity or a structural error
     */
    static List<Entry> check(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long[] cd = findCentralDirectory(ch, size, file);
            long cdOffset = cd[0];
            long cdSize = cd[1];
            long count = cd[2];
            if (count > MAX_ENTRIES) {
                throw bad(file, "its central directory declares " + count + " entries, more than the limit of "
                        + MAX_ENTRIES);
            }
            if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > size || cdSize > Integer.MAX_VALUE - 8) {
                throw bad(file, "its central directory (" + cdSize + " bytes at " + cdOffset
                        + ") lies outside the file of " + size + " bytes");
            }
            ByteBuffer dir = read(ch, cdOffset, (int) cdSize, file);
            List<Entry> entries = new ArrayList<>();
            Map<String, Integer> seen = new HashMap<>();
            while (dir.remaining() >= 46 && dir.getInt(dir.position()) == CENTRAL) {
                int p = dir.position();
                int flags = dir.getShort(p + 8) & 0xffff;
                int method = dir.getShort(p + 10) & 0xffff;
                long crc = dir.getInt(p + 16) & 0xffffffffL;
                long compressed = dir.getInt(p + 20) & 0xffffffffL;
                long uncompressed = dir.getInt(p + 24) & 0xffffffffL;
                int nameLen = dir.getShort(p + 28) & 0xffff;
                int extraLen = dir.getShort(p + 30) & 0xffff;
                int commentLen = dir.getShort(p + 32) & 0xffff;
                long local = dir.getInt(p + 42) & 0xffffffffL;
                int total = 46 + nameLen + extraLen + commentLen;
                if (total > dir.remaining()) {
                    throw bad(file, "a central-directory entry at byte " + (cdOffset + p) + " runs past the directory");
                }
                byte[] raw = new byte[nameLen];
                dir.get(p + 46, raw);
                // ZIP64 extra field (id 1): the real values of the fields set to 0xFFFFFFFF, in this order
                int e = p + 46 + nameLen;
                int end = e + extraLen;
                while (e + 4 <= end) {
                    int id = dir.getShort(e) & 0xffff;
                    int len = dir.getShort(e + 2) & 0xffff;
                    int q = e + 4;
                    if (q + len > end) {
                        break;
                    }
                    if (id == 1) {
                        if (uncompressed == 0xffffffffL && q + 8 <= e + 4 + len) {
                            uncompressed = dir.getLong(q);
                            q += 8;
                        }
                        if (compressed == 0xffffffffL && q + 8 <= e + 4 + len) {
                            compressed = dir.getLong(q);
                            q += 8;
                        }
                        if (local == 0xffffffffL && q + 8 <= e + 4 + len) {
                            local = dir.getLong(q);
                        }
                    }
                    e += 4 + len;
                }
                String name = new String(raw, StandardCharsets.UTF_8);
                Integer first = seen.putIfAbsent(name, entries.size());
                if (first != null) {
                    throw new CheckpointException("zip archive " + file + " holds two entries named '"
                            + Printable.of(name) + "' (entries " + first + " and " + entries.size() + "): PyTorch reads"
                            + " the first and other zip readers the last, so the file is ambiguous; refusing it");
                }
                entries.add(new Entry(name, raw, flags, method, crc, compressed, uncompressed, local));
                dir.position(p + total);
            }
            if (entries.size() != count) {
                throw bad(file, "its central directory declares " + count + " entries but holds " + entries.size());
            }
            checkLocalHeaders(ch, entries, cdOffset, file);
            return entries;
        }
    }

    private static void checkLocalHeaders(FileChannel ch, List<Entry> entries, long cdOffset, Path file)
            throws IOException {
        long[][] spans = new long[entries.size()][];
        for (int i = 0; i < entries.size(); i++) {
            Entry en = entries.get(i);
            String what = "entry '" + Printable.of(en.name()) + "'";
            if (en.localOffset() + 30 > cdOffset) {
                throw bad(file, what + " has its local header at byte " + en.localOffset()
                        + ", not before the central directory at " + cdOffset);
            }
            ByteBuffer h = read(ch, en.localOffset(), 30, file);
            if (h.getInt(0) != LOCAL) {
                throw bad(file, what + " has no local header at byte " + en.localOffset());
            }
            int flags = h.getShort(6) & 0xffff;
            int method = h.getShort(8) & 0xffff;
            long crc = h.getInt(14) & 0xffffffffL;
            long compressed = h.getInt(18) & 0xffffffffL;
            long size = h.getInt(22) & 0xffffffffL;
            int nameLen = h.getShort(26) & 0xffff;
            int extraLen = h.getShort(28) & 0xffff;
            long dataStart = en.localOffset() + 30 + nameLen + extraLen;
            if (dataStart > cdOffset) {
                throw bad(file, what + "'s local header runs into the central directory");
            }
            byte[] raw = read(ch, en.localOffset() + 30, nameLen, file).array();
            if (!Arrays.equals(raw, en.rawName())) {
                throw new CheckpointException("zip archive " + file + ": the central directory names an entry '"
                        + Printable.of(en.name()) + "' whose local header is named '"
                        + Printable.of(new String(raw, StandardCharsets.UTF_8)) + "'; readers disagree on such files,"
                        + " refusing it");
            }
            if (method != en.method()) {
                throw bad(file, what + " is compressed with method " + en.method() + " in the central directory but "
                        + method + " in its local header");
            }
            boolean descriptor = (flags & 8) != 0 || (en.flags() & 8) != 0;
            boolean zip64 = compressed == 0xffffffffL || size == 0xffffffffL;
            if (!descriptor && !zip64 && (crc != en.crc() || compressed != en.compressed() || size != en.size())) {
                throw bad(file, what + " declares CRC " + Long.toHexString(en.crc()) + ", " + en.compressed() + "/"
                        + en.size() + " bytes in the central directory but CRC " + Long.toHexString(crc) + ", "
                        + compressed + "/" + size + " bytes in its local header");
            }
            long dataEnd = dataStart + en.compressed();
            if (en.compressed() < 0 || dataEnd > cdOffset) {
                throw bad(file, what + " (" + en.compressed() + " bytes at " + dataStart
                        + ") runs into the central directory at " + cdOffset);
            }
            spans[i] = new long[] {en.localOffset(), dataEnd, i};
        }
        Arrays.sort(spans, Comparator.comparingLong(s -> s[0]));
        for (int i = 1; i < spans.length; i++) {
            if (spans[i][0] < spans[i - 1][1]) {
                throw new CheckpointException("zip archive " + file + ": entries '"
                        + Printable.of(entries.get((int) spans[i - 1][2]).name()) + "' and '"
                        + Printable.of(entries.get((int) spans[i][2]).name()) + "' overlap (bytes "
                        + spans[i - 1][0] + "-" + spans[i - 1][1] + " and " + spans[i][0] + "-" + spans[i][1]
                        + "); a well-formed archive stores every entry once, refusing it");
            }
        }
    }

    /** @return {central directory offset, size, entry count} */
    private static long[] findCentralDirectory(FileChannel ch, long size, Path file) throws IOException {
        int tail = (int) Math.min(size, 22 + 0xffff);
        if (tail < 22) {
            throw bad(file, "it is too short for a zip archive");
        }
        ByteBuffer b = read(ch, size - tail, tail, file);
        for (int p = tail - 22; p >= 0; p--) {
            if (b.getInt(p) != EOCD) {
                continue;
            }
            int commentLen = b.getShort(p + 20) & 0xffff;
            if (p + 22 + commentLen != tail) {
                continue;
            }
            long count = b.getShort(p + 10) & 0xffff;
            long cdSize = b.getInt(p + 12) & 0xffffffffL;
            long cdOffset = b.getInt(p + 16) & 0xffffffffL;
            if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
                long locator = size - tail + p - 20;
                if (locator < 0) {
                    throw bad(file, "its ZIP64 end-of-directory locator is missing");
                }
                ByteBuffer l = read(ch, locator, 20, file);
                if (l.getInt(0) != ZIP64_LOCATOR) {
                    throw bad(file, "its ZIP64 end-of-directory locator is missing");
                }
                long at = l.getLong(8);
                if (at < 0 || at + 56 > locator) {
                    throw bad(file, "its ZIP64 end-of-directory record lies outside the file");
                }
                ByteBuffer z = read(ch, at, 56, file);
                if (z.getInt(0) != ZIP64_EOCD) {
                    throw bad(file, "its ZIP64 end-of-directory record is missing");
                }
                count = z.getLong(32);
                cdSize = z.getLong(40);
                cdOffset = z.getLong(48);
            }
            return new long[] {cdOffset, cdSize, count};
        }
        throw bad(file, "it has no end-of-central-directory record");
    }

    private static ByteBuffer read(FileChannel ch, long at, int n, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        long p = at;
        while (b.hasRemaining()) {
            int r = ch.read(b, p);
            if (r < 0) {
                throw bad(file, "it ends early at byte " + p + " (truncated)");
            }
            p += r;
        }
        b.flip();
        return b;
    }

    private static CheckpointException bad(Path file, String why) {
        return new CheckpointException(file + " is not a well-formed zip archive: " + why
                + "; the file is corrupt or was crafted, download it again");
    }
}
