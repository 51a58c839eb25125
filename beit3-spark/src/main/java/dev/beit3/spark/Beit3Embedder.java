package dev.beit3.spark;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ImageLimits;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML transformer that adds BEiT-3 retrieval embeddings to a DataFrame: the L2-normalised vectors of
 * {@link dev.beit3.model.Beit3#embedImages} or {@link dev.beit3.model.Beit3#embedTexts}, the same numbers as one
 * JVM computes.
 *
 * <pre>{@code
 * Dataset<Row> files = spark.read().format("binaryFile").load("hdfs:///images/*.jpg");
 * Dataset<Row> out = new Beit3Embedder()
 *         .setModelPackage("/models/demo").setTask("retrieval")      // or setCheckpoint + setTokenizer
 *         .setInputCol("content").setModality("image")
 *         .setBatchSize(16).setThreadsPerExecutor(2)
 *         .transform(files);                                        // + embedding, embedding_error
 * }</pre>
 *
 * <p>Input: for {@code modality = image} a {@code binary} column (encoded image bytes) or a {@code string} column
 * (local path or {@code file:} URI, readable on the executors); for {@code modality = text} a {@code string}
 * column. Output: {@link #outputCol()} ({@code array<float>}, null when the row failed) and {@link #errorCol()}
 * ({@code string}, null when it succeeded). All input columns are kept.
 *
 * <p>On the executors: one model per JVM (see the package documentation), rows in batches of
 * {@link #batchSize()}, DJL offline.
 */
public final class Beit3Embedder extends Transformer {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> modality;
    private final Param<String> outputCol;
    private final Param<String> errorCol;
    private final Param<String> modelPackage;
    private final Param<String> task;
    private final Param<String> checkpoint;
    private final Param<String> tokenizer;
    private final Param<String> head;
    private final IntParam attentionHeads;
    private final IntParam maxTextLength;
    private final IntParam batchSize;
    private final IntParam threadsPerExecutor;
    private final LongParam maxImagePixels;

    /** A transformer with a random uid and the default parameters. */
    public Beit3Embedder() {
        this(Identifiable$.MODULE$.randomUID("beit3Embedder"));
    }

    /**
     * A transformer with the given uid (Spark ML calls this when copying).
     *
     * @param uid the uid
     */
    public Beit3Embedder(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "input column: image (binary bytes or string path) or text");
        modality = new Param<>(this, "modality", "what the input column holds: image or text",
                ParamValidators.inArray(new String[] {"image", "text"}));
        outputCol = new Param<>(this, "outputCol", "output column, array<float> (null for failed rows)");
        errorCol = new Param<>(this, "errorCol", "error column, string (null for embedded rows)");
        modelPackage = new Param<>(this, "modelPackage", "folder with models.json (exclusive with checkpoint)");
        task = new Param<>(this, "task", "the model package's task");
        checkpoint = new Param<>(this, "checkpoint", "checkpoint file (.pth or safetensors), exclusive with"
                + " modelPackage");
        tokenizer = new Param<>(this, "tokenizer", "SentencePiece .spm file (needed for text with a checkpoint)");
        head = new Param<>(this, "head", "head id; empty: the task's, or detected from the checkpoint");
        attentionHeads = new IntParam(this, "attentionHeads", "attention heads, 0 = default",
                ParamValidators.gtEq(0));
        maxTextLength = new IntParam(this, "maxTextLength", "text segment length, 0 = default",
                ParamValidators.gtEq(0));
        batchSize = new IntParam(this, "batchSize", "rows per forward pass",
                ParamValidators.inRange(1, ModelSpec.MAX_BATCH));
        threadsPerExecutor = new IntParam(this, "threadsPerExecutor", "intra-op threads of the engine in each"
                + " executor JVM, 0 = DJL's default; threads x executor cores should not exceed the physical cores",
                ParamValidators.gtEq(0));
        maxImagePixels = new LongParam(this, "maxImagePixels", "largest image accepted, in pixels",
                ParamValidators.gt(0));
        setDefault(modality, "image");
        setDefault(outputCol, "embedding");
        setDefault(errorCol, "embedding_error");
        setDefault(modelPackage, "");
        setDefault(task, "retrieval");
        setDefault(checkpoint, "");
        setDefault(tokenizer, "");
        setDefault(head, "");
        setDefault(attentionHeads, 0);
        setDefault(maxTextLength, 0);
        setDefault(batchSize, 16);
        setDefault(threadsPerExecutor, 0);
        setDefault(maxImagePixels, ImageLimits.DEFAULT_MAX_PIXELS);
    }

    /**
     * The uid of this stage (Spark ML).
     *
     * @return the uid
     */
    @Override
    public String uid() {
        return uid;
    }

    // ------------------------------------------------------------------ params

    /** @return the input column parameter (required) */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** @return the modality parameter: {@code image} (default) or {@code text} */
    public Param<String> modality() {
        return modality;
    }

    /** @return the output column parameter (default {@code embedding}) */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** @return the error column parameter (default {@code embedding_error}) */
    public Param<String> errorCol() {
        return errorCol;
    }

    /** @return the model package folder parameter */
    public Param<String> modelPackage() {
        return modelPackage;
    }

    /** @return the task parameter (default {@code retrieval}) */
    public Param<String> task() {
        return task;
    }

    /** @return the checkpoint file parameter */
    public Param<String> checkpoint() {
        return checkpoint;
    }

    /** @return the tokenizer file parameter */
    public Param<String> tokenizer() {
        return tokenizer;
    }

    /** @return the head id parameter */
    public Param<String> head() {
        return head;
    }

    /** @return the attention heads parameter (0 = default) */
    public IntParam attentionHeads() {
        return attentionHeads;
    }

    /** @return the text segment length parameter (0 = default) */
    public IntParam maxTextLength() {
        return maxTextLength;
    }

    /** @return the batch size parameter (default 16) */
    public IntParam batchSize() {
        return batchSize;
    }

    /** @return the engine threads per executor parameter (0 = DJL's default) */
    public IntParam threadsPerExecutor() {
        return threadsPerExecutor;
    }

    /** @return the image size limit parameter, in pixels */
    public LongParam maxImagePixels() {
        return maxImagePixels;
    }

    // ------------------------------------------------------------------ setters

    /**
     * Sets the input column.
     *
     * @param c column name
     * @return this
     */
    public Beit3Embedder setInputCol(String c) {
        set(inputCol, c);
        return this;
    }

    /**
     * Sets what the input column holds.
     *
     * @param m {@code image} or {@code text}
     * @return this
     */
    public Beit3Embedder setModality(String m) {
        set(modality, m == null ? null : m.toLowerCase(Locale.ROOT));
        return this;
    }

    /**
     * Sets the output column.
     *
     * @param c column name
     * @return this
     */
    public Beit3Embedder setOutputCol(String c) {
        set(outputCol, c);
        return this;
    }

    /**
     * Sets the error column.
     *
     * @param c column name
     * @return this
     */
    public Beit3Embedder setErrorCol(String c) {
        set(errorCol, c);
        return this;
    }

    /**
     * Sets the model package folder (readable on every executor).
     *
     * @param dir the folder holding {@code models.json}
     * @return this
     */
    public Beit3Embedder setModelPackage(String dir) {
        set(modelPackage, dir);
        return this;
    }

    /**
     * Sets the model package's task.
     *
     * @param t e.g. {@code retrieval}
     * @return this
     */
    public Beit3Embedder setTask(String t) {
        set(task, t);
        return this;
    }

    /**
     * Sets the checkpoint file (readable on every executor).
     *
     * @param file the checkpoint
     * @return this
     */
    public Beit3Embedder setCheckpoint(String file) {
        set(checkpoint, file);
        return this;
    }

    /**
     * Sets the tokenizer file (readable on every executor).
     *
     * @param file the {@code .spm} file
     * @return this
     */
    public Beit3Embedder setTokenizer(String file) {
        set(tokenizer, file);
        return this;
    }

    /**
     * Sets the head id.
     *
     * @param id e.g. {@code retrieval}
     * @return this
     */
    public Beit3Embedder setHead(String id) {
        set(head, id);
        return this;
    }

    /**
     * Sets the attention heads (for non-standard widths).
     *
     * @param h heads, 0 = default
     * @return this
     */
    public Beit3Embedder setAttentionHeads(int h) {
        set(attentionHeads, h);
        return this;
    }

    /**
     * Sets the text segment length.
     *
     * @param n tokens, 0 = default
     * @return this
     */
    public Beit3Embedder setMaxTextLength(int n) {
        set(maxTextLength, n);
        return this;
    }

    /**
     * Sets the rows per forward pass.
     *
     * @param n at least 1
     * @return this
     */
    public Beit3Embedder setBatchSize(int n) {
        set(batchSize, n);
        return this;
    }

    /**
     * Sets the engine's intra-op threads in each executor JVM (effective when the first model of the JVM loads).
     *
     * @param n threads, 0 = DJL's default
     * @return this
     */
    public Beit3Embedder setThreadsPerExecutor(int n) {
        set(threadsPerExecutor, n);
        return this;
    }

    /**
     * Sets the largest image accepted.
     *
     * @param pixels width × height
     * @return this
     */
    public Beit3Embedder setMaxImagePixels(long pixels) {
        set(maxImagePixels, pixels);
        return this;
    }

    // ------------------------------------------------------------------ transformer

    /** The model spec of the current parameters (validated on the driver). */
    ModelSpec spec() {
        return new ModelSpec($(modelPackage), $(task), $(checkpoint), $(tokenizer), $(head), intValue(attentionHeads),
                intValue(maxTextLength));
    }

    private int intValue(IntParam p) {
        return ((Number) $(p)).intValue();
    }

    /**
     * The output schema: the input columns, the output column ({@code array<float>}, nullable) and the error column
     * ({@code string}, nullable).
     *
     * @param schema the input schema
     * @return the output schema
     * @throws InvalidInputException when the input column is missing or of the wrong type, or an output column
     *     exists already
     */
    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(inputCol)) {
            throw new InvalidInputException("Beit3Embedder: set the input column with setInputCol(name)");
        }
        String in = $(inputCol);
        if (!Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new InvalidInputException("Beit3Embedder: input column '" + in + "' is not among the columns "
                    + Arrays.toString(schema.fieldNames()));
        }
        kind(schema.apply(in));
        String out = $(outputCol);
        String err = $(errorCol);
        for (String c : new String[] {out, err}) {
            if (Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new InvalidInputException("Beit3Embedder: output column '" + c + "' exists already; choose"
                        + " another name with setOutputCol/setErrorCol");
            }
        }
        if (out.equals(err)) {
            throw new InvalidInputException("Beit3Embedder: output and error column are both '" + out + "'");
        }
        return schema.add(new StructField(out, DataTypes.createArrayType(DataTypes.FloatType, false), true,
                org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField(err, DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()));
    }

    private EmbedPartition.Kind kind(StructField f) {
        boolean text = $(modality).equals("text");
        if (f.dataType() instanceof StringType) {
            return text ? EmbedPartition.Kind.TEXT : EmbedPartition.Kind.IMAGE_PATH;
        }
        if (f.dataType() instanceof BinaryType && !text) {
            return EmbedPartition.Kind.IMAGE_BYTES;
        }
        throw new InvalidInputException("Beit3Embedder: input column '" + f.name() + "' is " + f.dataType().simpleString()
                + "; " + (text ? "text needs a string column" : "images need a binary (file content) or string "
                + "(path) column"));
    }

    /**
     * Adds the embedding and error columns. Lazy, like every Spark transformation: models load on the executors
     * when an action runs.
     *
     * @param dataset the input
     * @return the input rows with two more columns
     * @throws InvalidInputException when the parameters or the schema do not fit (on the driver)
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        StructField in = dataset.schema().apply($(inputCol));
        int column = dataset.schema().fieldIndex($(inputCol));
        EmbedPartition f = new EmbedPartition(spec(), intValue(batchSize), intValue(threadsPerExecutor), column,
                kind(in), (Long) $(maxImagePixels));
        return dataset.toDF().mapPartitions(f, Encoders.row(out));
    }

    /**
     * A copy with the same uid and parameters, overridden by {@code extra} (Spark ML).
     *
     * @param extra parameter overrides
     * @return the copy
     */
    @Override
    public Beit3Embedder copy(ParamMap extra) {
        return (Beit3Embedder) defaultCopy(extra);
    }

    /** @return the output vector type, {@code array<float>} */
    static ArrayType vectorType() {
        return DataTypes.createArrayType(DataTypes.FloatType, false);
    }
}
