package dev.beit3.core.testing.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generic byte-level mutations: bit flips, random and interesting bytes, interesting 16/32/64-bit integers (both
 * byte orders) over size fields, small arithmetic, insertion, deletion, duplication, truncation, splicing with
 * another input, and dictionary tokens.
 */
public final class Mutators implements Fuzzer.Mutator {
    /** Values that break size arithmetic: zero, one, sign and width boundaries, "just below 2 GiB", huge. */
    public static final long[] INTERESTING = {
        0, 1, 2, 7, 8, 16, 64, 127, 128, 255, 256, 1023, 1024, 4096, 32767, 32768, 65535, 65536, 1 << 20,
        (1L << 31) - 9, Integer.MAX_VALUE, 1L << 31, (1L << 32) - 1, 1L << 32, 1L << 40, Long.MAX_VALUE,
        Long.MIN_VALUE, -1, -2, -128, -32768, Integer.MIN_VALUE
    };

    private final byte[][] dictionary;

    /**
     * Creates the generic mutator.
     *
     * @param dictionary format tokens to insert or overwrite (may be empty)
     */
    public Mutators(byte[][] dictionary) {
        this.dictionary = dictionary.clone();
    }

    @Override
    public byte[] mutate(byte[] in, SplittableRandom r, List<byte[]> pool) {
        int n = in.length;
        int kind = r.nextInt(dictionary.length > 0 ? 13 : 12);
        if (n == 0 && kind < 9) {
            kind = 9;
        }
        byte[] out;
        switch (kind) {
            case 0 -> { // bit flip
                out = in.clone();
                int p = r.nextInt(n);
                out[p] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // random byte
                out = in.clone();
                out[r.nextInt(n)] = (byte) r.nextInt(256);
            }
            case 2 -> { // interesting byte
                out = in.clone();
                int[] v = {0, 1, 0x7f, 0x80, 0xff, 0x0a, '(', '.'};
                out[r.nextInt(n)] = (byte) v[r.nextInt(v.length)];
            }
            case 3, 4 -> { // interesting integer over a (size) field
                int width = new int[] {2, 4, 4, 8}[r.nextInt(4)];
                if (n < width) {
                    return null;
                }
                out = in.clone();
                long v = INTERESTING[r.nextInt(INTERESTING.length)];
                put(out, r.nextInt(n - width + 1), width, v, r.nextBoolean());
            }
            case 5 -> { // small arithmetic on a 32-bit little-endian field
                if (n < 4) {
                    return null;
                }
                out = in.clone();
                int p = r.nextInt(n - 3);
                long v = get(out, p, 4) + (r.nextInt(33) - 16);
                put(out, p, 4, v, false);
            }
            case 6 -> { // delete a chunk
                int len = 1 + r.nextInt(Math.max(1, Math.min(n, 64)));
                int p = r.nextInt(n - Math.min(len, n) + 1);
                out = new byte[n - Math.min(len, n)];
                System.arraycopy(in, 0, out, 0, p);
                System.arraycopy(in, p + Math.min(len, n), out, p, n - p - Math.min(len, n));
            }
            case 7 -> { // duplicate a chunk in place
                int len = 1 + r.nextInt(Math.max(1, Math.min(n, 256)));
                len = Math.min(len, n);
                int from = r.nextInt(n - len + 1);
                int at = r.nextInt(n + 1);
                out = insert(in, at, Arrays.copyOfRange(in, from, from + len));
            }
            case 8 -> { // truncate
                out = Arrays.copyOf(in, r.nextInt(n));
            }
            case 9 -> { // insert random bytes
                byte[] ins = new byte[1 + r.nextInt(16)];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = (byte) r.nextInt(256);
                }
                out = insert(in, r.nextInt(n + 1), ins);
            }
            case 10 -> { // splice: head of this, tail of another
                byte[] other = pool.isEmpty() ? in : pool.get(r.nextInt(pool.size()));
                if (n == 0 || other.length == 0) {
                    return null;
                }
                int a = r.nextInt(n);
                int bpos = r.nextInt(other.length);
                out = new byte[a + other.length - bpos];
                System.arraycopy(in, 0, out, 0, a);
                System.arraycopy(other, bpos, out, a, other.length - bpos);
            }
            case 11 -> { // overwrite a run with one repeated byte
                if (n == 0) {
                    return null;
                }
                out = in.clone();
                int p = r.nextInt(n);
                int len = Math.min(n - p, 1 + r.nextInt(32));
                Arrays.fill(out, p, p + len, (byte) (r.nextBoolean() ? 0xff : 0));
            }
            default -> { // dictionary token: insert or overwrite
                byte[] tok = dictionary[r.nextInt(dictionary.length)];
                int p = r.nextInt(n + 1);
                if (r.nextBoolean() && p + tok.length <= n) {
                    out = in.clone();
                    System.arraycopy(tok, 0, out, p, tok.length);
                } else {
                    out = insert(in, p, tok);
                }
            }
        }
        return out;
    }

    /**
     * Inserts bytes.
     *
     * @param in the input
     * @param at position
     * @param ins bytes to insert
     * @return a new array
     */
    public static byte[] insert(byte[] in, int at, byte[] ins) {
        byte[] out = new byte[in.length + ins.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(in, at, out, at + ins.length, in.length - at);
        return out;
    }

    /**
     * Writes an integer of {@code width} bytes.
     *
     * @param b target
     * @param p position
     * @param width 1..8
     * @param v value
     * @param bigEndian byte order
     */
    public static void put(byte[] b, int p, int width, long v, boolean bigEndian) {
        for (int i = 0; i < width; i++) {
            int shift = 8 * (bigEndian ? width - 1 - i : i);
            b[p + i] = (byte) (v >>> shift);
        }
    }

    /**
     * Reads a little-endian unsigned integer of {@code width} bytes.
     *
     * @param b source
     * @param p position
     * @param width 1..8
     * @return the value
     */
    public static long get(byte[] b, int p, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << 8 | (b[p + i] & 0xff);
        }
        return v;
    }

    /**
     * An interesting value.
     *
     * @param r random source
     * @return one of {@link #INTERESTING}
     */
    public static long interesting(SplittableRandom r) {
        return INTERESTING[r.nextInt(INTERESTING.length)];
    }
}
