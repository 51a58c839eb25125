package dev.beit3.index.parquet;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.IndexDocument;
import dev.beit3.index.Indexer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Imports the embedding tables of the beit3-spark job ({@code embed-images}: {@code path, embedding,
 * embedding_error}; {@code embed-texts}: {@code text, embedding, embedding_error}) into a {@link Beit3Index}.
 *
 * <p>Input: a Parquet file or a folder of them (Spark's output folder: its {@code part-*.parquet} files). Rows
 * with an {@code embedding_error} are skipped and counted. Image ids are the {@code path} column with a
 * {@code file:} URI turned into a local path, so that a later {@code beit3 index add} of the same files on this
 * machine recognises them; when the file is readable here its SHA-256 is stored (and an unchanged file is then
 * skipped by both), otherwise the hash is left empty and a later local add re-embeds it. The vectors must be
 * the model's (width and norm are checked by the index).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class ParquetImport {
    private ParquetImport() {}

    /**
     * What an import did.
     *
     * @param rows rows read
     * @param added new documents
     * @param replaced documents replaced (another hash or vector)
     * @param unchanged rows whose id and hash were already indexed
     * @param errors rows the Spark job could not embed (non-null {@code embedding_error}, or no embedding)
     * @param files the Parquet files read
     */
    public record Report(long rows, int added, int replaced, int unchanged, int errors, List<Path> files) {}

    /**
     * Imports Parquet files into an index and commits.
     *
     * @param index an open, writable index (its model must be the one the Spark job ran)
     * @param input a Parquet file or a folder of Parquet files
     * @param commitEvery commit after this many added or replaced documents
     * @return the counts
     * @throws InvalidInputException when the input is missing or does not have the Spark job's columns
     */
    public static Report importInto(Beit3Index index, Path input, int commitEvery) {
        List<Path> files = parquetFiles(input);
        Configuration conf = new Configuration();
        Map<String, String> images = index.contentHashes(IndexDocument.Modality.IMAGE);
        Map<String, String> texts = index.contentHashes(IndexDocument.Modality.TEXT);
        long rows = 0;
        int added = 0;
        int replaced = 0;
        int unchanged = 0;
        int errors = 0;
        int sinceCommit = 0;
        for (Path f : files) {
            org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(f.toUri());
            MessageType schema;
            try (ParquetFileReader meta = ParquetFileReader.open(HadoopInputFile.fromPath(hp, conf))) {
                schema = meta.getFooter().getFileMetaData().getSchema();
            } catch (IOException | RuntimeException e) {
                // parquet-hadoop reports a file that is not Parquet as a RuntimeException
                throw new InvalidInputException("cannot read " + f + " as Parquet: " + e.getMessage(), e);
            }
            String idColumn = checkSchema(f, schema);
            boolean image = idColumn.equals("path");
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), hp).withConf(conf).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    rows++;
                    if (g.getFieldRepetitionCount(idColumn) == 0 || hasError(g) || g.getFieldRepetitionCount("embedding") == 0) {
                        errors++;
                        continue;
                    }
                    String raw = g.getString(idColumn, 0);
                    String id = image ? localId(raw) : raw;
                    String hash = image ? hashIfLocal(id) : Indexer.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    Map<String, String> known = image ? images : texts;
                    if (!hash.isEmpty() && hash.equals(known.get(id))) {
                        unchanged++;
                        continue;
                    }
                    float[] v = vector(g.getGroup("embedding", 0));
                    index.add(new IndexDocument(id, hash, image ? IndexDocument.Modality.IMAGE
                            : IndexDocument.Modality.TEXT, image ? null : raw, v));
                    if (known.containsKey(id)) {
                        replaced++;
                    } else {
                        added++;
                    }
                    known.put(id, hash);
                    if (++sinceCommit >= commitEvery) {
                        index.commit();
                        sinceCommit = 0;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        index.commit();
        return new Report(rows, added, replaced, unchanged, errors, files);
    }

    static List<Path> parquetFiles(Path input) {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        if (!Files.isDirectory(input)) {
            throw new InvalidInputException("Parquet input not found: " + input);
        }
        List<Path> out;
        try (Stream<Path> s = Files.list(input)) {
            out = s.filter(p -> {
                String n = p.getFileName().toString();
                return Files.isRegularFile(p) && n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_");
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + input + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new InvalidInputException("folder " + input + " holds no .parquet files (the output folder of"
                    + " beit3-spark embed-images or embed-texts)");
        }
        return out;
    }

    private static String checkSchema(Path f, MessageType schema) {
        String id = schema.containsField("path") ? "path" : schema.containsField("text") ? "text" : null;
        if (id == null || !schema.containsField("embedding")) {
            throw new InvalidInputException(f + " does not have the columns of the beit3-spark job (path or text,"
                    + " embedding, embedding_error); it has " + schema.getFields().stream().map(Type::getName).toList());
        }
        Type e = schema.getType("embedding");
        if (e.isPrimitive() || e.asGroupType().getFieldCount() != 1 || e.asGroupType().getType(0).isPrimitive()) {
            throw new InvalidInputException(f + ": column embedding is not a list of floats (array<float>): " + e);
        }
        return id;
    }

    private static boolean hasError(Group g) {
        GroupType t = g.getType();
        return t.containsField("embedding_error") && g.getFieldRepetitionCount("embedding_error") > 0;
    }

    /** Spark's array&lt;float&gt;: a LIST group of repeated {@code list} groups holding one {@code element}. */
    private static float[] vector(Group list) {
        int n = list.getFieldRepetitionCount(0);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            Group item = list.getGroup(0, i);
            if (item.getFieldRepetitionCount(0) == 0) {
                throw new InvalidInputException("an embedding holds a null element");
            }
            v[i] = item.getFloat(0, 0);
        }
        return v;
    }

    private static String localId(String raw) {
        if (raw.startsWith("file:")) {
            try {
                return Path.of(URI.create(raw)).toAbsolutePath().normalize().toString();
            } catch (IllegalArgumentException e) {
                return raw;
            }
        }
        return raw;
    }

    private static String hashIfLocal(String id) {
        if (!id.startsWith("/")) {
            return "";
        }
        Path p = Path.of(id);
        if (!Files.isRegularFile(p)) {
            return "";
        }
        try {
            return Indexer.sha256(Files.readAllBytes(p));
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The files an input names (for messages).
     *
     * @param input a Parquet file or folder
     * @return the files
     */
    public static List<Path> files(Path input) {
        return new ArrayList<>(parquetFiles(input));
    }
}
