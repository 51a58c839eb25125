package dev.beit3.core.checkpoint;

import dev.beit3.api.CheckpointException;
import dev.beit3.core.checkpoint.Pickle.DTypeRef;
import dev.beit3.core.checkpoint.Pickle.Global;
import dev.beit3.core.checkpoint.Pickle.Namespace;
import dev.beit3.core.checkpoint.Pickle.StorageRef;
import dev.beit3.core.checkpoint.Pickle.TensorRef;
import dev.beit3.core.checkpoint.Pickle.Tuple;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine (protocols 0–5) restricted to what a PyTorch state dict needs. It never
 * instantiates Java or Python classes: every allowed global maps to a fixed, data-only handler, and
 * every other global is refused with a {@link CheckpointException} naming it. Stack, mark nesting
 * and memo sizes are bounded, and every length field is checked against the remaining bytes before
 * anything is allocated.
 */
final class RestrictedUnpickler {
    static final int MAX_STACK = 1 << 20;
    static final int MAX_MARKS = 1 << 16;
    static final int MAX_MEMO = 1 << 22;
    static final int MAX_LINE = 1 << 16;
    static final String ALLOWED = "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_tensor, "
            + "torch._utils._rebuild_parameter, torch.*Storage, torch.Size, torch.<dtype>, argparse.Namespace, "
            + "builtins.set/frozenset, _codecs.encode";

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final byte[] in;
    private final String where;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private RestrictedUnpickler(byte[] in, String where) {
        this.in = in;
        this.where = where;
    }

