package dev.beit3.core.testing.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Pickle-opcode-aware mutations: the pickle is split into opcodes (with their arguments), then an opcode is
 * deleted, duplicated, moved, replaced by another opcode, has its integer or length argument set to an interesting
 * value, or a gadget is inserted at an opcode boundary (forbidden {@code GLOBAL}/{@code STACK_GLOBAL},
 * {@code INST}/{@code OBJ}, {@code REDUCE}/{@code BUILD}, memo abuse, huge lengths, shared-reference doubling
 * chains).
 */
public final class PickleMutator {
    private PickleMutator() {}

    /** Opcodes without arguments that the restricted VM knows or refuses. */
    private static final byte[] PLAIN = "(012N.)t]l}dsuaeRb0Q".getBytes(StandardCharsets.ISO_8859_1);
    private static final int[] PLAIN_HIGH = {0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94,
        0x97, 0x98, 'o'};

    /** Gadgets inserted at opcode boundaries. */
    static final byte[][] GADGETS = {
        ascii("cposix\nsystem\n"),
        ascii("cbuiltins\nexec\n"),
        ascii("c__builtin__\neval\n"),
        ascii("csubprocess\nPopen\n"),
        ascii("ctorch.storage\n_load_from_bytes\n"),
        ascii("ccopyreg\n_reconstructor\n"),
        ascii("\u008c\u0005posix\u0094\u008c\u0006system\u0094\u0093"),
        ascii("(cos\nsystem\nS'id'\ni"),
        ascii("(cos\nsystem\nS'id'\no"),
        ascii("cbuiltins\ngetattr\n(cbuiltins\ndict\nS'get'\ntR"),
        ascii("\u0082\u0001"),
        ascii("(((((((((("),
        ascii("2222222222"),
        ascii("\u0094\u0094\u0094"),
        ascii("h\u0000"),
        ascii("j\u00ff\u00ff\u00ff\u007f"),
        ascii("r\u00ff\u00ff\u00ff\u00ff"),
        ascii("X\u00ff\u00ff\u00ff\u007f"),
        ascii("\u008d\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f"),
        ascii("\u008b\u00ff\u00ff\u00ff\u007f"),
        ascii("\u0095\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f"),
        ascii("I99999999999999999999999999999999999999999\n"),
        ascii("F1e999\n"),
        ascii("J\u00ff\u00ff\u00ff\u00ff"),
        ascii("]" + "2\u0086".repeat(40)),
        ascii("]" + "2a".repeat(8)),
        ascii("}2\u0086"),
        ascii("\u008f(2\u0090"),
        ascii("N}b"),
        ascii("(S'storage'\nctorch\nFloatStorage\nS'0'\nS'cpu'\nJ\u00ff\u00ff\u00ff\u007ftQ"),
        ascii("(S'storage'\nctorch\nFloatStorage\nS'../../x'\nS'cpu'\nK\u0001tQ"),
        ascii("ctorch._utils\n_rebuild_tensor_v2\n"),
        ascii("ccollections\nOrderedDict\n)R"),
        ascii("cargparse\nNamespace\n)\u0081"),
    };

