package dev.beit3.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.testing.Fixtures;
import dev.beit3.core.testing.ReferenceNpy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code .npy} and {@code .npz} file of the fixture set read ({@code -Dbeit3.fixtures}) gives, through the
 * library path ({@link Npy#read}, {@link Npy#readNpz}: DJL's {@code NDList.decode}), the same arrays as the former
 * hand-written reader ({@link ReferenceNpy}): same names in the same order, dtype, shape and element bytes. One
 * line per fixture directory.
 */
class NpyLibraryReadTest {
    @Test
    void libraryReadsEveryFixtureArrayLikeTheFormerReader() throws IOException {
        Path root = Fixtures.root();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".npy") || p.toString().endsWith(".npz"))
                    .sorted().toList();
        }
        assertThat(files).as("npy/npz files under " + root).isNotEmpty();
        Map<Path, int[]> perDir = new TreeMap<>(); // files, arrays, elements
        TreeSet<String> dtypes = new TreeSet<>();
        for (Path f : files) {
            boolean npz = f.toString().endsWith(".npz");
            Map<String, Npy.Array> want = npz ? ReferenceNpy.readNpz(f) : Map.of("", ReferenceNpy.read(f));
            List<Npy.Array> got = npz ? new ArrayList<>(Npy.readNpz(f).values()) : List.of(Npy.read(f));
            if (npz) {
                assertThat(Npy.readNpz(f).keySet()).as(f.toString()).containsExactlyElementsOf(want.keySet());
            }
            assertThat(got).as(f.toString()).hasSize(want.size());
            int i = 0;
            int[] c = perDir.computeIfAbsent(root.relativize(f).getParent() == null ? Path.of(".")
                    : root.relativize(f).getParent(), k -> new int[3]);
            c[0]++;
            for (Npy.Array w : want.values()) {
                Npy.Array g = got.get(i++);
                String what = f + (npz ? " entry " + i : "");
                assertThat(g.descr()).as(what).isEqualTo(w.descr());
                assertThat(g.shape()).as(what).containsExactly(w.shape());
                assertThat(g.data()).as(what).isEqualTo(w.data());
                dtypes.add(w.descr() + (w.shape().length == 0 ? " (0-d)" : ""));
                c[1]++;
                c[2] += (int) w.size();
            }
        }
        for (Map.Entry<Path, int[]> e : perDir.entrySet()) {
            System.out.printf("npy/npz library vs former reader: %-45s %3d files, %3d arrays, %8d elements,"
                    + " max|diff| 0 (identical bytes)%n", e.getKey(), e.getValue()[0], e.getValue()[1],
                    e.getValue()[2]);
        }
        System.out.println("npy/npz dtypes seen: " + dtypes);
    }

    /** A version 1.0 .npy by hand: the header dict padded with spaces to 64 bytes, then the element bytes. */
    private static byte[] npy(String descr, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        b.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(data);
        return b.toByteArray();
    }

    @Test
    void dtypesTheFixturesLackDecodeToTheirHandValues(@TempDir Path tmp) throws IOException {
        Path bools = Files.write(tmp.resolve("b.npy"), npy("|b1", "(2, 2)", new byte[] {1, 0, 0, 1}));
        Path scalar = Files.write(tmp.resolve("s.npy"), npy("|b1", "()", new byte[] {1}));
        Path ints = Files.write(tmp.resolve("i.npy"), npy("<i4", "(3,)",
                new byte[] {7, 0, 0, 0, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 1, 0, 0}));
        assertThat(Npy.read(bools).descr()).isEqualTo("|b1");
        assertThat(Npy.read(bools).shape()).containsExactly(2, 2);
        assertThat(Npy.read(bools).longs()).containsExactly(1, 0, 0, 1);
        assertThat(Npy.read(scalar).shape()).isEmpty();
        assertThat(Npy.read(scalar).longs()).containsExactly(1);
        assertThat(Npy.read(ints).longs()).containsExactly(7, -2, 256);
        for (Path p : List.of(bools, scalar, ints)) {
            assertThat(Npy.read(p).data()).isEqualTo(ReferenceNpy.read(p).data());
        }
    }
}