    /**
     * Runs the pickle to its STOP opcode.
     *
     * @param pickle the pickle bytes
     * @param where where they come from, for messages (e.g. {@code "archive/data.pkl in x.pth"})
     * @return the unpickled top object
     */
    static Object load(byte[] pickle, String where) {
        RestrictedUnpickler u = new RestrictedUnpickler(pickle, where);
        try {
            return u.run();
        } catch (CheckpointException e) {
            throw e;
        } catch (ClassCastException | IndexOutOfBoundsException | IllegalArgumentException | ArithmeticException e) {
            throw u.error("malformed pickle (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        } catch (StackOverflowError e) {
            throw u.error("pickle nests too deeply");
        }
    }

    private CheckpointException error(String what) {
        return new CheckpointException(what + " at byte " + pos + " of " + where);
    }

    private Object run() {
        while (true) {
            if (pos >= in.length) {
                throw error("truncated pickle: no STOP opcode");
            }
            int opPos = pos;
            int op = in[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v > 5) {
                        throw error("unsupported pickle protocol " + v + " (at most 5)");
                    }
                }
                case 0x95 -> { // FRAME
                    long n = u64();
                    if (n < 0 || n > in.length - pos) {
                        throw error("FRAME of " + n + " bytes runs past the end of the pickle");
                    }
                }
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("STOP with " + stack.size() + " values on the stack (expected 1)");
                    }
                    return stack.get(0);
                }
                case '(' -> {
                    if (marks.size() >= MAX_MARKS) {
                        throw error("more than " + MAX_MARKS + " nested MARKs");
                    }
                    marks.push(stack.size());
                    push(MARK);
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                // ---- scalars
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) u8());
                case 'M' -> push((long) u16());
                case 'J' -> push((long) i32());
                case 0x8a -> push(longBytes(u8())); // LONG1
                case 0x8b -> push(longBytes(len(i32()))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(u64be()));
                case 'I' -> {
                    String s = line();
                    push(switch (s) {
                        case "01" -> Boolean.TRUE;
                        case "00" -> Boolean.FALSE;
                        default -> parseInt(s);
                    });
                }
                case 'L' -> push(parseInt(s(line(), 'L')));
                case 'F' -> push(Double.parseDouble(line()));
                // ---- strings and bytes
                case 'X' -> push(utf8(len(i32())));
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(len(u64()))); // BINUNICODE8
                case 'V' -> push(line()); // UNICODE (raw-unicode-escape, ASCII subset)
                case 'T' -> push(latin1(len(i32()))); // BINSTRING
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case 'S' -> push(unquote(line()));
                case 'B' -> push(bytes(len(i32()))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(len(u64()))); // BINBYTES8, BYTEARRAY8
                // ---- containers
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(tupleOf(1));
                case 0x86 -> push(tupleOf(2));
                case 0x87 -> push(tupleOf(3));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(hashable(k), v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    putPairs(dict(peek()), items);
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Set<Object> set = set(peek());
                    for (Object o : items) {
                        set.add(hashable(o));
                    }
                }
                case 0x91 -> { // FROZENSET
                    Set<Object> set = new LinkedHashSet<>();
                    for (Object o : popMark()) {
                        set.add(hashable(o));
                    }
                    push(set);
                }
                // ---- memo
                case 'p' -> memoPut(parseIndex(line()));
                case 'q' -> memoPut(u8());
                case 'r' -> memoPut(u32());
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'g' -> push(memoGet(parseIndex(line())));
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(u32()));
                // ---- globals and objects
                case 'c' -> {
                    String module = line();
                    String name = line();
                    push(global(module, name, opPos));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n, opPos));
                }
                case 'R' -> {
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(newObj(cls, args));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                        throw error("NEWOBJ_EX with keyword arguments is not supported");
                    }
                    push(newObj(cls, args));
                }
                case 'b' -> {
                    Object state = pop();
                    build(peek(), state);
                }
                case 'Q' -> push(persistentLoad(pop()));
                case 'P' -> throw error("text persistent id '" + line() + "' is not a PyTorch storage reference");
                case 'i' -> { // INST module\nname\n: names the class in the message, never resolves it
                    String module = line();
                    String name = line();
                    throw new CheckpointException("refusing INST " + dev.beit3.core.io.Printable.of(module + "." + name) + " (class instantiation) at byte "
                            + opPos + " of " + where + ": a state dict never instantiates classes");
                }
                case 'o' -> { // OBJ: the class is the first item after the topmost MARK
                    Object cls = marks.isEmpty() || marks.peek() + 1 >= stack.size() ? null : stack.get(marks.peek() + 1);
                    throw new CheckpointException("refusing OBJ of " + kind(cls) + " (class instantiation) at byte "
                            + opPos + " of " + where + ": a state dict never instantiates classes");
                }
                case 0x82, 0x83, 0x84 -> throw error("EXT opcodes (extension registry) are refused in a checkpoint");
                case 0x97, 0x98 -> throw error("out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER) are not supported");
                default -> throw new CheckpointException(String.format(
                        "unknown pickle opcode 0x%02x at byte %d of %s", op, opPos, where));
            }
        }
    }

    // ------------------------------------------------------------------ globals

    private Object global(String module, String name, int opPos) {
        String q = module + "." + name;
        boolean ok = switch (module) {
            case "collections" -> name.equals("OrderedDict");
            case "torch._utils" -> name.equals("_rebuild_tensor_v2") || name.equals("_rebuild_tensor")
                    || name.equals("_rebuild_parameter");
            case "torch" -> name.equals("Size") || name.equals("UntypedStorage")
                    || (name.endsWith("Storage") && DType.fromTorchStorage(name).isPresent())
                    || DType.fromTorchDtypeName(name).isPresent() && isDtypeAttr(name);
            case "torch.storage" -> name.equals("UntypedStorage");
            case "argparse" -> name.equals("Namespace");
            case "builtins", "__builtin__" -> name.equals("set") || name.equals("frozenset");
            case "_codecs" -> name.equals("encode");
            default -> false;
        };
        if (!ok) {
            throw new CheckpointException("refusing pickle global " + dev.beit3.core.io.Printable.of(q) + " in " + where + " (byte " + opPos
                    + "): only state-dict globals are allowed (" + ALLOWED + "); this file is not a plain "
                    + "state dict and may run code when loaded in Python");
        }
        if (module.equals("torch") && !name.endsWith("Storage") && !name.equals("Size")) {
            return new DTypeRef(DType.fromTorchDtypeName(name).orElseThrow());
        }
        return new Global(module.equals("__builtin__") ? "builtins" : module, name);
    }

    private static boolean isDtypeAttr(String name) {
        // torch.float32, torch.half, ... are lower-case attribute names; refuse torch.Float etc.
        return name.equals(name.toLowerCase(java.util.Locale.ROOT));
    }

    private Object reduce(Object callable, Object argsObj) {
        if (!(callable instanceof Global g)) {
            throw error("REDUCE on " + kind(callable) + ", not an allowed callable");
        }
        if (!(argsObj instanceof Tuple args)) {
            throw error("REDUCE arguments of " + g.qualified() + " are " + kind(argsObj) + ", not a tuple");
        }
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof Tuple t) || t.size() != 2) {
                            throw error("OrderedDict item is not a (key, value) pair");
                        }
                        m.put(hashable(t.get(0)), t.get(1));
                    }
                } else if (args.size() != 0) {
                    throw error("OrderedDict called with " + args.size() + " arguments");
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (args.size() < 4) {
                    throw error(g.qualified() + " needs (storage, offset, size, stride, ...), got " + args.size()
                            + " arguments");
                }
                if (!(args.get(0) instanceof StorageRef s)) {
                    throw error(g.qualified() + ": first argument is " + kind(args.get(0)) + ", not a storage");
                }
                long offset = asLong(args.get(1), "storage offset");
                long[] size = longs(args.get(2), "size");
                long[] stride = longs(args.get(3), "stride");
                return new TensorRef(s, offset, size, stride);
            }
            case "torch._utils._rebuild_parameter" -> {
                if (args.size() < 1 || !(args.get(0) instanceof TensorRef t)) {
                    throw error("_rebuild_parameter needs a tensor as first argument");
                }
                return t;
            }
            case "torch.Size" -> {
                if (args.size() != 1 || !(args.get(0) instanceof Tuple t)) {
                    throw error("torch.Size needs one tuple argument");
                }
                longs(t, "torch.Size");
                return t;
            }
            case "builtins.set", "builtins.frozenset" -> {
                Set<Object> s = new LinkedHashSet<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> l) {
                    for (Object o : l) {
                        s.add(hashable(o));
                    }
                } else if (args.size() != 0) {
                    throw error(g.qualified() + " needs a list argument");
                }
                return s;
            }
            case "_codecs.encode" -> {
                if (args.size() != 2 || !(args.get(0) instanceof String str) || !(args.get(1) instanceof String enc)) {
                    throw error("_codecs.encode needs (str, encoding)");
                }
                return switch (enc.toLowerCase(java.util.Locale.ROOT)) {
                    case "latin1", "latin-1", "iso-8859-1" -> str.getBytes(StandardCharsets.ISO_8859_1);
                    case "utf-8", "utf8" -> str.getBytes(StandardCharsets.UTF_8);
                    default -> throw error("_codecs.encode with unsupported encoding " + enc);
                };
            }
            case "argparse.Namespace" -> {
                if (args.size() != 0) {
                    throw error("argparse.Namespace called with positional arguments");
                }
                return new Namespace();
            }
            default -> throw error("calling " + g.qualified() + " is not allowed");
        }
    }

    private Object newObj(Object cls, Object args) {
        if (cls instanceof Global g && (g.qualified().equals("argparse.Namespace")
                || g.qualified().equals("collections.OrderedDict"))) {
            return reduce(cls, args);
        }
        throw error("NEWOBJ of " + kind(cls) + " is not allowed (only argparse.Namespace, collections.OrderedDict)");
    }

    private void build(Object target, Object state) {
        Object dictState = state;
        if (state instanceof Tuple t && t.size() == 2) {
            dictState = t.get(0); // (dict, slotstate)
        }
        if (target instanceof Namespace ns) {
            if (dictState instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    ns.attributes.put(String.valueOf(e.getKey()), e.getValue());
                }
                return;
            }
            throw error("BUILD of argparse.Namespace with " + kind(state));
        }
        if (target instanceof Map<?, ?> || target instanceof TensorRef) {
            // OrderedDict._metadata (module versions) or tensor attributes: inert, ignored
            if (dictState == null || dictState instanceof Map<?, ?>) {
                return;
            }
        }
        throw error("BUILD on " + kind(target) + " with " + kind(state) + " is not supported");
    }

    private Object persistentLoad(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw error("persistent id " + kind(pid) + " is not a ('storage', type, key, location, numel) tuple");
        }
        DType dtype;
        Object type = t.get(1);
        if (type instanceof Global g && g.module().startsWith("torch") && g.name().endsWith("Storage")) {
            dtype = g.name().equals("UntypedStorage") ? DType.UINT8 : DType.fromTorchStorage(g.name()).orElseThrow();
        } else if (type instanceof DTypeRef d) {
            dtype = d.dtype();
        } else {
            throw error("storage type " + kind(type) + " is not a torch storage class");
        }
        if (!(t.get(2) instanceof String key) || !key.matches("[A-Za-z0-9_.\\-]{1,200}") || key.contains("..")) {
            throw error("storage key " + kind(t.get(2)) + " is not a plain entry name");
        }
        String location = t.get(3) instanceof String l ? l : String.valueOf(t.get(3));
        long numel = asLong(t.get(4), "storage numel");
        if (numel < 0) {
            throw error("storage " + dev.beit3.core.io.Printable.of(String.valueOf(key)) + " declares a negative size " + numel);
        }
        return new StorageRef(key, dtype, numel, location);
    }

    // ------------------------------------------------------------------ stack helpers

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) {
            throw error("pickle stack exceeds " + MAX_STACK + " entries");
        }
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw error("pickle stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw error("unexpected MARK on the stack");
        }
        return o;
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw error("pickle stack underflow");
        }
        Object o = stack.get(stack.size() - 1);
        if (o == MARK) {
            throw error("unexpected MARK on the stack");
        }
        return o;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw error("no MARK on the stack");
        }
        int m = marks.pop();
        List<Object> sub = stack.subList(m + 1, stack.size());
        List<Object> items = new ArrayList<>(sub);
        for (Object o : items) {
            if (o == MARK) {
                throw error("corrupt MARK nesting");
            }
        }
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Tuple tupleOf(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return new Tuple(java.util.Arrays.asList(items));
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(hashable(items.get(i)), items.get(i + 1));
        }
    }

    private void memoPut(long index) {
        if (index < 0 || index >= MAX_MEMO) {
            throw error("memo index " + index + " out of range (max " + MAX_MEMO + ")");
        }
        if (!memo.containsKey((int) index) && memo.size() >= MAX_MEMO) {
            throw error("memo exceeds " + MAX_MEMO + " entries");
        }
        memo.put((int) index, peek());
    }

    private Object memoGet(long index) {
        if (index < 0 || index >= MAX_MEMO || !memo.containsKey((int) index)) {
            throw error("memo index " + index + " was never stored");
        }
        return memo.get((int) index);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw error("APPEND to " + kind(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("SETITEM on " + kind(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (o instanceof LinkedHashSet<?> s) {
            return (Set<Object>) s;
        }
        throw error("ADDITEMS on " + kind(o) + ", not a set");
    }

    private Object hashable(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double
                || k instanceof Boolean || k instanceof Tuple || k instanceof Global || k instanceof DTypeRef) {
            return k;
        }
        if (k instanceof byte[] b) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        throw error("unhashable " + kind(k) + " used as a dict key or set item");
    }

    static String kind(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        if (o instanceof String s) {
            return "str '" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
        }
        if (o instanceof Tuple t) {
            return "tuple of " + t.size();
        }
        if (o instanceof TensorRef) {
            return "tensor";
        }
        if (o instanceof StorageRef) {
            return "storage";
        }
        if (o instanceof Map<?, ?>) {
            return "dict";
        }
        if (o instanceof List<?>) {
            return "list";
        }
        return o.getClass().getSimpleName();
    }

    private long asLong(Object o, String what) {
        if (o instanceof Long l) {
            return l;
        }
        throw error(what + " is " + kind(o) + ", not an int");
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof Tuple t)) {
            throw error(what + " is " + kind(o) + ", not a tuple of ints");
        }
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = asLong(t.get(i), what + "[" + i + "]");
        }
        return r;
    }

    // ------------------------------------------------------------------ byte readers

    private void need(long n) {
        if (n < 0 || n > in.length - pos) {
            throw error("truncated pickle: " + n + " bytes needed, " + (in.length - pos) + " left");
        }
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xFF;
    }

    private int u16() {
        need(2);
        int v = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    private int i32() {
        need(4);
        int v = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8 | (in[pos + 2] & 0xFF) << 16 | (in[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32() {
        return i32() & 0xFFFFFFFFL;
    }

    private long u64() {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (in[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    private long u64be() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (in[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    private int len(long n) {
        if (n < 0 || n > in.length - pos) {
            throw error("truncated pickle or absurd length " + n + " (" + (in.length - pos) + " bytes left)");
        }
        return (int) n;
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = java.util.Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    private String utf8(int n) {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private String latin1(int n) {
        need(n);
        String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    private Object longBytes(int n) {
        need(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = in[pos + n - 1 - i];
        }
        pos += n;
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String line() {
        int end = pos;
        int limit = Math.min(in.length, pos + MAX_LINE);
        while (end < limit && in[end] != '\n') {
            end++;
        }
        if (end >= limit) {
            throw error("truncated pickle: unterminated text argument");
        }
        String s = new String(in, pos, end - pos, StandardCharsets.UTF_8);
        pos = end + 1;
        return s;
    }

    private static String s(String str, char strip) {
        return str.endsWith(String.valueOf(strip)) ? str.substring(0, str.length() - 1) : str;
    }

    private Object parseInt(String s) {
        BigInteger v = new BigInteger(s.trim());
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private long parseIndex(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw error("bad memo index '" + s + "'");
        }
    }

    private String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        throw error("STRING argument is not quoted");
    }
}