    /**
     * Length of the opcode at {@code p} including its arguments, or -1 when it cannot be followed.
     *
     * @param b pickle bytes
     * @param p position of an opcode
     * @return the length or -1
     */
    static int opLength(byte[] b, int p) {
        int op = b[p] & 0xff;
        int n = b.length - p;
        int len;
        switch (op) {
            case 0x80, 'K', 'q', 'h', 'U', 'C', 0x8c, 0x8a, 0x82 -> {
                if (n < 2) {
                    return -1;
                }
                int a = b[p + 1] & 0xff;
                len = switch (op) {
                    case 'U', 'C', 0x8c, 0x8a -> 2 + a;
                    default -> 2;
                };
            }
            case 'M', 0x83 -> len = 3;
            case 'J', 'r', 'j', 0x84 -> len = 5;
            case 'X', 'T', 'B', 0x8b -> {
                if (n < 5) {
                    return -1;
                }
                long a = Mutators.get(b, p + 1, 4);
                len = a > n ? -1 : (int) (5 + a);
            }
            case 'G', 0x95 -> len = 9;
            case 0x8d, 0x8e, 0x96 -> {
                if (n < 9) {
                    return -1;
                }
                long a = Mutators.get(b, p + 1, 8);
                len = a < 0 || a > n ? -1 : (int) (9 + a);
            }
            case 'I', 'L', 'F', 'V', 'S', 'p', 'g', 'P' -> len = line(b, p + 1, 1);
            case 'c', 'i' -> len = line(b, p + 1, 2);
            default -> len = 1;
        }
        return len < 0 || len > n ? -1 : len;
    }

    private static int line(byte[] b, int from, int lines) {
        int p = from;
        for (int k = 0; k < lines; k++) {
            while (p < b.length && b[p] != '\n') {
                p++;
            }
            if (p >= b.length) {
                return -1;
            }
            p++;
        }
        return p - from + 1;
    }

    /**
     * Opcode boundaries: start offsets, followed by the end of the last opcode that could be followed.
     *
     * @param b pickle bytes
     * @return offsets
     */
    static int[] boundaries(byte[] b) {
        List<Integer> out = new ArrayList<>();
        int p = 0;
        while (p < b.length) {
            out.add(p);
            int l = opLength(b, p);
            if (l <= 0) {
                break;
            }
            p += l;
        }
        out.add(Math.min(p, b.length));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Mutates one pickle.
     *
     * @param in the pickle
     * @param r random source
     * @return the mutant, or null
     */
    public static byte[] mutate(byte[] in, SplittableRandom r) {
        int[] bs = boundaries(in);
        int ops = bs.length - 1;
        if (ops <= 0) {
            return null;
        }
        int i = r.nextInt(ops);
        int s = bs[i];
        int e = bs[i + 1];
        switch (r.nextInt(7)) {
            case 0 -> { // delete
                return cat(Arrays.copyOfRange(in, 0, s), Arrays.copyOfRange(in, e, in.length));
            }
            case 1 -> { // duplicate
                return Mutators.insert(in, e, Arrays.copyOfRange(in, s, e));
            }
            case 2 -> { // move to another boundary
                byte[] op = Arrays.copyOfRange(in, s, e);
                byte[] rest = cat(Arrays.copyOfRange(in, 0, s), Arrays.copyOfRange(in, e, in.length));
                int[] rb = boundaries(rest);
                return Mutators.insert(rest, rb[r.nextInt(rb.length)], op);
            }
            case 3 -> { // replace the opcode byte by another argument-less one
                byte[] out = cat(Arrays.copyOfRange(in, 0, s), new byte[] {plain(r)}, Arrays.copyOfRange(in, e, in.length));
                return out;
            }
            case 4 -> { // interesting value in the argument
                if (e - s < 2) {
                    return null;
                }
                byte[] out = in.clone();
                int width = Math.min(e - s - 1, new int[] {1, 2, 4, 8}[r.nextInt(4)]);
                Mutators.put(out, s + 1, width, Mutators.interesting(r), false);
                return out;
            }
            default -> { // insert a gadget
                byte[] g = GADGETS[r.nextInt(GADGETS.length)];
                return Mutators.insert(in, bs[r.nextInt(bs.length)], g);
            }
        }
    }

    private static byte plain(SplittableRandom r) {
        if (r.nextBoolean()) {
            return PLAIN[r.nextInt(PLAIN.length)];
        }
        return (byte) PLAIN_HIGH[r.nextInt(PLAIN_HIGH.length)];
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * As a campaign mutator over bare pickles.
     *
     * @return the mutator
     */
    public static Fuzzer.Mutator asMutator() {
        return (in, r, pool) -> mutate(in, r);
    }
}
